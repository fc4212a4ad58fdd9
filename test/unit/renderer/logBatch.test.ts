import { describe, expect, it } from 'vitest';
import { FrameBatcher, formatLine, passesFilter } from '../../../renderer/src/lib/logBatch.js';
import type { LogLine } from '../../../shared/deployment.js';

function manualFrames() {
  const q: Array<() => void> = [];
  return { schedule: (cb: () => void) => q.push(cb), run: () => { const cbs = q.splice(0); cbs.forEach((c) => c()); return cbs.length; }, pending: () => q.length };
}

describe('FrameBatcher', () => {
  it('coalesces any number of pushes into one flush per frame', () => {
    const f = manualFrames();
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((x) => flushed.push(x), f.schedule);
    for (let i = 0; i < 1000; i++) b.push([i]);
    expect(f.pending()).toBe(1);
    f.run();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toHaveLength(1000);
    expect(f.pending()).toBe(0);
  });

  it('caps a frame at maxPerFrame and carries the rest to later frames in order', () => {
    const f = manualFrames();
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((x) => flushed.push(x), f.schedule, 40_000);
    b.push(Array.from({ length: 100_000 }, (_, i) => i));
    let frames = 0;
    while (f.pending()) { f.run(); frames++; }
    expect(frames).toBe(3);
    expect(flushed.map((x) => x.length)).toEqual([40_000, 40_000, 20_000]);
    expect(flushed.flat()).toEqual(Array.from({ length: 100_000 }, (_, i) => i));
  });
});

describe('log formatting', () => {
  const line = (stream: LogLine['stream'], text: string): LogLine => ({ seq: 1, time: 0, stream, text });
  it('filters by stream, always keeping system lines', () => {
    expect(passesFilter(line('stderr', 'x'), 'stdout')).toBe(false);
    expect(passesFilter(line('stdout', 'x'), 'stdout')).toBe(true);
    expect(passesFilter(line('system', 'x'), 'stderr')).toBe(true);
  });
  it('keeps container ANSI, marks stderr, and turns embedded newlines into CRLF', () => {
    expect(formatLine(line('stdout', '\x1b[32mok\x1b[0m\n'))).toBe(' \x1b[32mok\x1b[0m');
    expect(formatLine(line('stderr', 'a\nb'))).toBe('\x1b[31m▍\x1b[0ma\r\nb');
  });
});
