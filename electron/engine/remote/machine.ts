// One remote machine as the laptop sees it: an SSH connection (reconnected with back-off
// when it drops), the remote serve found or started through it, its port forwarded to a
// local 127.0.0.1 port, its events relayed, and each deployment's gateway forwarded to a
// local port too so http://127.0.0.1:PORT/... works from the laptop. Deployments keep
// running there while the link is down; after a reconnect they are read again.
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import type { ApiResponse } from '../../../shared/api/transport.js';
import { UI_ORIGIN, type MachineInfo, type MachineState } from '../../../shared/remote.js';
import { uiOrigins } from '../gateway/cors.js';
import { bootstrapRemote, type Bootstrapped } from './bootstrap.js';
import type { MachineRecord } from './machines-store.js';
import { PortForward } from './port-forward.js';
import { RemoteApi } from './remote-api.js';
import { SshConnection } from './ssh-connection.js';
import { resolveTarget, type ResolveOptions } from './ssh-target.js';

/** 1 s doubling to 30 s, ±20 % jitter: quick after a blip, gentle on a machine that is off. */
export function reconnectDelay(attempt: number, random = Math.random): number {
  return Math.round(Math.min(30_000, 1000 * 2 ** attempt) * (0.8 + 0.4 * random()));
}

const LOOPBACK_URL = /^http:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/.*)?$/;

export interface MachineOptions {
  localVersion: string;
  ssh?: ResolveOptions;
  /** For tests: shorter keepalives find a dead link sooner. */
  keepaliveMs?: number;
}

export declare interface RemoteMachine {
  on(e: 'status', l: (info: MachineInfo) => void): this;
  on(e: 'event', l: (channel: string, payload: unknown) => void): this;
}

export class RemoteMachine extends EventEmitter {
  private conn: SshConnection | null = null;
  private serve: Bootstrapped | null = null;
  private readonly serveForward = new PortForward(() => this.conn, 0);
  private readonly gateways = new Map<number, PortForward>();
  private ws: WebSocket | null = null;
  private state: MachineState = 'disconnected';
  private reason: string | null = null;
  private hint: string | null = null;
  private warnings: string[] = [];
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAt: number | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  /** Events are relayed in order even though rewriting a gateway URL may wait for a forward. */
  private eventChain: Promise<void> = Promise.resolve();
  readonly api: RemoteApi;

  constructor(readonly rec: MachineRecord, private readonly o: MachineOptions) {
    super();
    this.api = new RemoteApi(rec.name, () => this.serveForward.localPort, () => this.serve?.token ?? '');
  }

  get name(): string {
    return this.rec.name;
  }

  info(): MachineInfo {
    return {
      name: this.rec.name,
      url: this.rec.url,
      command: this.rec.command ?? null,
      state: this.state,
      reason: this.reason,
      hint: this.hint,
      remoteVersion: this.serve?.version ?? null,
      remoteApiVersion: this.serve?.apiVersion ?? null,
      warnings: this.warnings,
      retryAt: this.retryAt,
    };
  }

  /** The local port of the remote serve (connected machines only). */
  get servePort(): number {
    return this.serveForward.localPort;
  }

  private setState(state: MachineState, reason: string | null = null, hint: string | null = null): void {
    this.state = state;
    this.reason = reason;
    this.hint = hint;
    this.emit('status', this.info());
  }

  /** Connects now (or waits for the attempt under way); rejects with the reason, naming the machine. */
  connect(): Promise<void> {
    if (this.state === 'connected' && this.conn && !this.conn.isClosed) return Promise.resolve();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    return (this.connecting ??= this.attemptConnect().finally(() => (this.connecting = null)));
  }

  private async attemptConnect(): Promise<void> {
    this.closed = false;
    this.setState(this.attempt > 0 ? 'reconnecting' : 'connecting', this.reason, this.hint);
    let conn: SshConnection | null = null;
    try {
      const target = resolveTarget(this.rec.url, this.o.ssh);
      conn = await SshConnection.connect(this.rec.name, target, { keepaliveMs: this.o.keepaliveMs });
      this.serve = await bootstrapRemote(conn, { command: this.rec.command, localVersion: this.o.localVersion, allow: this.rec.allow });
      this.conn = conn;
      this.serveForward.remotePort = this.serve.port;
      if (!this.serveForward.localPort) await this.serveForward.listen();
      this.warnings = await this.checkCapabilities();
      this.ws = await this.api.events(
        (channel, payload) => this.relay(channel, payload),
        () => this.lost('the event stream closed'),
      );
      conn.onClose((reason) => this.lost(reason));
      if (this.closed) throw new BerthError('BAD_REQUEST', `Machine '${this.rec.name}' was disconnected.`);
      this.attempt = 0;
      this.setState('connected');
    } catch (err) {
      conn?.close();
      if (this.conn === conn) this.conn = null;
      const e = toErrorShape(err);
      // Host keys, refused keys, a missing or mismatched Berth: retrying cannot help.
      const permanent = e.code === 'BAD_REQUEST' || e.code === 'NOT_FOUND';
      if (permanent || this.closed) this.setState('error', e.message, e.hint ?? null);
      else this.scheduleRetry(e.message, e.hint ?? null);
      throw err;
    }
  }

