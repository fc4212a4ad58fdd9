// The one place that picks a transport; the rest of the UI imports `api` only.
// In Electron the preload exposes a ready ApiClient as `window.berth` (IPC underneath).
// With a remote machine selected, `api` is that machine's (carried by this Berth: remote.ts);
// `localApi` always talks to this computer's Berth (the machine switcher uses it).
import type { ApiClient } from '../../../shared/api/index.js';
import { createHttpClient } from './http.js';
import { remoteClient, selectedMachine } from './remote.js';

declare global {
  interface Window { berth?: ApiClient & { pathForFile?: (f: File) => string } }
}

export const isElectron = typeof window !== 'undefined' && !!window.berth;

export const machine = selectedMachine();
const http = isElectron ? null : createHttpClient('', machine);
export const localApi: ApiClient = isElectron ? window.berth! : http!.client;
const remote = machine === 'local' ? null : remoteClient(localApi, machine);
export const api: ApiClient = remote ? remote.client : localApi;

/** Called after the event stream reconnects (HTTP, or a remote machine's SSH link; IPC never disconnects). */
export function onReconnect(l: () => void): void {
  http?.onReconnect(l);
  remote?.onReconnect(l);
}
