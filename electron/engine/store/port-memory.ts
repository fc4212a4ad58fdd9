// Each deployment keeps its gateway port across restarts (so clients and bookmarks keep working),
// unless something else has taken it; then it gets the next free port in Berth's range and that
// becomes its remembered port. Ports remembered by other deployments are never handed out.
import { createServer } from 'node:net';
import { BerthError } from '../../../shared/errors.js';
import { dataPath } from '../paths.js';
import { Mutex, readJson, writeJsonAtomic } from './atomic.js';

export const PORTS_FILE = 'ports.json';
export const DEFAULT_PORT_RANGE = { start: 8701, end: 8799 } as const;

/** True when `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export class PortMemory {
  readonly file: string;
  private readonly range: { start: number; end: number };
  private readonly mutex = new Mutex();

  constructor(opts: { file?: string; range?: { start: number; end: number } } = {}) {
    this.file = opts.file ?? dataPath(PORTS_FILE);
    this.range = opts.range ?? DEFAULT_PORT_RANGE;
  }

  async all(): Promise<Record<string, number>> {
    const r = await readJson(this.file);
    if (!r.ok) return {};
    const ports = (r.value as { ports?: unknown })?.ports;
    if (!ports || typeof ports !== 'object') return {};
    return Object.fromEntries(Object.entries(ports).filter(([, p]) => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536)) as Record<string, number>;
  }

  async get(deploymentId: string): Promise<number | null> {
    return (await this.all())[deploymentId] ?? null;
  }

  /**
   * The port the deployment's gateway should listen on: its remembered port when free, else
   * `preferred` when free and not someone else's, else the first free port in the range.
   * Call it before the gateway listens (its own listening port reads as taken).
   */
  portFor(deploymentId: string, opts: { host?: string; preferred?: number } = {}): Promise<number> {
    const host = opts.host ?? '127.0.0.1';
    return this.mutex.run(async () => {
      const ports = await this.all();
      const mine = ports[deploymentId];
      if (mine && (await isPortFree(mine, host))) return mine;
      const others = new Set(Object.entries(ports).filter(([id]) => id !== deploymentId).map(([, p]) => p));
      const candidates: number[] = [];
      if (opts.preferred && !others.has(opts.preferred)) candidates.push(opts.preferred);
      for (let p = this.range.start; p <= this.range.end; p++) if (!others.has(p) && p !== mine) candidates.push(p);
      for (const p of candidates) {
        if (await isPortFree(p, host)) {
          await this.save({ ...ports, [deploymentId]: p });
          return p;
        }
      }
      throw new BerthError(
        'PORT_IN_USE',
        `No free gateway port in ${this.range.start}-${this.range.end}${mine ? ` (this deployment's port ${mine} is taken)` : ''}.`,
        'Stop other programs or deployments using these ports, or forget old deployments\' ports, then start again.',
      );
    });
  }

  remember(deploymentId: string, port: number): Promise<void> {
    return this.mutex.run(async () => this.save({ ...(await this.all()), [deploymentId]: port }));
  }

  forget(deploymentId: string): Promise<void> {
    return this.mutex.run(async () => {
      const ports = await this.all();
      delete ports[deploymentId];
      await this.save(ports);
    });
  }

  private save(ports: Record<string, number>): Promise<void> {
    return writeJsonAtomic(this.file, { version: 1, ports }, { mode: 0o600 });
  }
}
