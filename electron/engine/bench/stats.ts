// Distributions and per-level summaries, computed the way vLLM's benchmark does (mean and
// nearest-rank percentiles; TPOT per request, ITL pooled over requests).
import type { BenchLevel, Dist } from '../../../shared/bench.js';

export interface Sample {
  status: number;
  /** 2xx with the whole answer read. */
  ok: boolean;
  /** Cut by the level's time limit or a cancel. */
  cut: boolean;
  error: string | null;
  e2elMs: number;
  ttftMs: number | null;
  /** Gaps between streamed content chunks. */
  itlMs: number[];
  inputTokens: number | null;
  outputTokens: number | null;
  outputSource: 'usage' | 'chunks' | null;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function dist(values: readonly number[]): Dist | null {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  let sum = 0;
  for (const v of s) sum += v;
  return { mean: round(sum / s.length), p50: round(at(50)), p90: round(at(90)), p99: round(at(99)), n: s.length };
}

/** TPOT of one request: (E2E - TTFT) / (output tokens - 1); null below two tokens. */
export function tpotOf(s: Sample): number | null {
  if (s.ttftMs === null || s.outputTokens === null || s.outputTokens < 2) return null;
  return (s.e2elMs - s.ttftMs) / (s.outputTokens - 1);
}

export interface LevelTargets {
  ttftMs?: number | null;
  tpotMs?: number | null;
}

export function summarizeLevel(concurrency: number, samples: readonly Sample[], durationS: number, targets: LevelTargets, gpu: BenchLevel['gpu']): BenchLevel {
  const ok = samples.filter((s) => s.ok);
  const ttfts = ok.map((s) => s.ttftMs).filter((v): v is number => v !== null);
  const tpots = ok.map(tpotOf).filter((v): v is number => v !== null);
  const itls = ok.flatMap((s) => s.itlMs);
  const inTok = ok.reduce((n, s) => n + (s.inputTokens ?? 0), 0);
  const outTok = ok.reduce((n, s) => n + (s.outputTokens ?? 0), 0);
  const sources = new Set(ok.map((s) => s.outputSource).filter((v) => v !== null));
  const hasOutput = ok.some((s) => s.outputTokens !== null);
  const secs = Math.max(durationS, 1e-6);
  const hasTargets = (targets.ttftMs ?? null) !== null || (targets.tpotMs ?? null) !== null;
  const good = ok.filter((s) => {
    if (targets.ttftMs != null && !(s.ttftMs !== null && s.ttftMs <= targets.ttftMs)) return false;
    if (targets.tpotMs != null) {
      const t = tpotOf(s);
      // A one-token answer has no TPOT: it cannot miss the target.
      if (t !== null && t > targets.tpotMs) return false;
    }
    return true;
  });
  const firstError = samples.find((s) => !s.ok && !s.cut && s.error)?.error ?? null;
  return {
    concurrency,
    sent: samples.length,
    completed: ok.length,
    rejected429: samples.filter((s) => s.status === 429).length,
    failed: samples.filter((s) => !s.ok && !s.cut && s.status !== 429).length,
    cut: samples.filter((s) => s.cut).length,
    firstError,
    durationS: round(durationS),
    requestThroughput: round(ok.length / secs),
    outputThroughput: hasOutput ? round(outTok / secs) : null,
    totalTokenThroughput: hasOutput || inTok > 0 ? round((inTok + outTok) / secs) : null,
    inputTokens: inTok,
    outputTokens: outTok,
    outputTokensSource: sources.size === 0 ? null : sources.size > 1 ? 'mixed' : ([...sources][0] as 'usage' | 'chunks'),
    ttftMs: dist(ttfts),
    tpotMs: dist(tpots),
    itlMs: dist(itls),
    e2elMs: dist(ok.map((s) => s.e2elMs)) ?? { mean: 0, p50: 0, p90: 0, p99: 0, n: 0 },
    goodput: hasTargets ? round(good.length / secs) : null,
    gpu,
  };
}
