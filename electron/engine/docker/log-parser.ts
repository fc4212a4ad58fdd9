// Parses the byte stream of GET /containers/{id}/logs: the 8-byte multiplexing frames
// (absent for TTY containers), lines split anywhere across chunks and frames, and the
// RFC3339Nano timestamp Docker prefixes when asked (timestamps=true). Hot path: keep it
// allocation-light; it must move >100k lines/s.

export type ParsedStream = 'stdout' | 'stderr';
export type LineSink = (stream: ParsedStream, text: string, time: number) => void;

const HEADER = 8;

/** Parses "2024-05-01T12:34:56.123456789Z" (or with an offset) to epoch ms; NaN when not a timestamp. */
export function parseDockerTimestamp(s: string): number {
  // Fast path for the UTC form Docker emits: cut the fraction to milliseconds for Date.parse.
  const dot = s.indexOf('.', 19);
  if (s.length >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(10) === 84) {
    if (dot === 19) {
      let end = 20;
      while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
      const frac = s.slice(20, Math.min(end, 23)).padEnd(3, '0');
      return Date.parse(`${s.slice(0, 19)}.${frac}${s.slice(end)}`);
    }
    return Date.parse(s);
  }
  return NaN;
}

class StreamLines {
  private pending: Buffer[] = [];
  constructor(
    private readonly stream: ParsedStream,
    private readonly timestamps: boolean,
    private readonly sink: LineSink,
  ) {}

  write(buf: Buffer, start: number, end: number): void {
    let from = start;
    for (;;) {
      const nl = buf.indexOf(10, from);
      if (nl === -1 || nl >= end) break;
      if (this.pending.length) {
        this.pending.push(buf.subarray(from, nl));
        const whole = Buffer.concat(this.pending);
        this.pending = [];
        this.emit(whole.toString('utf8'));
      } else {
        this.emit(buf.toString('utf8', from, nl));
      }
      from = nl + 1;
    }
    // Copy: the chunk's memory may be reused by the stream after we return.
    if (from < end) this.pending.push(Buffer.from(buf.subarray(from, end)));
  }

  flush(): void {
    if (!this.pending.length) return;
    const whole = Buffer.concat(this.pending);
    this.pending = [];
    if (whole.length) this.emit(whole.toString('utf8'));
  }

  private emit(line: string): void {
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    let time = NaN;
    if (this.timestamps) {
      const sp = line.indexOf(' ');
      const ts = sp === -1 ? line : line.slice(0, sp);
      time = parseDockerTimestamp(ts);
      if (!Number.isNaN(time)) line = sp === -1 ? '' : line.slice(sp + 1);
    }
    this.sink(this.stream, line, Number.isNaN(time) ? Date.now() : time);
  }
}

export class DockerLogParser {
  private readonly out: StreamLines;
  private readonly err: StreamLines;
  private header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private frameLeft = 0;
  private frameStream: StreamLines;

  constructor(
    private readonly multiplexed: boolean,
    timestamps: boolean,
    sink: LineSink,
  ) {
    this.out = new StreamLines('stdout', timestamps, sink);
    this.err = new StreamLines('stderr', timestamps, sink);
    this.frameStream = this.out;
  }

  push(chunk: Buffer): void {
    if (!this.multiplexed) {
      this.out.write(chunk, 0, chunk.length);
      return;
    }
    let i = 0;
    while (i < chunk.length) {
      if (this.frameLeft === 0) {
        // Collect the 8-byte header, which may itself be split across chunks.
        const take = Math.min(HEADER - this.headerFill, chunk.length - i);
        chunk.copy(this.header, this.headerFill, i, i + take);
        this.headerFill += take;
        i += take;
        if (this.headerFill < HEADER) return;
        this.headerFill = 0;
        this.frameStream = this.header[0] === 2 ? this.err : this.out;
        this.frameLeft = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.frameLeft, chunk.length - i);
      this.frameStream.write(chunk, i, i + take);
      this.frameLeft -= take;
      i += take;
    }
  }

  /** Emits any unterminated last lines (the stream ended). */
  end(): void {
    this.out.flush();
    this.err.flush();
  }
}
