// One live connection to the Docker engine. Berth starts before Docker is up more often than
// not (login, laptop wake), so the connection watches itself and says when the engine comes
// back instead of needing a restart.
import { EventEmitter } from 'node:events';
import Docker from 'dockerode';
import { BerthError } from '../../../shared/errors.js';
import { resolveEndpoint, type ResolveInput, type ResolvedEndpoint } from './endpoint.js';
import { classifyEngineError, type EngineStatus } from './engine-status.js';

export type { EngineStatus } from './engine-status.js';

export interface EngineConnectionOptions extends ResolveInput {
  /** Bound on one ping, ms. */
  pingTimeoutMs?: number;
  /** Back-off while the engine is down: first retry delay and the ceiling, ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How often a healthy engine is re-checked, ms (0 disables). */
  healthCheckMs?: number;
}

function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'BERTH_PING_TIMEOUT' }));
    }, ms);
  });
  return Promise.race([work(ac.signal), timeout]).finally(() => clearTimeout(timer));
}

export class EngineConnection extends EventEmitter {
  private opts: EngineConnectionOptions;
  private endpoint: ResolvedEndpoint;
  private client: Docker;
  private current: EngineStatus;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;
  private inflight: Promise<EngineStatus> | null = null;

  constructor(opts: EngineConnectionOptions = {}) {
    super();
    this.opts = opts;
    this.endpoint = resolveEndpoint(opts);
    this.client = new Docker(this.endpoint.options);
    this.current = { up: false, endpoint: this.endpoint.url, source: this.endpoint.source, reason: 'Not checked yet.', checkedAt: 0 };
  }

  /** The dockerode client for the current endpoint. Do not cache it across `status` changes. */
  get docker(): Docker {
    return this.client;
  }

  get status(): EngineStatus {
    return this.current;
  }

  get endpointInfo(): ResolvedEndpoint {
    return this.endpoint;
  }

  /** Changes the settings override; re-resolves and pings at once. */
  async setOverride(override: string | null): Promise<EngineStatus> {
    this.opts = { ...this.opts, override };
    this.reresolve(true);
    return this.ping();
  }

  private reresolve(force = false): void {
    const next = resolveEndpoint(this.opts);
    if (force || next.url !== this.endpoint.url) {
      this.endpoint = next;
      this.client = new Docker(next.options);
    }
  }

  /** One bounded ping + version. Never throws; updates `status` and emits on change. */
  ping(): Promise<EngineStatus> {
    if (this.inflight) return this.inflight;
    this.inflight = this.doPing().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async doPing(): Promise<EngineStatus> {
    const timeoutMs = this.opts.pingTimeoutMs ?? 3000;
    const ep = this.endpoint;
    const base = { endpoint: ep.url, source: ep.source, ...(ep.context ? { context: ep.context } : {}), checkedAt: Date.now() };
    let next: EngineStatus;
    if (ep.problem) {
      next = { ...base, up: false, code: 'ENGINE_UNAVAILABLE', reason: `The engine address is not usable: ${ep.problem}.`, hint: addressHint(ep.source) };
    } else {
      try {
        const v = await withTimeout(async (signal) => {
          // @types/dockerode lacks the options overloads; dockerode 5 honours abortSignal.
          const c = this.client as unknown as { ping(o: object): Promise<unknown>; version(o: object): Promise<Docker.DockerVersion> };
          await c.ping({ abortSignal: signal });
          return c.version({ abortSignal: signal });
        }, timeoutMs);
        next = { ...base, up: true, version: v.Version, apiVersion: v.ApiVersion, os: v.Os };
      } catch (err) {
        const down = classifyEngineError(err, ep.url);
        next = { ...base, up: false, code: down.code, reason: down.reason, hint: down.hint };
      }
    }
    this.setStatus(next);
    return next;
  }

  private setStatus(next: EngineStatus): void {
    const prev = this.current;
    this.current = next;
    if (prev.up !== next.up || prev.endpoint !== next.endpoint || prev.reason !== next.reason || prev.version !== next.version) {
      this.emit('status', next);
    }
  }

  /** Starts watching: retries with back-off while down, re-checks periodically while up. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    // The socket may move (Docker Desktop started, context switched): resolve again when down.
    if (!this.current.up) this.reresolve();
    const s = await this.ping();
    if (!this.running) return;
    let delay: number;
    if (s.up) {
      this.failures = 0;
      delay = this.opts.healthCheckMs ?? 5000;
      if (delay <= 0) return;
    } else {
      const min = this.opts.retryMinMs ?? 500;
      const max = this.opts.retryMaxMs ?? 15_000;
      delay = Math.min(max, min * 2 ** Math.min(this.failures, 16));
      this.failures++;
    }
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref?.();
  }

  /** Resolves with the client when the engine is up, else throws the BerthError explaining why. */
  async require(): Promise<Docker> {
    const s = this.current.up && Date.now() - this.current.checkedAt < 2000 ? this.current : await this.ping();
    if (!s.up) throw new BerthError(s.code ?? 'ENGINE_UNAVAILABLE', s.reason ?? 'Docker is not available.', s.hint);
    return this.client;
  }
}

function addressHint(source: string): string {
  if (source === 'DOCKER_HOST') return 'Fix or unset DOCKER_HOST (e.g. unix:///var/run/docker.sock or tcp://host:2376).';
  if (source === 'context') return 'Run `docker context use default` or repair the selected context.';
  return 'Fix the Docker engine address in Berth settings, or clear it to use the default.';
}
