// A bounded, sequence-numbered log store. Model servers can print hundreds of thousands of
// lines a minute (vLLM at debug level): memory is capped by lines and bytes, and readers
// that reconnect ask `since(seq)` for exactly what they missed.
import type { LogLine } from '../../../shared/deployment.js';

export type LogListener = (line: LogLine) => void;

export interface LogBufferOptions {
  maxLines?: number;
  maxBytes?: number;
  /** Longest single line kept, in UTF-16 units; longer lines are cut with a marker. */
  maxLineLength?: number;
}

export class LogBuffer {
  readonly maxLines: number;
  readonly maxBytes: number;
  readonly maxLineLength: number;
  // A ring: `head` is the index of the oldest line, `count` how many are held.
  private ring: (LogLine | undefined)[];
  private head = 0;
  private count = 0;
  private bytes = 0;
  private nextSeq = 1;
  private listeners = new Set<LogListener>();

  constructor(opts: LogBufferOptions = {}) {
    this.maxLines = Math.max(1, opts.maxLines ?? 10_000);
    this.maxBytes = Math.max(1024, opts.maxBytes ?? 8 * 1024 * 1024);
    this.maxLineLength = Math.max(80, opts.maxLineLength ?? 16 * 1024);
    this.ring = new Array(this.maxLines);
  }

  get size(): number {
    return this.count;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** Seq of the newest line, 0 when none was ever pushed. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Seq of the oldest line still held (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.count ? this.ring[this.head]!.seq : this.nextSeq;
  }

  push(stream: LogLine['stream'], text: string, time: number = Date.now()): LogLine {
    if (text.length > this.maxLineLength) text = `${text.slice(0, this.maxLineLength)} … [line cut: ${text.length} chars]`;
    const line: LogLine = { seq: this.nextSeq++, time, stream, text };
    // Text length approximates bytes well enough for a cap, without encoding every line.
    const size = text.length + 32;
    if (this.count === this.maxLines) this.dropOldest();
    this.ring[(this.head + this.count) % this.maxLines] = line;
    this.count++;
    this.bytes += size;
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
    for (const l of this.listeners) {
      try {
        l(line);
      } catch {
        // A broken subscriber must not stop logging for everyone else.
      }
    }
    return line;
  }

  private dropOldest(): void {
    const old = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.maxLines;
    this.count--;
    this.bytes -= old.text.length + 32;
  }

  /** Returns an unsubscribe function. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.unsubscribe(listener);
  }

  unsubscribe(listener: LogListener): void {
    this.listeners.delete(listener);
  }

  /** The newest n lines, oldest first. */
  tail(n: number = this.count): LogLine[] {
    const k = Math.max(0, Math.min(n, this.count));
    const out: LogLine[] = new Array(k);
    for (let i = 0; i < k; i++) out[i] = this.ring[(this.head + this.count - k + i) % this.maxLines]!;
    return out;
  }

  /** Lines with seq > `seq`, oldest first (what a reader that saw `seq` missed and is still held). */
  since(seq: number): LogLine[] {
    if (this.count === 0) return [];
    const first = this.ring[this.head]!.seq;
    const skip = Math.max(0, seq - first + 1);
    return skip >= this.count ? [] : this.tail(this.count - skip);
  }

  clear(): void {
    this.ring = new Array(this.maxLines);
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
