// HTTP + WebSocket transport of the API contract (used by `berth serve`):
//   POST /api/<command>   JSON in, ApiResponse JSON out (4xx/5xx carry a BerthErrorShape)
//   GET  /api/events      WebSocket pushing every contract event
//   GET  /*               the built UI (dist/renderer), index.html fallback
// With a token (the default: see auth.ts) every /api call and the WebSocket need it; static
// files do not (the UI shows how to sign in when the API answers 401). A page loaded with
// `?token=TOKEN` sets the token cookie and is redirected to the same URL without it.
import { answerClientError, CONNECTIONS_CHECK_MS, HEADERS_TIMEOUT_MS } from '../http/client-errors.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BerthErrorShape } from '../../../shared/errors.js';
import { HTTP_PREFIX, WS_PATH, type ApiResponse, type HelloMessage } from '../../../shared/api/index.js';
import type { EventBus } from '../service/event-bus.js';
import { hostAllowed, keyMatches, originAllowed, requestAuthorized, TOKEN_PARAMS, tokenCookie, tokenCookieName } from './auth.js';
import { httpStatusFor } from './http-status.js';
import { createStaticHandler } from './static-files.js';
import { DEFAULT_WS_LIMITS, WsClient, type WsClientLimits } from './ws-client.js';

export interface CommandTarget {
  handle(name: string, input: unknown): Promise<ApiResponse<unknown>>;
  readonly events: EventBus;
}

export interface BerthServerOptions {
  service: CommandTarget;
  host: string;
  port: number;
  /** Built UI folder; null serves the API only. */
  staticDir: string | null;
  /** Required for every /api call and the WebSocket when set (null: no authentication, `--no-token`). */
  token: string | null;
  version: string;
  maxBodyBytes?: number;
  wsLimits?: WsClientLimits;
}

export interface RunningServer {
  /** The server's root URL, without the token. */
  url: string;
  /** The URL to open in a browser: with `?token=` when a token is required. */
  openUrl: string;
  port: number;
  host: string;
  server: Server;
  clients(): WsClient[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: BerthErrorShape): void {
  sendJson(res, status, { ok: false, error } satisfies ApiResponse<never>);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A declared length over the limit is refused before any of the body is read.
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(Object.assign(new Error('too large'), { tooLarge: true }));
      req.resume();
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('too large'), { tooLarge: true }));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const UNAUTHORIZED: BerthErrorShape = {
  code: 'BAD_REQUEST',
  message: 'This Berth server needs its access token.',
  hint: "Open the URL that 'berth serve' printed (http://HOST:PORT/?token=...). Scripts send 'Authorization: Bearer TOKEN' (or 'x-berth-key: TOKEN'; the WebSocket also takes '?token=TOKEN').",
};

