// The per-deployment local gateway: Baseten routes on a local port, gated on the
// deployment's readiness, with the model's predict_concurrency enforced in front of it.
//
// Both predict and sync routes take a concurrency slot: both reach the model server, and
// predict_concurrency on Baseten limits requests to the replica whatever route they came
// by. A WebSocket session holds a slot for its whole life (as on Baseten, where
// predict_concurrency caps concurrent WebSocket connections).
import { answerPreflight, corsHeaders } from './cors.js';
import { answerClientError, CONNECTIONS_CHECK_MS, HEADERS_TIMEOUT_MS } from '../http/client-errors.js';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BerthError } from '../../../shared/errors.js';
import type { DeploymentStateName } from '../../../shared/deployment.js';
import type { GatewayMetrics } from '../../../shared/deployment.js';
import type { TransportKind } from '../../../shared/plan.js';
import { isLoopbackHost, isLoopbackHostHeader, KeyChecker } from './auth.js';
import { Limiter, type SlotLease } from './limiter.js';
import { GatewayMetricsRecorder } from './metrics.js';
import { abortUpstream, createUpstreamPool, relay, type RelayedResponse, type RelayHooks, type RelayTarget } from './proxy.js';
import { upstreamRequestHeaders } from './headers.js';
import { FastConnection, type FastAdmission, type FastHost } from './fast-path.js';
import type { FastRequestHead } from './http-head.js';
import { UpstreamSockets } from './upstream-sockets.js';
import { sendJson } from './respond.js';
import { matchRoute, routeList, type RouteOptions } from './routes.js';
import { rejectUpgrade, relayUpgrade } from './websocket.js';
import type { RequestLog } from './history/request-log.js';
import type { RequestCapture } from './history/capture.js';
import type { WsCapture } from './history/ws-capture.js';

export interface GatewayOptions {
  deploymentId: string;
  /** Interface to bind. Anything but loopback requires `apiKey`. */
  host?: string;
  /** 0 picks a free port; callers pass the port remembered for this deployment. */
  port?: number;
  predictEndpoint: string;
  transport: TransportKind;
  predictConcurrency: number;
  /** Requests allowed to wait for a slot; beyond it the answer is 429 at once. */
  queueLimit?: number;
  /** How long a request may wait for a slot before 429. */
  queueTimeoutMs?: number;
  maxBodyBytes?: number;
  apiKey: string | null;
  requireKey: boolean;
  /** Where every request is recorded (the deployment's history outlives this gateway). */
  history?: RequestLog | null;
}

/**
 * Who may call the gateway: replaced on a running gateway by reconfigure() (key rotation,
 * the exposure and require-key settings).
 */
export interface GatewayAccess {
  /** Interface to bind; a change re-binds on the same port. Omitted: unchanged. */
  host?: string;
  apiKey: string | null;
  /** Require the key on loopback too (beyond loopback it is always required). */
  requireKey: boolean;
}

export interface GatewayGate {
  ready: boolean;
  state: DeploymentStateName | string;
  reason: string;
}

export interface GatewayUpstream {
  host: string;
  port: number;
}

export const DEFAULT_QUEUE_LIMIT = 256;
// Generation requests can hold a slot for minutes; two minutes of queueing is long enough
// to ride out a busy spell and short enough that a stuck client hears back.
export const DEFAULT_QUEUE_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;
const METRICS_INTERVAL_MS = 1000;

