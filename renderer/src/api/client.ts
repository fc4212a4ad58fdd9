// The one place that picks a transport; the rest of the UI imports `api` only.
// In Electron the preload exposes a ready ApiClient as `window.berth` (IPC underneath).
import type { ApiClient } from '../../../shared/api/index.js';
import { createHttpClient } from './http.js';

declare global {
  interface Window { berth?: ApiClient & { pathForFile?: (f: File) => string } }
}

export const isElectron = typeof window !== 'undefined' && !!window.berth;

const http = isElectron ? null : createHttpClient('');
export const api: ApiClient = isElectron ? window.berth! : http!.client;

/** Called after the event stream reconnects (HTTP only: IPC never disconnects). */
export function onReconnect(l: () => void): void { http?.onReconnect(l); }