export async function startBerthServer(opts: BerthServerOptions): Promise<RunningServer> {
  const loopbackOnly = LOOPBACK.has(opts.host);
  const maxBody = opts.maxBodyBytes ?? 2 * 1024 * 1024;
  const serveStatic = opts.staticDir ? createStaticHandler(opts.staticDir) : null;
  const clients = new Set<WsClient>();

  // Cookies are shared by every port of a host: the name carries the port (known once listening).
  let cookieName = tokenCookieName(opts.port);
  const authorized = (req: IncomingMessage, url: URL, ws: boolean) => requestAuthorized(req, url, opts.token, cookieName, ws);

  /** A page opened with `?token=`: trade it for the cookie and redirect to the URL without it. */
  function exchangeToken(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!TOKEN_PARAMS.some((p) => url.searchParams.has(p))) return false;
    const given = TOKEN_PARAMS.flatMap((p) => url.searchParams.getAll(p));
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-type': 'text/plain; charset=utf-8' };
    // A wrong token sets nothing: the UI then says how to sign in.
    if (opts.token && given.some((t) => keyMatches(t, opts.token!))) headers['set-cookie'] = tokenCookie(cookieName, opts.token);
    for (const p of TOKEN_PARAMS) url.searchParams.delete(p);
    // One leading slash: '//host' would send the browser to another site.
    const location = url.pathname.replace(/^[/\\]+/, '/') + (url.searchParams.size ? `?${url.searchParams}` : '');
    res.writeHead(303, { ...headers, location });
    res.end('See Other\n');
    return true;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendError(res, 405, { code: 'BAD_REQUEST', message: `Use POST for ${HTTP_PREFIX}${name}.`, hint: 'Commands are POST requests with a JSON body.' });
      return;
    }
    // application/json forces a CORS preflight from other origins, which is never granted.
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    let raw: string;
    try {
      raw = await readBody(req, maxBody);
    } catch (err) {
      if ((err as { tooLarge?: boolean }).tooLarge) sendError(res, 413, { code: 'BAD_REQUEST', message: `Request body is over ${maxBody} bytes.`, hint: 'Send less: configs and secrets are far smaller than this.' });
      else res.destroy();
      return;
    }
    if (raw.trim() && !ct.startsWith('application/json')) {
      sendError(res, 415, { code: 'BAD_REQUEST', message: "Request body must be JSON with 'content-type: application/json'.", hint: "Add the header 'content-type: application/json'." });
      return;
    }
    let input: unknown;
    if (raw.trim()) {
      try {
        input = JSON.parse(raw);
      } catch (err) {
        sendError(res, 400, { code: 'BAD_REQUEST', message: `Request body is not valid JSON: ${(err as Error).message}.`, hint: 'Send a JSON object, e.g. {"id":"..."}.' });
        return;
      }
    }
    const reply = await opts.service.handle(name, input);
    if (reply.ok) sendJson(res, 200, reply);
    else sendError(res, httpStatusFor(reply.error.code), reply.error);
  }

  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://berth.local');
    if (!hostAllowed(req, loopbackOnly)) {
      sendError(res, 421, { code: 'BAD_REQUEST', message: `Host '${req.headers.host ?? ''}' is not served here.`, hint: 'Open Berth as http://127.0.0.1:PORT or http://localhost:PORT.' });
      return;
    }
    if (url.pathname.startsWith(HTTP_PREFIX) || url.pathname === '/api') {
      if (!originAllowed(req)) {
        sendError(res, 403, { code: 'BAD_REQUEST', message: 'Cross-origin requests to the Berth API are refused.', hint: 'Use the Berth UI served by this server.' });
        return;
      }
      if (!authorized(req, url, false)) {
        sendError(res, 401, UNAUTHORIZED);
        return;
      }
      const name = url.pathname.slice(HTTP_PREFIX.length);
      handleApi(req, res, name).catch(() => {
        if (!res.headersSent) sendError(res, 500, { code: 'INTERNAL', message: 'The request failed unexpectedly.', hint: 'Retry; if it persists, run with BERTH_DEBUG=1 and report the output.' });
        else res.destroy();
      });
      return;
    }
    if (exchangeToken(req, res, url)) return;
    if (!serveStatic) {
      sendError(res, 404, { code: 'NOT_FOUND', message: `Nothing at ${url.pathname}.`, hint: `The API lives under ${HTTP_PREFIX}.` });
      return;
    }
    serveStatic(req, res, url.pathname).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('clientError', answerClientError);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node drops its own socket error handler on upgrade: a reset must not be fatal.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://berth.local');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${text}\n`);
    };
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!hostAllowed(req, loopbackOnly) || !originAllowed(req)) return refuse(403, 'Forbidden');
    if (!authorized(req, url, true)) return refuse(401, 'Unauthorized: the token printed by berth serve is required (cookie, Authorization: Bearer, or ?token=)');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const client = new WsClient(ws, opts.wsLimits ?? DEFAULT_WS_LIMITS);
      clients.add(client);
      const hello: HelloMessage = { type: 'hello', version: opts.version };
      ws.send(JSON.stringify(hello));
      // A page names the machine it shows (?machine=): other machines' relayed events would
      // only be dropped by it, and a remote's logs can be heavy. Without it, everything.
      const shows = url.searchParams.get('machine');
      const unsub = opts.service.events.subscribe((channel, payload) => {
        if (shows !== null && channel === 'machine.event' && (payload as { machine?: string }).machine !== shows) return;
        client.send(channel, payload);
      });
      ws.on('close', () => {
        unsub();
        client.close();
        clients.delete(client);
      });
      ws.on('error', () => ws.terminate());
      // Clients do not send anything meaningful yet; pings are answered by ws itself.
      ws.on('message', () => {});
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port, opts.host);
  });
  const addr = server.address() as AddressInfo;
  cookieName = tokenCookieName(addr.port);
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${addr.port}/`;
  return {
    url,
    openUrl: opts.token ? `${url}?token=${encodeURIComponent(opts.token)}` : url,
    port: addr.port,
    host: opts.host,
    server,
    clients: () => [...clients],
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) {
          c.close();
          c.socket.terminate();
        }
        wss.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