export class Gateway extends EventEmitter {
  readonly deploymentId: string;
  private bindHost: string;
  private readonly requestedPort: number;
  private readonly maxBodyBytes: number;
  // Read per request, so reconfigure() takes effect on the next request of every connection.
  private keys: KeyChecker;
  private requireKey: boolean;
  /** Bound to loopback: only loopback Host headers are answered. */
  private loopbackOnly: boolean;
  private readonly routeOpts: RouteOptions;
  private readonly limiter: Limiter;
  private readonly predictConcurrency: number;
  private readonly metrics = new GatewayMetricsRecorder();
  private readonly server: http.Server;
  private readonly hooks: RelayHooks;
  private target: RelayTarget | null = null;
  private gate: GatewayGate = { ready: false, state: 'idle', reason: 'The deployment has not started.' };
  private boundPort: number | null = null;
  private metricsTimer: NodeJS.Timeout | null = null;
  private lastEmit = 0;
  private closing = false;
  /** Upgraded sockets leave the server's connection tracking: close() ends them itself. */
  private readonly upgraded = new Set<Duplex>();
  /** Connections on the fast path (not yet handed to Node's server): close() ends them. */
  private readonly fastConns = new Set<FastConnection>();
  /** Every accepted connection, whoever serves it: a move back to loopback ends remote ones. */
  private readonly sockets = new Set<net.Socket>();
  /** reconfigure() calls run one at a time, in order. */
  private reconfiguring: Promise<void> = Promise.resolve();
  private readonly fastHost: FastHost;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly history: RequestLog | null;

