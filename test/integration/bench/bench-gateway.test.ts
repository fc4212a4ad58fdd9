// The benchmark against the fixture model server, whose first-token delay and token rate
// are set: measured TTFT and TPOT must match them within 5 % at concurrency 1, directly and
// through a real Berth gateway (the overhead side by side); throughput must plateau at the
// gateway's predict_concurrency with the excess queued (TTFT grows) or answered 429
// (counted, not timed); runs never send more than asked and stop on cancel or time limit.
// The fixture runs as a plain Node process on 127.0.0.1 (no container needed for this).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchContext, BenchOptions } from '../../../shared/bench.js';
import { runBench } from '../../../electron/engine/bench/index.js';
import { startFixtureProcess, startGateway, type FixtureProcess } from '../gateway/helpers.js';

const FIRST_TOKEN_MS = 200;
const TOKENS_PER_SEC = 50; // TPOT 20 ms
const context: BenchContext = { deploymentId: 'bench-test', modelName: 'fixture', gatewayUrl: '', image: null, imageDigest: null, startCommand: null, predictConcurrency: 2, gpus: [], berthVersion: null };
const base: BenchOptions = { workload: 'chat', concurrency: [1], requests: 6, durationS: 60, inputTokens: 32, outputTokens: 32 };

let fixture: FixtureProcess;
beforeAll(async () => {
  fixture = await startFixtureProcess({ FIXTURE_TOKENS_PER_SEC: String(TOKENS_PER_SEC), FIXTURE_FIRST_TOKEN_DELAY_MS: String(FIRST_TOKEN_MS) });
});
afterAll(async () => {
  await fixture?.stop();
});

const within5 = (measured: number, known: number) => Math.abs(measured - known) / known;

