// Wire formats shared by the transports and the renderer's adapters.
import type { BerthErrorShape } from '../errors.js';
import type { EventChannel, EventMap } from './events.js';

/** Every command reply, over IPC and HTTP alike: errors are data, never a thrown stack. */
export type ApiResponse<T> = { ok: true; result: T } | { ok: false; error: BerthErrorShape };

/** HTTP: `POST ${HTTP_PREFIX}<command>` with the JSON input as body (empty body = no input). */
export const HTTP_PREFIX = '/api/';
/** WebSocket path; the server pushes `EventMessage`s. */
export const WS_PATH = '/api/events';
/** Default port of `berth serve` (7860 is Gradio's, common on ML machines, so not that). */
export const DEFAULT_SERVE_PORT = 7870;
/** Header carrying the API key when `berth serve` listens beyond loopback. WS also takes `?key=`. */
export const API_KEY_HEADER = 'x-berth-key';

/** Electron: `ipcRenderer.invoke(IPC_COMMAND_PREFIX + name, input)` resolves to an ApiResponse. */
export const IPC_COMMAND_PREFIX = 'berth:';
/** Electron: main sends every event on this one channel as an EventMessage. */
export const IPC_EVENT_CHANNEL = 'berth:event';

export type EventMessage = { [C in EventChannel]: { type: 'event'; channel: C; payload: EventMap[C] } }[EventChannel];

/** First WebSocket message: the server's view at connect time, so a client never misses state. */
export interface HelloMessage {
  type: 'hello';
  version: string;
}

export type ServerMessage = EventMessage | HelloMessage;

export function isErrorShape(v: unknown): v is BerthErrorShape {
  return !!v && typeof v === 'object' && typeof (v as BerthErrorShape).code === 'string' && typeof (v as BerthErrorShape).message === 'string';
}
