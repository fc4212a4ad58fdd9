import { createStore } from '../lib/store.js';
import type { EngineStatus } from '../api/contract.js';

export const engineStore = createStore<EngineStatus | null>(null);
/** Transport to the Berth service (WebSocket): null until first known. */
/**
 * Counts reconnects of the event stream (HTTP, or a remote machine's SSH link): screens holding
 * their own reads (a deployment's detail, its fit estimate) read again when it moves, since a
 * read cut by the drop left an error that no event will clear.
 */
export const reconnectsStore = createStore(0);
export const transportStore = createStore<{ connected: boolean; retryInMs?: number } | null>(null);
