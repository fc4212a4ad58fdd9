// Logs are not React state: 100k+ lines would re-render constantly. A bounded buffer per
// deployment keeps recent lines; the terminal view subscribes and writes batches per frame.
// Events can skip lines (a slow subscriber is dropped ahead by the service, or the app
// opened after the model started): gaps are filled from logs.since / logs.tail in seq order.
import type { LogLine, LogPage } from '../api/contract.js';

const MAX_LINES = 200_000;

export interface LogFetcher {
  tail(n: number): Promise<LogPage>;
  since(seq: number, limit: number): Promise<LogPage>;
}

export class LogStore {
  lines: LogLine[] = [];
  lastSeq = -1;
  /** Lines skipped for good (older than the service's bounded buffer kept). */
  missing = 0;
  private filling: Promise<void> | null = null;
  private held: LogLine[] = [];
  private ls = new Set<(lines: LogLine[]) => void>();

  constructor(private readonly fetcher: LogFetcher | null = null, private readonly max = MAX_LINES, private readonly fetchTimeoutMs = 8000) {}

  /** Lines pushed by events; `dropped` > 0 says the service skipped that many before lines[0]. */
  push(lines: LogLine[], dropped = 0): void {
    if (this.filling) {
      this.held.push(...lines);
      if (this.held.length > this.max) this.held.splice(0, this.held.length - this.max);
      return;
    }
    const first = lines[0];
    const gap = dropped > 0 || (first !== undefined && (this.lastSeq < 0 || first.seq > this.lastSeq + 1));
    if (gap && this.fetcher) {
      this.held.push(...lines);
      void this.fill();
      return;
    }
    this.add(lines);
  }

  /** Loads what came before (first open) or what was skipped, then releases held lines. */
  fill(): Promise<void> {
    if (this.filling || !this.fetcher) return this.filling ?? Promise.resolve();
    const inner = this.fetcher;
    // A fetch that hangs must not hold live lines back forever: give up and show what we have.
    const timed = <T,>(p: Promise<T>) => Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error('timeout')), this.fetchTimeoutMs))]);
    const f: LogFetcher = { tail: (n) => timed(inner.tail(n)), since: (s, l) => timed(inner.since(s, l)) };
    this.filling = (async () => {
      try {
        if (this.lastSeq < 0) {
          this.add((await f.tail(20_000)).lines);
        } else {
          // Page forward until caught up with what arrived meanwhile.
          for (let i = 0; i < 20; i++) {
            const page = await f.since(this.lastSeq, 20_000);
            this.add(page.lines);
            if (page.lines.length === 0 || this.lastSeq >= page.lastSeq) break;
          }
        }
      } catch {
        // Keep what we have; the held lines still show, with a visible gap.
      } finally {
        this.filling = null;
        const held = this.held.sort((a, b) => a.seq - b.seq);
        this.held = [];
        this.add(held);
      }
    })();
    return this.filling;
  }

  add(lines: LogLine[]): void {
    const fresh: LogLine[] = [];
    for (const l of lines) {
      if (l.seq <= this.lastSeq) continue;
      if (this.lastSeq >= 0 && l.seq > this.lastSeq + 1) this.missing += l.seq - this.lastSeq - 1;
      fresh.push(l);
      this.lastSeq = l.seq;
    }
    if (fresh.length === 0) return;
    for (const l of fresh) this.lines.push(l);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    this.ls.forEach((l) => l(fresh));
  }

  subscribe(l: (lines: LogLine[]) => void): () => void {
    this.ls.add(l);
    return () => { this.ls.delete(l); };
  }
}

const stores = new Map<string, LogStore>();
let makeFetcher: ((id: string) => LogFetcher) | null = null;

/** Wired by the hub so this module stays free of the transport (and unit-testable). */
export function setLogFetcherFactory(f: (id: string) => LogFetcher): void { makeFetcher = f; }

export function logStore(id: string): LogStore {
  let s = stores.get(id);
  if (!s) { s = new LogStore(makeFetcher ? makeFetcher(id) : null); stores.set(id, s); }
  return s;
}