  constructor(opts: GatewayOptions) {
    super();
    this.deploymentId = opts.deploymentId;
    this.bindHost = opts.host ?? '127.0.0.1';
    this.requestedPort = opts.port ?? 0;
    checkAccess(opts.deploymentId, this.bindHost, opts.apiKey, opts.requireKey);
    if (!opts.predictEndpoint.startsWith('/')) {
      throw new BerthError('CONFIG_INVALID', `predict_endpoint "${opts.predictEndpoint}" is not a path.`, 'Set docker_server.predict_endpoint to a path starting with "/", e.g. /v1/chat/completions.');
    }
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.history = opts.history ?? null;
    this.keys = new KeyChecker(opts.apiKey);
    // Beyond loopback a key is always required.
    this.requireKey = opts.requireKey || !isLoopbackHost(this.bindHost);
    this.loopbackOnly = isLoopbackHost(this.bindHost);
    this.routeOpts = { predictEndpoint: opts.predictEndpoint, transport: opts.transport };
    this.predictConcurrency = Math.max(1, opts.predictConcurrency | 0);
    this.limiter = new Limiter(this.predictConcurrency, opts.queueLimit ?? DEFAULT_QUEUE_LIMIT, opts.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS);
    const keys = this.keys;
    const metrics = this.metrics;
    this.hooks = {
      newRequestId: randomUUID,
      isGatewayKey: keyStripper(keys),
      onResponseHeaders: (startedAt: number) => metrics.ttfb.add(performance.now() - startedAt),
      onTokens: (n: number) => {
        metrics.addTokens(n, Date.now());
        this.touch();
      },
    };
    this.server = http.createServer(
      {
        noDelay: true,
        keepAlive: true,
        // Streams and uploads of 100 MiB can take long: no overall request deadline.
        requestTimeout: 0,
        headersTimeout: HEADERS_TIMEOUT_MS,
        connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
      },
      (req, res) => {
        try {
          this.onRequest(req, res);
        } catch (err) {
          // A bug here must cost one request, never the app.
          if (!res.headersSent) sendJson(res, 500, null, { error: `The gateway failed on this request: ${(err as Error).message}`, hint: 'Retry; if it keeps happening, report it with the Berth logs.' });
          else res.destroy();
        }
      },
    );
    this.server.keepAliveTimeout = 65_000;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.onUpgrade(req, socket, head);
      } catch {
        socket.destroy();
      }
    });
    this.server.on('clientError', answerClientError);
    // Every connection starts on the fast path; Node's own connection handling (parser,
    // timeouts, tracking for close) takes over whatever the fast path declines.
    const nodeConnection = this.server.listeners('connection') as ((socket: net.Socket) => void)[];
    this.server.removeAllListeners('connection');
    const server = this.server;
    this.fastHost = {
      hooks: this.hooks,
      admit: (head, remoteAddress) => this.fastAdmit(head, remoteAddress),
      finish: (status, startedAt) => this.fastFinish(status, startedAt),
      handOff: (socket) => {
        for (const l of nodeConnection) l.call(server, socket);
        // Bytes put back for Node's parser flow once the socket reads again.
        if (socket.isPaused()) socket.resume();
      },
    };
    const sockets = this.sockets;
    this.server.on('connection', (socket: net.Socket) => {
      if (this.closing) return socket.destroy();
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      new FastConnection(socket, this.fastHost, this.fastConns);
    });
  }

  /** The interface the gateway listens on. */
  get host(): string {
    return this.bindHost;
  }

  /**
   * Replaces who may call a running gateway: a new key works at once and the old one is
   * refused from the next request on (every connection, keep-alive ones included); the
   * require-key flag likewise. A new host re-binds on the same port: existing connections
   * stay, except remote ones when the gateway moves back to loopback. While it moves, the
   * stricter of the old and new rules applies. A re-bind that fails puts the old binding
   * back and throws a BerthError saying to restart the deployment.
   */
  reconfigure(access: GatewayAccess): Promise<void> {
    const run = this.reconfiguring.then(() => this.applyAccess(access));
    this.reconfiguring = run.catch(() => undefined);
    return run;
  }

  private async applyAccess(a: GatewayAccess): Promise<void> {
    const host = a.host ?? this.bindHost;
    checkAccess(this.deploymentId, host, a.apiKey, a.requireKey);
    this.keys = new KeyChecker(a.apiKey);
    this.hooks.isGatewayKey = keyStripper(this.keys);
    if (host === this.bindHost || this.closing) {
      this.bindHost = host;
      this.requireKey = a.requireKey || !isLoopbackHost(host);
      this.loopbackOnly = isLoopbackHost(host);
      return;
    }
    const from = this.bindHost;
    this.requireKey = this.requireKey || a.requireKey || !isLoopbackHost(host);
    try {
      await this.rebind(host);
    } finally {
      const now = this.bindHost;
      this.requireKey = a.requireKey || !isLoopbackHost(now);
      this.loopbackOnly = isLoopbackHost(now);
      if (isLoopbackHost(now) && !isLoopbackHost(from)) {
        // Exposure turned off: the other machines' connections go with it.
        for (const s of this.sockets) if (!isLoopbackAddress(s.remoteAddress)) s.destroy();
      }
    }
  }

  /** Moves the listening socket to `host` on the same port (the old one put back on failure). */
  private async rebind(host: string): Promise<void> {
    const from = this.bindHost;
    if (!this.server.listening) {
      // Not listening (yet): listen() binds the new host.
      this.bindHost = host;
      return;
    }
    const port = this.boundPort!;
    // net.Server's own close: stops accepting without Node's HTTP close, which would also
    // end idle keep-alive connections and stop the header-timeout checks.
    net.Server.prototype.close.call(this.server);
    try {
      await this.bind(port, host);
      this.bindHost = host;
    } catch (err) {
      await this.bind(port, from).catch(() => undefined);
      const e = err as BerthError;
      throw new BerthError(
        e.code ?? 'INTERNAL',
        `The gateway for ${this.deploymentId} could not move to ${host}:${port}: ${e.message}${this.server.listening ? ` It still listens on ${from}:${port}.` : ' It no longer listens.'}`,
        'Restart the deployment (Stop, then Start) to open its gateway with the new setting.',
      );
    }
  }

  /** The gateway's base URL once listening. */
  get url(): string | null {
    if (this.boundPort === null) return null;
    const h = this.host.includes(':') && !this.host.startsWith('[') ? `[${this.host}]` : this.host;
    return `http://${h}:${this.boundPort}`;
  }

  get port(): number | null {
    return this.boundPort;
  }

  /** The routes this gateway serves (for the UI). */
  routes(): string[] {
    return routeList(this.routeOpts);
  }

  async listen(): Promise<{ port: number }> {
    await this.bind(this.requestedPort, this.bindHost);
    this.startSweep();
    return { port: this.boundPort! };
  }

  private bind(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        if (err.code === 'EADDRINUSE') {
          reject(
            new BerthError(
              'PORT_IN_USE',
              `Port ${port} on ${host} is already in use, so the gateway for ${this.deploymentId} cannot listen there.`,
              'Stop the program using that port, or choose another gateway port for this deployment in Berth.',
            ),
          );
        } else if (err.code === 'EACCES') {
          reject(new BerthError('PORT_IN_USE', `Berth may not listen on port ${port}.`, 'Choose a port above 1023 for the gateway.'));
        } else if (err.code === 'EADDRNOTAVAIL') {
          reject(new BerthError('BAD_REQUEST', `${host} is not an address of this machine.`, 'Bind the gateway to 127.0.0.1 or to one of this machine\'s addresses.'));
        } else {
          reject(new BerthError('INTERNAL', `The gateway could not listen: ${err.message}`, 'Try another port or restart Berth.'));
        }
      };
      const onListening = () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(port, host);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.limiter.drain();
    if (this.metricsTimer) clearTimeout(this.metricsTimer);
    this.metricsTimer = null;
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const c of [...this.fastConns]) c.destroy();
    this.fastConns.clear();
    for (const s of this.upgraded) s.destroy();
    this.upgraded.clear();
    this.target?.sockets.destroy();
    await this.target?.pool.destroy().catch(() => undefined);
    if (this.server.listening) await done;
    this.boundPort = null;
  }

  /** Points the gateway at the model server's published port, or at nothing. */
  setUpstream(upstream: GatewayUpstream | null): void {
    const old = this.target;
    if (upstream && old && old.host === upstream.host && old.port === upstream.port) return;
    if (upstream) {
      this.target = {
        // Queueing happens in the limiter; the pool only needs a connection per slot
        // (plus slack for connections still closing).
        pool: createUpstreamPool(upstream.host, upstream.port, this.predictConcurrency + 16),
        host: upstream.host,
        port: upstream.port,
        hostHeader: `${upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host}:${upstream.port}`,
        maxBodyBytes: this.maxBodyBytes,
        sockets: new UpstreamSockets(upstream.host, upstream.port),
      };
    } else this.target = null;
    // In-flight requests to the old server finish; the pool then closes.
    if (old) {
      old.pool.close().catch(() => undefined);
      old.sockets.destroy();
    }
  }

  setGate(gate: GatewayGate): void {
    this.gate = { ready: gate.ready, state: gate.state, reason: gate.reason };
  }

  metricsSnapshot(): GatewayMetrics {
    return this.metrics.snapshot(Date.now(), this.limiter.inFlight, this.limiter.queueDepth);
  }

  // ---- fast path ----------------------------------------------------------------------

  /** Admits a plain request to the fast path when it would pass every check at once. */
  private fastAdmit(head: FastRequestHead, remoteAddress: string | undefined): FastAdmission | null {
    if (this.closing || !this.gate.ready || this.target === null) return null;
    if (this.loopbackOnly && !isLoopbackHostHeader(head.host)) return null;
    if (this.requireKey && !this.keys.matches(head.authorization)) return null;
    const route = matchRoute(head.url, this.routeOpts);
    if (route.kind !== 'forward') return null;
    if (head.contentLength > this.maxBodyBytes) return null;
    const target = this.target;
    const headers = upstreamRequestHeaders(head.raw, target.hostHeader, remoteAddress, randomUUID, this.hooks.isGatewayKey, false);
    // Last: from here the exchange owns the slot.
    const lease = this.limiter.tryAcquire();
    if (lease === null) return null;
    this.touch();
    const capture = this.history?.begin(performance.now(), head.method, head.url, head.raw, remoteAddress) ?? null;
    if (capture !== null) {
      capture.requestId = headers.requestId;
      capture.upstreamPath = route.target;
    }
    return { path: route.target, headers, sockets: target.sockets, lease, capture };
  }

  /** Records a fast-path exchange's outcome (its lease is already given back). */
  private fastFinish(status: number, startedAt: number): void {
    this.metrics.countStatus(status);
    this.metrics.latency.add(performance.now() - startedAt);
    this.touch();
  }

  /** Closes idle fast-path connections (keep-alive timeout) and stale upstream ones. */
  private startSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.fastConns) c.sweep(now);
      this.target?.sockets.sweep(now);
    }, CONNECTIONS_CHECK_MS);
    this.sweepTimer.unref();
  }

  // ---- request path -------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      sendJson(res, 421, null, { error: `This gateway answers requests for 127.0.0.1 or localhost, not '${req.headers.host ?? ''}'.`, hint: `Call it as ${this.url}.` });
      return;
    }
    // Requests with an Origin never take the fast path, so CORS lives here alone.
    if (answerPreflight(req, res)) return;
    const origin = req.headers.origin;
    const cors = corsHeaders(origin);
    if (cors) for (const k in cors) res.setHeader(k, cors[k]);
    else if (origin !== undefined) {
      // A web page other than Berth's UI: refused before it reaches the model, since a
      // "simple" cross-site POST would otherwise run it (only reading the answer is blocked).
      sendJson(res, 403, null, { error: `Browser requests from ${origin} are not accepted.`, hint: "Call the gateway from a server-side client (curl, the OpenAI SDK), or use Berth's Playground." });
      return;
    }
    const startedAt = performance.now();
    const r = res as SlotResponse;
    r.berthGateway = this;
    r.berthStartedAt = startedAt;
    r.berthCapture = this.history?.begin(startedAt, req.method ?? 'GET', req.url ?? '/', req.rawHeaders, req.socket.remoteAddress) ?? null;
    // One shared listener (state lives on the response): no closure per request.
    res.on('close', onResponseClose);
    this.touch();

    if (this.requireKey && !this.keys.matches(req.headers.authorization)) {
      sendJson(res, 401, null, {
        error: 'This Berth gateway requires an API key.',
        hint: 'Send the header "Authorization: Api-Key <key>" (or "Bearer <key>") with the gateway key from Berth\'s Settings.',
      });
      return;
    }
    const route = matchRoute(req.url ?? '/', this.routeOpts);
    if (route.kind === 'error') {
      sendJson(res, route.status, null, route.status === 404 ? { error: route.error, hint: route.hint, routes: this.routes() } : { error: route.error, hint: route.hint });
      return;
    }
    if (route.kind === 'websocket') {
      sendJson(res, 400, null, { error: 'This route expects a WebSocket upgrade.', hint: 'Connect with a WebSocket client (ws://.../environments/production/websocket).' });
      return;
    }
    if (!this.gateOpen(res)) return;
    const h = upstreamRequestHeaders(req.rawHeaders, this.target!.hostHeader, req.socket.remoteAddress, randomUUID, this.hooks.isGatewayKey, false);
    if (h.hasBody === 'length' && !(h.contentLength <= this.maxBodyBytes)) {
      sendJson(res, 413, h.requestId, { error: `The request body (${req.headers['content-length']} bytes) is larger than the ${Math.round(this.maxBodyBytes / 1048576)} MiB limit.`, hint: 'Send a smaller body, or pass large inputs by URL.' }, true);
      return;
    }
    const path = route.target;
    if (r.berthCapture) {
      r.berthCapture.requestId = h.requestId;
      r.berthCapture.upstreamPath = path;
    }
    const lease = this.limiter.tryAcquire();
    if (lease !== null) {
      r.berthLease = lease;
      relay(req, res, h, path, this.target!, this.hooks, startedAt);
      return;
    }
    const waiter = this.limiter.enqueue((granted) => {
      res.off('close', onGone);
      if (granted === null) {
        this.tooBusy(res, this.closing);
        return;
      }
      // The response owns the slot from here: its one 'close' gives it back.
      if (!holdUntilClose(r, granted)) return;
      if (!this.gateOpen(res)) return;
      // The upstream may have changed while waiting.
      for (let i = h.headers.length - 2; i >= 0; i -= 2) {
        if (h.headers[i] === 'Host') {
          h.headers[i + 1] = this.target!.hostHeader;
          break;
        }
      }
      relay(req, res, h, path, this.target!, this.hooks, startedAt);
    });
    if (waiter === null) {
      this.tooBusy(res, false);
      return;
    }
    const onGone = () => this.limiter.cancel(waiter);
    res.on('close', onGone);
    this.touch();
  }

  /** @internal called by the shared 'close' listener. */
  responseClosed(res: ServerResponse, startedAt: number): void {
    const r = res as SlotResponse;
    abortUpstream(r);
    const lease = r.berthLease;
    if (lease !== undefined) {
      r.berthLease = undefined;
      lease.release();
    }
    // A client that left before any answer is counted like nginx's 499.
    const status = res.headersSent ? res.statusCode : 499;
    this.metrics.countStatus(status);
    r.berthCapture?.finish(status);
    this.metrics.latency.add(performance.now() - startedAt);
    this.touch();
  }

  /** 503 while the model is not ready or has no upstream; true when traffic may pass. */
  private gateOpen(res: ServerResponse): boolean {
    if (this.gate.ready && this.target !== null && !this.closing) return true;
    const state = this.closing ? 'stopping' : this.gate.state;
    const reason = this.closing ? 'The gateway is shutting down.' : this.target === null && this.gate.ready ? 'The model server is not reachable yet.' : this.gate.reason;
    sendJson(
      res,
      503,
      null,
      {
        error: `The model is not ready (${state}).`,
        state,
        reason,
        hint: 'Wait until Berth shows the deployment as Ready, then retry; the Retry-After header says when.',
      },
      false,
      { 'retry-after': '5' },
    );
    return false;
  }

  private tooBusy(res: ServerResponse, closing: boolean): void {
    if (closing) {
      sendJson(res, 503, null, { error: 'The gateway is shutting down.', state: 'stopping', reason: 'The deployment is stopping.', hint: 'Start the deployment again in Berth.' }, false, { 'retry-after': '5' });
      return;
    }
    sendJson(
      res,
      429,
      null,
      {
        error: `The model is busy: ${this.limiter.inFlight} requests in flight (predict_concurrency) and ${this.limiter.queueDepth} waiting.`,
        hint: 'Retry after the Retry-After delay, send fewer requests at once, or raise runtime.predict_concurrency if the server can take more.',
      },
      false,
      { 'retry-after': '1' },
    );
  }

  // ---- websocket ----------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.touch();
    socket.on('error', () => socket.destroy());
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    // Every session is recorded, refused ones too (with the status they were refused with).
    const capture = this.history?.beginWs(performance.now(), req.url ?? '/', req.rawHeaders, req.socket.remoteAddress) ?? null;
    const refuse = (status: number, reason: string, body: object, extra?: Record<string, string>) => {
      capture?.finish(status);
      this.rejectWs(socket, status, reason, body, extra);
    };
    if (this.loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      refuse(421, 'Misdirected Request', { error: `This gateway answers requests for 127.0.0.1 or localhost, not '${req.headers.host ?? ''}'.`, hint: `Connect to ${this.url}.` });
      return;
    }
    // Browsers do not apply CORS to WebSockets: a page other than Berth's UI is refused here.
    if (req.headers.origin !== undefined && !corsHeaders(req.headers.origin)) {
      refuse(403, 'Forbidden', { error: `WebSocket connections from ${req.headers.origin} are not accepted.`, hint: "Connect from a server-side client, or use Berth's Playground." });
      return;
    }
    if (this.requireKey && !this.keys.matches(req.headers.authorization)) {
      refuse(401, 'Unauthorized', {
        error: 'This Berth gateway requires an API key.',
        hint: 'Send the header "Authorization: Api-Key <key>" with the WebSocket handshake.',
      });
      return;
    }
    const route = matchRoute(req.url ?? '/', this.routeOpts);
    if (route.kind === 'error') {
      refuse(route.status, route.status === 404 ? 'Not Found' : route.status === 501 ? 'Not Implemented' : 'Bad Request', route.status === 404 ? { error: route.error, hint: route.hint, routes: this.routes() } : { error: route.error, hint: route.hint });
      return;
    }
    if (route.kind !== 'websocket') {
      refuse(400, 'Bad Request', { error: 'Upgrades are only served on the websocket route.', hint: 'Connect to /environments/production/websocket.' });
      return;
    }
    if (!this.wsGateOpen(socket, capture)) return;
    const start = (lease: SlotLease) => {
      const t = this.target!;
      if (capture) capture.upstreamPath = route.target;
      relayUpgrade(req, socket, head, route.target, t, {
        newRequestId: randomUUID,
        isGatewayKey: this.hooks.isGatewayKey,
        capture,
        // Called once, when both sides are closed: the session's end gives its slot back.
        onClose: (status) => {
          lease.release();
          this.metrics.countStatus(status);
          this.touch();
        },
      });
    };
    const lease = this.limiter.tryAcquire();
    if (lease !== null) return start(lease);
    const waiter = this.limiter.enqueue((granted) => {
      socket.off('close', onGone);
      if (granted === null) {
        refuse(this.closing ? 503 : 429, this.closing ? 'Service Unavailable' : 'Too Many Requests', { error: 'The model is busy: all WebSocket slots (predict_concurrency) are taken.', hint: 'Retry later or raise runtime.predict_concurrency.' }, { 'retry-after': '1' });
        return;
      }
      if (socket.destroyed) capture?.finish(499);
      if (socket.destroyed || !this.wsGateOpen(socket, capture)) {
        granted.release();
        return;
      }
      start(granted);
    });
    if (waiter === null) {
      refuse(429, 'Too Many Requests', { error: 'The model is busy: all WebSocket slots (predict_concurrency) are taken and the queue is full.', hint: 'Retry later or raise runtime.predict_concurrency.' }, { 'retry-after': '1' });
      return;
    }
    // The client left while queued for a slot.
    const onGone = () => {
      this.limiter.cancel(waiter);
      capture?.finish(499);
    };
    socket.on('close', onGone);
  }

  private wsGateOpen(socket: Duplex, capture: WsCapture | null): boolean {
    if (this.gate.ready && this.target !== null && !this.closing) return true;
    capture?.finish(503);
    this.rejectWs(socket, 503, 'Service Unavailable', { error: `The model is not ready (${this.gate.state}).`, state: this.gate.state, reason: this.gate.reason, hint: 'Wait until Berth shows the deployment as Ready, then reconnect.' }, { 'retry-after': '5' });
    return false;
  }

  private rejectWs(socket: Duplex, status: number, reason: string, body: object, extra?: Record<string, string>): void {
    this.metrics.countStatus(status);
    rejectUpgrade(socket, status, reason, null, body, extra);
  }

  // ---- metrics ------------------------------------------------------------------------

  /** Schedules a metrics event; at most one per second, and only while traffic flows. */
  private touch(): void {
    if (this.metricsTimer !== null || this.closing) return;
    const wait = Math.max(0, this.lastEmit + METRICS_INTERVAL_MS - Date.now());
    this.metricsTimer = setTimeout(() => {
      this.metricsTimer = null;
      this.lastEmit = Date.now();
      this.emit('metrics', this.metricsSnapshot());
    }, wait);
    this.metricsTimer.unref();
  }
}

