// A benchmark run: for each concurrency level, at most `requests` requests and at most
// `durationS` seconds, with exactly `concurrency` requests in flight while work remains.
// Cancel and the time limit abort what is in flight (counted as cut, not timed); a 429 is
// counted as a rejection and uses up one of the requests, so the run never sends more than
// asked. GPU samples taken during a level are summarised with it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BerthError } from '../../../shared/errors.js';
import { BENCH_LIMITS, type BenchContext, type BenchLevel, type BenchOptions, type BenchRun } from '../../../shared/bench.js';
import type { GpuSample } from '../../../shared/gpu.js';
import { benchPool, sendOne } from './client.js';
import { summarizeLevel, type Sample } from './stats.js';
import { benchRequest, targetPath } from './workload.js';

export interface RunBenchInput {
  /** The gateway's (or, for overhead runs, the server's) base URL. */
  baseUrl: string;
  target: 'gateway' | 'direct';
  /** The gateway key when the gateway asks for one (sent as Authorization: Api-Key). */
  apiKey?: string | null;
  options: BenchOptions;
  context: BenchContext;
  /** GPU samples while the run lasts (GpuPort.onSample / GpuSampler); returns an unsubscribe. */
  onGpuSample?: (cb: (s: GpuSample) => void) => () => void;
  signal?: AbortSignal;
  onProgress?: (run: BenchRun, p: { level: number; concurrency: number; sent: number; done: number }) => void;
}

/** Checks options against the hard limits; BerthError BAD_REQUEST saying which. */
export function checkBenchOptions(o: BenchOptions): void {
  const bad = (what: string, hint: string) => {
    throw new BerthError('BAD_REQUEST', `Benchmark option out of range: ${what}.`, hint);
  };
  if (o.concurrency.length === 0 || o.concurrency.length > BENCH_LIMITS.maxLevels) bad(`${o.concurrency.length} concurrency levels`, `Give 1 to ${BENCH_LIMITS.maxLevels} levels, e.g. 1,4,16.`);
  for (const c of o.concurrency) if (!Number.isInteger(c) || c < 1 || c > BENCH_LIMITS.maxConcurrency) bad(`concurrency ${c}`, `Each level is a whole number from 1 to ${BENCH_LIMITS.maxConcurrency}.`);
  if (!Number.isInteger(o.requests) || o.requests < 1 || o.requests > BENCH_LIMITS.maxRequests) bad(`requests ${o.requests}`, `Requests per level: 1 to ${BENCH_LIMITS.maxRequests}.`);
  if (!(o.durationS > 0) || o.durationS > BENCH_LIMITS.maxDurationS) bad(`duration ${o.durationS} s`, `Seconds per level: more than 0, at most ${BENCH_LIMITS.maxDurationS}.`);
  if (!Number.isInteger(o.inputTokens) || o.inputTokens < 1 || o.inputTokens > BENCH_LIMITS.maxInputTokens) bad(`input tokens ${o.inputTokens}`, `1 to ${BENCH_LIMITS.maxInputTokens}.`);
  if (!Number.isInteger(o.outputTokens) || o.outputTokens < 1 || o.outputTokens > BENCH_LIMITS.maxOutputTokens) bad(`output tokens ${o.outputTokens}`, `1 to ${BENCH_LIMITS.maxOutputTokens}.`);
}

/** The model name to send: the option, else the server's first /v1/models entry, else "default". */
async function modelName(baseUrl: string, viaGateway: boolean, headers: Record<string, string>, given: string | null | undefined): Promise<string> {
  if (given) return given;
  try {
    const r = await fetch(baseUrl + targetPath('/v1/models', viaGateway), { headers, signal: AbortSignal.timeout(5000) });
    if (r.ok) {
      const j = (await r.json()) as { data?: Array<{ id?: string }> };
      if (j.data?.[0]?.id) return j.data[0].id;
    }
  } catch {
    // Servers without /v1/models (TEI, custom): the name is then not checked by them.
  }
  return 'default';
}

