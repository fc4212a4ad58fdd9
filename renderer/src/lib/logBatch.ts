// Batches log lines so the terminal gets one write per animation frame however fast lines
// arrive, and formats them with ANSI colour by stream.
import type { LogLine } from '../api/contract.js';

export type StreamFilter = 'all' | 'stdout' | 'stderr';

export function passesFilter(line: LogLine, filter: StreamFilter): boolean {
  return filter === 'all' || line.stream === filter || line.stream === 'system';
}

/** One terminal line. Container output keeps its own ANSI colours; stderr gets a red gutter. */
export function formatLine(l: LogLine): string {
  const text = l.text.replace(/\r?\n$/, '').replace(/\n/g, '\r\n');
  if (l.stream === 'system') return `\x1b[36m› ${text}\x1b[0m`;
  if (l.stream === 'stderr') return `\x1b[31m▍\x1b[0m${text}`;
  return ` ${text}`;
}

export class FrameBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;
  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: (cb: () => void) => void = (cb) => requestAnimationFrame(cb),
    /** Upper bound per frame so one frame never blocks for long; the rest waits a frame. */
    private readonly maxPerFrame = 2000,
  ) {}
  push(items: T[]): void {
    if (items.length === 0) return;
    for (const it of items) this.pending.push(it);
    this.kick();
  }
  get size(): number { return this.pending.length; }
  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      const batch = this.pending.length > this.maxPerFrame ? this.pending.splice(0, this.maxPerFrame) : this.pending.splice(0);
      if (batch.length) this.flush(batch);
      if (this.pending.length) this.kick();
    });
  }
}