  /** No Docker or no GPU there still lets Berth connect; the UI and CLI show why runs would fail. */
  private async checkCapabilities(): Promise<string[]> {
    const out: string[] = [];
    if (this.serve?.versionWarning) out.push(this.serve.versionWarning);
    // The Playground on this computer's UI calls the forwarded gateways from the page: the
    // remote gateways must allow this UI's origins (CORS) exactly as local ones do.
    const origins = uiOrigins().filter((o) => UI_ORIGIN.test(o));
    if (origins.length) {
      const granted = await this.api.call('gateway.allowUiOrigins', { origins }, 15_000);
      if (!granted.ok) out.push(`The Playground here cannot call machine '${this.rec.name}' gateways: ${granted.error.message}${granted.error.hint ? ` ${granted.error.hint}` : ''}`);
    }
    const engine = await this.api.call('engine.status', undefined, 15_000);
    if (engine.ok && (engine.result as { up?: boolean }).up === false) {
      const r = engine.result as { reason?: string; hint?: string };
      out.push(`Docker is not reachable on machine '${this.rec.name}'${r.reason ? `: ${r.reason}` : ''}.${r.hint ? ` ${r.hint}` : ''}`);
    }
    const gpus = await this.api.call('gpus.report', undefined, 30_000);
    if (gpus.ok && !((gpus.result as { gpus?: unknown[] }).gpus ?? []).length) out.push(`No NVIDIA GPU found on machine '${this.rec.name}': models needing one will not start there (CPU-only configs still run).`);
    return out;
  }

  private lost(reason: string): void {
    if (this.closed || this.state !== 'connected') return;
    const conn = this.conn;
    this.conn = null;
    conn?.close();
    this.ws?.terminate();
    this.ws = null;
    this.serveForward.dropConnections();
    for (const g of this.gateways.values()) g.dropConnections();
    this.scheduleRetry(`Disconnected from machine '${this.rec.name}': ${reason}. Deployments there keep running.`, 'Berth reconnects by itself.');
  }

  private scheduleRetry(reason: string, hint: string | null): void {
    if (this.closed) return;
    const delay = reconnectDelay(this.attempt++);
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting', reason, hint);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryAt = null;
      this.connect().catch(() => {});
    }, delay);
  }

  /** For tests and the CLI: the raw SSH connection (to kill it and watch the reconnect). */
  get connection(): SshConnection | null {
    return this.conn;
  }

  async call(name: string, input: unknown): Promise<ApiResponse<unknown>> {
    if (this.state !== 'connected') {
      try {
        await this.connect();
      } catch (err) {
        return { ok: false, error: toErrorShape(err) };
      }
    }
    const r = await this.api.call(name, input);
    if (r.ok) r.result = await this.rewrite(r.result);
    return r;
  }

  private relay(channel: string, payload: unknown): void {
    this.eventChain = this.eventChain.then(async () => {
      this.emit('event', channel, await this.rewrite(payload).catch(() => payload));
    });
  }

  /** A forwarded local port for a remote gateway port (same number when free here). */
  async gatewayPort(remotePort: number): Promise<number> {
    let f = this.gateways.get(remotePort);
    if (!f) {
      f = new PortForward(() => this.conn, remotePort);
      this.gateways.set(remotePort, f);
      await f.listen(remotePort);
    }
    return f.localPort || (await f.listen(remotePort));
  }

  /** Gateway URLs in results and events point at the machine's loopback: make them local forwards. */
  private async rewrite(v: unknown): Promise<unknown> {
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.rewrite(x)));
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    const obj = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(obj)) {
      const isGatewayUrl = k === 'gatewayUrl' || (k === 'url' && 'routes' in obj);
      const m = isGatewayUrl && typeof x === 'string' ? LOOPBACK_URL.exec(x) : null;
      out[k] = m ? `http://127.0.0.1:${await this.gatewayPort(Number(m[1]))}${m[2] ?? ''}` : await this.rewrite(x);
    }
    return out;
  }

  /** Uploads a local folder through SFTP (see upload.ts); the connection must be up. */
  async sftpConnection(): Promise<{ conn: SshConnection; uploadsDir: string }> {
    await this.connect();
    return { conn: this.conn!, uploadsDir: this.serve!.uploadsDir };
  }

  /** Ends the connection and forwards; the remote serve and its deployments keep running. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    this.ws?.terminate();
    this.ws = null;
    this.conn?.close();
    this.conn = null;
    await this.serveForward.close();
    for (const g of this.gateways.values()) await g.close();
    this.gateways.clear();
    this.attempt = 0;
    this.setState('disconnected');
  }
}
