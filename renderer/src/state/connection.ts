import { createStore } from '../lib/store.js';
import type { EngineStatus } from '../api/contract.js';

export const engineStore = createStore<EngineStatus | null>(null);
/** Transport to the Berth service (WebSocket): null until first known. */
export const transportStore = createStore<{ connected: boolean; retryInMs?: number } | null>(null);