describe('benchmark on the fixture', () => {
  it('measures the configured TTFT and TPOT within 5 % at concurrency 1, directly and through the gateway', async () => {
    const gw = await startGateway(fixture.port, { predictConcurrency: 2 });
    const direct = await runBench({ baseUrl: fixture.url, target: 'direct', options: base, context });
    const viaGw = await runBench({ baseUrl: gw.url!, target: 'gateway', options: base, context });
    await gw.close();
    const rows = [direct, viaGw].map((r) => ({ target: r.target, ttftP50: r.levels[0].ttftMs!.p50, ttftMean: r.levels[0].ttftMs!.mean, tpotP50: r.levels[0].tpotMs!.p50, tpotMean: r.levels[0].tpotMs!.mean, itlP50: r.levels[0].itlMs!.p50, e2elP50: r.levels[0].e2elMs.p50, outTokS: r.levels[0].outputThroughput }));
    console.log(`[bench] configured TTFT ${FIRST_TOKEN_MS} ms, TPOT ${1000 / TOKENS_PER_SEC} ms, 32 output tokens, c=1, 6 requests`);
    console.table(rows);
    console.log(`[bench] gateway overhead: TTFT p50 +${(rows[1].ttftP50 - rows[0].ttftP50).toFixed(2)} ms, E2E p50 +${(rows[1].e2elP50 - rows[0].e2elP50).toFixed(2)} ms`);
    for (const r of [direct, viaGw]) {
      const l = r.levels[0];
      expect(r.state).toBe('done');
      expect(l.sent).toBe(6);
      expect(l.completed).toBe(6);
      expect(l.outputTokensSource).toBe('usage');
      expect(l.outputTokens).toBe(6 * 32);
      expect(within5(l.ttftMs!.p50, FIRST_TOKEN_MS)).toBeLessThan(0.05);
      expect(within5(l.tpotMs!.p50, 1000 / TOKENS_PER_SEC)).toBeLessThan(0.05);
      expect(within5(l.itlMs!.p50, 1000 / TOKENS_PER_SEC)).toBeLessThan(0.05);
    }
  });

  it('shows saturation at predict_concurrency: throughput plateaus, the excess queues in the gateway', async () => {
    const gw = await startGateway(fixture.port, { predictConcurrency: 2 });
    const run = await runBench({ baseUrl: gw.url!, target: 'gateway', options: { ...base, concurrency: [1, 2, 4, 8], requests: 8, outputTokens: 16 }, context });
    await gw.close();
    const [c1, c2, c4, c8] = run.levels;
    console.table(run.levels.map((l) => ({ c: l.concurrency, outTokS: l.outputThroughput, reqS: l.requestThroughput, ttftP50: l.ttftMs!.p50, ttftP90: l.ttftMs!.p90, tpotP50: l.tpotMs!.p50, r429: l.rejected429 })));
    expect(c2.outputThroughput! / c1.outputThroughput!).toBeGreaterThan(1.7);
    // Beyond the 2 slots no more tokens per second: the extra requests wait in the queue.
    expect(c4.outputThroughput! / c2.outputThroughput!).toBeLessThan(1.15);
    expect(c8.outputThroughput! / c2.outputThroughput!).toBeLessThan(1.15);
    expect(c4.ttftMs!.p90).toBeGreaterThan(c2.ttftMs!.p90 * 1.5);
    // Per-token time is the server's: queueing shows in TTFT, not TPOT.
    expect(within5(c8.tpotMs!.p50, 1000 / TOKENS_PER_SEC)).toBeLessThan(0.05);
    for (const l of run.levels) expect(l.rejected429).toBe(0);
  });

  it('counts 429s as rejections, not latency, when the gateway queue is full; never sends more than asked', async () => {
    const gw = await startGateway(fixture.port, { predictConcurrency: 1, queueLimit: 1 });
    await fixture.resetStats();
    const run = await runBench({ baseUrl: gw.url!, target: 'gateway', options: { ...base, concurrency: [6], requests: 12, outputTokens: 4 }, context });
    await gw.close();
    const l = run.levels[0];
    const stats = await fixture.stats();
    expect(l.sent).toBe(12);
    expect(l.rejected429).toBeGreaterThan(0);
    expect(l.completed + l.rejected429).toBe(12);
    expect(l.e2elMs.n).toBe(l.completed);
    expect(l.firstError).toContain('429');
    // The model server saw only what passed the gateway (plus the /v1/models lookup).
    expect(stats.total).toBeLessThanOrEqual(l.completed + 1);
  });

  it('stops at the time limit and on cancel, cutting what is in flight', async () => {
    const t0 = Date.now();
    const timed = await runBench({ baseUrl: fixture.url, target: 'direct', options: { ...base, concurrency: [2], requests: 1000, durationS: 1.5, outputTokens: 200 }, context });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(timed.levels[0].cut).toBe(2);
    expect(timed.levels[0].completed).toBe(0);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const cancelled = await runBench({ baseUrl: fixture.url, target: 'direct', options: { ...base, concurrency: [1, 4], requests: 50, outputTokens: 100 }, context, signal: ac.signal });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.levels).toHaveLength(1);
    expect(cancelled.levels[0].cut).toBe(1);
  });

  it('runs embeddings and rerank workloads and applies goodput targets', async () => {
    const emb = await runBench({ baseUrl: fixture.url, target: 'direct', options: { ...base, workload: 'embeddings', concurrency: [2], requests: 10 }, context });
    expect(emb.levels[0].completed).toBe(10);
    expect(emb.levels[0].ttftMs).toBeNull();
    expect(emb.levels[0].inputTokens).toBeGreaterThan(0);
    const rr = await runBench({ baseUrl: fixture.url, target: 'direct', options: { ...base, workload: 'rerank', concurrency: [2], requests: 10 }, context });
    expect(rr.levels[0].completed).toBe(10);
    const good = await runBench({ baseUrl: fixture.url, target: 'direct', options: { ...base, requests: 3, outputTokens: 4, goodputTtftMs: 1000, goodputTpotMs: 100 }, context });
    const bad = await runBench({ baseUrl: fixture.url, target: 'direct', options: { ...base, requests: 3, outputTokens: 4, goodputTtftMs: 50 }, context });
    expect(good.levels[0].goodput).toBeCloseTo(good.levels[0].requestThroughput, 5);
    expect(bad.levels[0].goodput).toBe(0);
  });
});