export async function runBench(input: RunBenchInput): Promise<BenchRun> {
  const o = input.options;
  checkBenchOptions(o);
  const viaGateway = input.target === 'gateway';
  const headers: Record<string, string> = input.apiKey ? { authorization: `Api-Key ${input.apiKey}` } : {};
  const run: BenchRun = { id: randomUUID(), startedAt: Date.now(), endedAt: 0, state: 'running', options: o, context: input.context, levels: [], changes: [], target: input.target };
  const samples: GpuSample[] = [];
  const unsub = input.onGpuSample?.((s) => samples.push(s)) ?? null;
  const pool = benchPool(new URL(input.baseUrl).origin, Math.max(...o.concurrency));
  try {
    const model = await modelName(input.baseUrl, viaGateway, headers, o.model);
    for (let li = 0; li < o.concurrency.length; li++) {
      if (input.signal?.aborted) break;
      const c = o.concurrency[li];
      const level = await runLevel(pool, input, model, viaGateway, headers, c, li, run, samples);
      run.levels.push(level);
    }
    run.state = input.signal?.aborted ? 'cancelled' : 'done';
  } catch (err) {
    run.state = 'failed';
    run.error = (err as Error).message;
  } finally {
    unsub?.();
    run.endedAt = Date.now();
    await pool.destroy().catch(() => undefined);
  }
  return run;
}

async function runLevel(
  pool: ReturnType<typeof benchPool>,
  input: RunBenchInput,
  model: string,
  viaGateway: boolean,
  headers: Record<string, string>,
  concurrency: number,
  li: number,
  run: BenchRun,
  gpuSamples: GpuSample[],
): Promise<BenchLevel> {
  const o = input.options;
  const ac = new AbortController();
  const onCancel = () => ac.abort();
  input.signal?.addEventListener('abort', onCancel, { once: true });
  const limit = setTimeout(() => ac.abort(), o.durationS * 1000);
  const results: Sample[] = [];
  let next = 0;
  let lastProgress = 0;
  const t0 = performance.now();
  const wallStart = Date.now();
  const worker = async () => {
    while (next < o.requests && !ac.signal.aborted) {
      const i = next++;
      const s = await sendOne(pool, benchRequest(o, model, li * o.requests + i, viaGateway), headers, ac.signal);
      results.push(s);
      const now = performance.now();
      if (input.onProgress && now - lastProgress > 250) {
        lastProgress = now;
        input.onProgress(run, { level: li, concurrency, sent: next, done: results.length });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, o.requests) }, worker));
  } finally {
    clearTimeout(limit);
    input.signal?.removeEventListener('abort', onCancel);
  }
  // Wall time of the level: to the last answer, or to the time limit when it cut the level.
  const durationS = (performance.now() - t0) / 1000;
  const wallEnd = Date.now();
  const inLevel = gpuSamples.filter((s) => s.time >= wallStart && s.time <= wallEnd);
  return summarizeLevel(concurrency, results, durationS, { ttftMs: o.goodputTtftMs, tpotMs: o.goodputTpotMs }, gpuSummary(inLevel));
}

function gpuSummary(samples: GpuSample[]): BenchLevel['gpu'] {
  if (samples.length === 0) return null;
  const utils = samples.flatMap((s) => s.gpus.map((g) => g.utilizationPct)).filter((v): v is number => v !== null);
  const mem = samples.map((s) => s.gpus.reduce((n, g) => n + g.memoryUsedMiB, 0));
  return {
    utilMeanPct: utils.length ? Math.round((utils.reduce((a, b) => a + b, 0) / utils.length) * 10) / 10 : null,
    utilMaxPct: utils.length ? Math.max(...utils) : null,
    memoryMaxMiB: mem.length ? Math.max(...mem) : null,
    samples: samples.length,
  };
}
