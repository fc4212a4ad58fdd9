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

// `berth serve` needs its token. The URL it prints (`/?token=...`) is traded by the server for
// an HttpOnly cookie and redirected away, so the UI normally never sees the token: fetch and
// the WebSocket carry the cookie. A token still in the address (the Vite dev server, which
// proxies only /api) is sent as a header instead.
const params = typeof location !== 'undefined' ? new URLSearchParams(location.search) : null;
const serveKey = params?.get('token') || params?.get('key') || null;

let signInShown = false;

/**
 * The API answered 401: without the token nothing works, so the whole window says how to
 * get in (plain DOM: it must show even if the React tree is mid-render or broken).
 */
export function showSignInScreen(): void {
  if (signInShown || typeof document === 'undefined') return;
  signInShown = true;
  const screen = document.createElement('div');
  screen.setAttribute('role', 'alertdialog');
  screen.setAttribute('aria-modal', 'true');
  screen.setAttribute('aria-labelledby', 'berth-signin-title');
  screen.dataset.testid = 'signin-screen';
  Object.assign(screen.style, {
    position: 'fixed', inset: '0', zIndex: '2147483647', display: 'flex', alignItems: 'center', justifyContent: 'center',
    background: 'var(--bg, #111418)', color: 'var(--fg, #e8eaed)', font: '15px/1.5 system-ui, sans-serif', padding: '24px',
  });
  const box = document.createElement('div');
  Object.assign(box.style, { maxWidth: '640px' });
  const h = document.createElement('h1');
  h.id = 'berth-signin-title';
  h.textContent = 'Open Berth with its access token';
  Object.assign(h.style, { fontSize: '22px', margin: '0 0 12px' });
  const p1 = document.createElement('p');
  p1.textContent = 'This Berth server needs its access token. Open the URL with the token printed by berth serve when it started, the line that reads:';
  const example = document.createElement('pre');
  example.textContent = `Berth is serving on ${location.origin}/?token=…`;
  Object.assign(example.style, { padding: '10px 12px', borderRadius: '6px', background: 'rgba(127,127,127,.15)', overflowX: 'auto' });
  const p2 = document.createElement('p');
  p2.textContent = 'If you set the token yourself (--token or BERTH_SERVE_TOKEN), add ?token=<your token> to this address. Lost it? Restart berth serve for a new URL.';
  box.append(h, p1, example, p2);
  screen.append(box);
  document.body.append(screen);
}

/** `machine`: the machine this window shows; the server then sends only its machine.events. */
export function createHttpTransport(base = '', machine?: string): ClientTransport & { onReconnect(l: () => void): void } {
  const handlers = new Map<EventChannel, Set<(p: unknown) => void>>();
  const reconnectListeners = new Set<() => void>();
  let ws: WebSocket | null = null;
  let attempt = 0;
  let everConnected = false;

  const wsUrl = () => {
    const u = new URL(base || '/', location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.pathname = WS_PATH;
    const q = new URLSearchParams();
    if (serveKey) q.set('token', serveKey);
    if (machine) q.set('machine', machine);
    u.search = q.toString();
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
      // Without the token the socket is refused for good: retrying would only spin.
      if (signInShown) return;
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
      if (res.status === 401) {
        showSignInScreen();
        return { ok: false, error: { code: 'BAD_REQUEST', message: 'This Berth server needs its access token.', hint: 'Open the URL with the token printed by `berth serve` (http://127.0.0.1:PORT/?token=...).' } };
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

export function createHttpClient(base = '', machine?: string): { client: ApiClient; onReconnect(l: () => void): void } {
  const t = createHttpTransport(base, machine);
  return { client: buildApiClient(t), onReconnect: t.onReconnect };
}
