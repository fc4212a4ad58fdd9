// Logs are not React state: 100k+ lines would re-render constantly. A bounded buffer per
// deployment keeps recent lines; the terminal view subscribes and writes batches per frame.
import type { LogLine } from '../api/contract.js';

const MAX_LINES = 200_000;

export class LogStore {
  lines: LogLine[] = [];
  lastSeq = -1;
  /** Lines the service skipped for us (slow subscriber); shown as a gap marker. */
  dropped = 0;
  private ls = new Set<(lines: LogLine[]) => void>();
  add(lines: LogLine[], dropped = 0): void {
    const fresh = lines.filter((l) => l.seq > this.lastSeq);
    this.dropped += dropped;
    if (fresh.length === 0) return;
    this.lastSeq = fresh[fresh.length - 1].seq;
    for (const l of fresh) this.lines.push(l);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.ls.forEach((l) => l(fresh));
  }
  subscribe(l: (lines: LogLine[]) => void): () => void {
    this.ls.add(l);
    return () => this.ls.delete(l);
  }
}

const stores = new Map<string, LogStore>();
export function logStore(id: string): LogStore {
  let s = stores.get(id);
  if (!s) { s = new LogStore(); stores.set(id, s); }
  return s;
}
