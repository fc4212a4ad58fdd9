import { describe, expect, it } from 'vitest';
import { LogBuffer } from '../../../electron/engine/docker/log-buffer.js';
import { DockerLogParser, parseDockerTimestamp } from '../../../electron/engine/docker/log-parser.js';

function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

describe('LogBuffer', () => {
  it('numbers lines, bounds by lines, answers tail and since', () => {
    const b = new LogBuffer({ maxLines: 3 });
    for (let i = 1; i <= 5; i++) b.push('stdout', `l${i}`, i);
    expect(b.size).toBe(3);
    expect(b.lastSeq).toBe(5);
    expect(b.firstSeq).toBe(3);
    expect(b.tail(2).map((l) => l.text)).toEqual(['l4', 'l5']);
    expect(b.tail(10).map((l) => l.seq)).toEqual([3, 4, 5]);
    expect(b.since(3).map((l) => l.seq)).toEqual([4, 5]);
    expect(b.since(0).map((l) => l.seq)).toEqual([3, 4, 5]); // older ones were dropped
    expect(b.since(5)).toEqual([]);
  });

  it('bounds by bytes and cuts monster lines', () => {
    const b = new LogBuffer({ maxLines: 1000, maxBytes: 2048, maxLineLength: 100 });
    for (let i = 0; i < 100; i++) b.push('stderr', 'x'.repeat(90));
    expect(b.byteSize).toBeLessThanOrEqual(2048);
    expect(b.size).toBeLessThan(100);
    const cut = b.push('stdout', 'y'.repeat(500));
    expect(cut.text).toMatch(/line cut: 500 chars/);
  });

  it('subscribers get each line; a throwing one does not break others; unsubscribe works', () => {
    const b = new LogBuffer();
    const got: number[] = [];
    b.subscribe(() => {
      throw new Error('bad');
    });
    const off = b.subscribe((l) => got.push(l.seq));
    b.push('stdout', 'a');
    off();
    b.push('stdout', 'b');
    expect(got).toEqual([1]);
  });
});

describe('DockerLogParser', () => {
  it('parses RFC3339Nano timestamps to ms', () => {
    expect(parseDockerTimestamp('2024-05-01T12:34:56.123456789Z')).toBe(Date.UTC(2024, 4, 1, 12, 34, 56, 123));
    expect(parseDockerTimestamp('2024-05-01T12:34:56Z')).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
    expect(parseDockerTimestamp('2024-05-01T12:34:56.5+02:00')).toBe(Date.UTC(2024, 4, 1, 10, 34, 56, 500));
    expect(parseDockerTimestamp('hello')).toBeNaN();
  });

  it('demultiplexes frames, keeps partial lines across chunks, frames and split headers', () => {
    const out: Array<[string, string, number]> = [];
    const p = new DockerLogParser(true, true, (s, t, time) => out.push([s, t, time]));
    const ts = '2024-05-01T00:00:01.000000001Z ';
    const all = Buffer.concat([
      frame(1, `${ts}hello wor`),
      frame(2, `${ts}err line\n`),
      frame(1, `ld\n${ts}second\r\n${ts}é`),
      frame(1, Buffer.from('😀 end\n')),
    ]);
    // Feed one byte at a time: headers and UTF-8 sequences are split everywhere.
    for (let i = 0; i < all.length; i++) p.push(all.subarray(i, i + 1));
    p.push(frame(1, `${ts}no newline`));
    p.end();
    expect(out.map(([s, t]) => [s, t])).toEqual([
      ['stderr', 'err line'],
      ['stdout', 'hello world'],
      ['stdout', 'second'],
      ['stdout', 'é😀 end'],
      ['stdout', 'no newline'],
    ]);
    expect(out[0][2]).toBe(Date.UTC(2024, 4, 1, 0, 0, 1, 0));
  });

  it('handles raw TTY streams', () => {
    const out: string[] = [];
    const p = new DockerLogParser(false, false, (_s, t) => out.push(t));
    p.push(Buffer.from('a\nb'));
    p.push(Buffer.from('c\n'));
    expect(out).toEqual(['a', 'bc']);
  });

  // Throughput is measured in bench/log-pipeline.mjs; here only that 200k lines all arrive, in order.
  it('moves 200k lines from frames to a subscriber, none lost', () => {
    const N = 200_000;
    const ts = '2024-05-01T00:00:01.123456789Z ';
    const chunks: Buffer[] = [];
    for (let i = 0; i < N; i += 1000) {
      let s = '';
      for (let j = i; j < i + 1000; j++) s += `${ts}INFO line ${j} some typical model server output with tokens/s=123.4\n`;
      chunks.push(frame(1, s));
    }
    const buf = new LogBuffer({ maxLines: 50_000 });
    let got = 0;
    let last = '';
    buf.subscribe((l) => {
      got++;
      last = l.text;
    });
    const p = new DockerLogParser(true, true, (s, t, time) => buf.push(s, t, time));
    for (const c of chunks) p.push(c);
    expect(got).toBe(N);
    expect(last).toMatch(/line 199999 /);
    expect(buf.lastSeq).toBe(N);
  });
});