function checkAccess(deploymentId: string, host: string, apiKey: string | null, requireKey: boolean): void {
  if (!isLoopbackHost(host) && !apiKey) {
    throw new BerthError(
      'BAD_REQUEST',
      `The gateway for ${deploymentId} would listen on ${host}, reachable from other machines, without an API key.`,
      'Set a gateway API key in Settings before binding beyond 127.0.0.1, or bind to 127.0.0.1.',
    );
  }
  if (requireKey && !apiKey) {
    throw new BerthError('BAD_REQUEST', 'The gateway is set to require an API key but none is configured.', 'Set a gateway API key in Settings, or turn off "require key".');
  }
}

/** The hook that keeps the gateway key from the model server (null: no key to strip). */
function keyStripper(keys: KeyChecker): ((value: string) => boolean) | null {
  return keys.hasKey ? (v: string) => keys.matches(v) : null;
}

/** A peer address on this machine's loopback (IPv4, IPv6, or IPv4-mapped). */
function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

interface SlotResponse extends RelayedResponse {
  /** The request's concurrency slot; given back by the response's one 'close'. */
  berthLease?: SlotLease;
  berthCapture?: RequestCapture | null;
  berthGateway?: Gateway;
  berthStartedAt?: number;
}

/**
 * Hands a granted slot to a response. A response whose 'close' already ran (the client
 * left while queued) gives it back at once; false then, and the request is over.
 */
function holdUntilClose(res: SlotResponse, lease: SlotLease): boolean {
  if (res.destroyed) {
    lease.release();
    return false;
  }
  res.berthLease = lease;
  return true;
}

function onResponseClose(this: SlotResponse): void {
  this.berthGateway!.responseClosed(this, this.berthStartedAt!);
}
