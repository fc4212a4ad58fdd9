import { describe, expect, it } from 'vitest';
import { LogStore, type LogFetcher } from '../../../renderer/src/state/logs.js';
import type { LogLine } from '../../../shared/deployment.js';

const L = (seq: number): LogLine => ({ seq, time: seq, stream: 'stdout', text: `line ${seq}` });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => L(a + i));

/** A fetcher over a "server buffer" of lines 1..n, like logs.tail / logs.since. */
function server(n: number): LogFetcher & { calls: string[] } {
  const all = range(1, n);
  const calls: string[] = [];
  return {
    calls,
    async tail(k) { calls.push(`tail ${k}`); return { lines: all.slice(-k), lastSeq: n, dropped: 0 }; },
    async since(seq, limit) { calls.push(`since ${seq}`); const lines = all.filter((l) => l.seq > seq).slice(0, limit); return { lines, lastSeq: n, dropped: 0 }; },
  };
}

describe('LogStore', () => {
  it('loads history on first contact and keeps lines that arrived meanwhile, in order, once', async () => {
    const srv = server(100);
    const s = new LogStore(srv);
    const seen: number[] = [];
    s.subscribe((ls) => seen.push(...ls.map((l) => l.seq)));
    s.push(range(99, 100));
    s.push(range(101, 102)); // arrives while the tail request is in flight
    await s.fill();
    expect(srv.calls).toEqual(['tail 20000']);
    expect(s.lines.map((l) => l.seq)).toEqual(range(1, 102).map((l) => l.seq));
    expect(seen).toEqual(range(1, 102).map((l) => l.seq));
  });

  it('fills a gap the service reports as dropped lines', async () => {
    const srv = server(5000);
    const s = new LogStore(srv);
    s.add(range(1, 10));
    s.push(range(4990, 5000), 4979);
    await s.fill();
    expect(srv.calls).toEqual(['since 10']);
    expect(s.lines.length).toBe(5000);
    expect(s.lines.every((l, i) => l.seq === i + 1)).toBe(true);
  });

  it('appends contiguous lines without fetching, and bounds memory', () => {
    const srv = server(0);
    const s = new LogStore(srv, 1000);
    s.add(range(1, 1));
    for (let i = 2; i <= 3000; i += 100) s.push(range(i, i + 99));
    expect(srv.calls).toEqual([]);
    expect(s.lines.length).toBe(1000);
    expect(s.lines.at(-1)!.seq).toBe(3001);
  });
});

describe('LogStore when the history fetch hangs', () => {
  it('releases held live lines after the timeout', async () => {
    const hang: LogFetcher = { tail: () => new Promise(() => {}), since: () => new Promise(() => {}) };
    const s = new LogStore(hang, 1000, 50);
    s.push(range(5, 7));
    expect(s.lines).toEqual([]);
    await s.fill();
    expect(s.lines.map((l) => l.seq)).toEqual([5, 6, 7]);
  });
});

describe('LogStore gaps that cannot be filled', () => {
  it('counts lines the service no longer keeps', async () => {
    const s = new LogStore({ tail: async () => ({ lines: [], lastSeq: 0, dropped: 0 }), since: async () => ({ lines: [], lastSeq: 500, dropped: 0 }) });
    s.add(range(1, 10));
    s.push(range(400, 500), 389);
    await s.fill();
    expect(s.missing).toBe(389);
    expect(s.lines.length).toBe(111);
  });
});
