// HTTP + WebSocket transport: commands are `POST /api/<command>`; events arrive on one
// WebSocket `/api/events` that reconnects with back-off while the UI shows a banner.
// Imported from the zod-free modules so the renderer bundle does not carry zod.
import { buildApiClient, type ApiClient, type ClientTransport } from '../../../shared/api/client.js';
import { API_KEY_HEADER, HTTP_PREFIX, WS_PATH, type ApiResponse, type ServerMessage } from '../../../shared/api/transport.js';
import type { EventChannel } from '../../../shared/api/events.js';
import type { BerthErrorShape } from '../../../shared/errors.js';
import { backoffDelay } from '../lib/backoff.js';
import { transportStore } from '../state/connection.js';

const unreachable: BerthErrorShape = {
  code: 'ENGINE_UNAVAILABLE',
  message: 'Cannot reach the Berth service.',
  hint: 'Check that `berth serve` is still running, then retry.',
};

// When `berth serve` listens beyond loopback it needs its key: open the UI as `/?key=...`.
const serveKey = typeof location !== 'undefined' ? new URLSearchParams(location.search).get('key') : null;

export function createHttpTransport(base = ''): ClientTransport & { onReconnect(l: () => void): void } {
  const handlers = new Map<EventChannel, Set<(p: unknown) => void>>();
  const reconnectListeners = new Set<() => void>();
  let ws: WebSocket | null = null;
  let attempt = 0;
  let everConnected = false;

  const wsUrl = () => {
    const u = new URL(base || '/', location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.pathname = WS_PATH;
    u.search = serveKey ? `?key=${encodeURIComponent(serveKey)}` : '';
    return u.toString();
  };

  const connect = () => {
    const sock = new WebSocket(wsUrl());
    ws = sock;
    sock.onopen = () => {
      attempt = 0;
      transportStore.set({ connected: true });
      // After a reconnect, re-read state: events sent while disconnected were missed.
      if (everConnected) reconnectListeners.forEach((l) => l());
      everConnected = true;
    };
    sock.onmessage = (m) => {
      let msg: ServerMessage;
      try { msg = JSON.parse(String(m.data)) as ServerMessage; } catch { return; }
      if (msg.type !== 'event') return;
      handlers.get(msg.channel)?.forEach((h) => { try { h(msg.payload); } catch (err) { console.error(err); } });
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      const delay = backoffDelay(attempt++);
      transportStore.set({ connected: false, retryInMs: delay });
      setTimeout(connect, delay);
    };
    sock.onerror = () => sock.close();
  };

  return {
    async invoke(name, input): Promise<ApiResponse<unknown>> {
      let res: Response;
      try {
        res = await fetch(`${base}${HTTP_PREFIX}${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(serveKey ? { [API_KEY_HEADER]: serveKey } : {}) },
          body: input === undefined ? '' : JSON.stringify(input),
        });
      } catch {
        return { ok: false, error: unreachable };
      }
      try {
        return (await res.json()) as ApiResponse<unknown>;
      } catch {
        return { ok: false, error: { code: 'INTERNAL', message: `The Berth service answered ${res.status} without a readable reply.`, hint: 'Retry; if it persists, restart `berth serve`.' } };
      }
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) handlers.set(channel, (set = new Set()));
      set.add(handler);
      if (!ws) connect();
      return () => { set!.delete(handler); };
    },
    onReconnect(l) { reconnectListeners.add(l); },
  };
}

export function createHttpClient(base = ''): { client: ApiClient; onReconnect(l: () => void): void } {
  const t = createHttpTransport(base);
  return { client: buildApiClient(t), onReconnect: t.onReconnect };
}
