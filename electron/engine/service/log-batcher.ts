// Log lines arrive one at a time and can come at thousands per second; the UI wants them
// in batches. Lines are held per deployment for at most `intervalMs` (or until `maxBatch`),
// then emitted as one event. Bounded: beyond `maxPending` the oldest are dropped and counted.
import type { LogLine } from '../../../shared/deployment.js';

export interface LogBatch {
  id: string;
  lines: LogLine[];
  dropped: number;
}

export class LogBatcher {
  private readonly pending = new Map<string, { lines: LogLine[]; dropped: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly flushTo: (b: LogBatch) => void,
    private readonly opts: { intervalMs: number; maxBatch: number; maxPending: number } = { intervalMs: 50, maxBatch: 500, maxPending: 5000 },
  ) {}

  push(id: string, lines: LogLine[]): void {
    let p = this.pending.get(id);
    if (!p) this.pending.set(id, (p = { lines: [], dropped: 0 }));
    p.lines.push(...lines);
    if (p.lines.length > this.opts.maxPending) {
      const over = p.lines.length - this.opts.maxPending;
      p.lines.splice(0, over);
      p.dropped += over;
    }
    if (p.lines.length >= this.opts.maxBatch) this.flushOne(id);
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.intervalMs);
      this.timer.unref?.();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const id of [...this.pending.keys()]) this.flushOne(id);
  }

  private flushOne(id: string): void {
    const p = this.pending.get(id);
    if (!p || (!p.lines.length && !p.dropped)) return;
    this.pending.delete(id);
    this.flushTo({ id, lines: p.lines, dropped: p.dropped });
  }

  close(): void {
    this.flush();
  }
}
