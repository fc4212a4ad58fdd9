// Benchmark results as JSON (the run as stored) or CSV (one row per concurrency level).
import type { BenchLevel, BenchRun, Dist } from '../../../shared/bench.js';

const DISTS: Array<[keyof BenchLevel, string]> = [
  ['ttftMs', 'ttft_ms'],
  ['tpotMs', 'tpot_ms'],
  ['itlMs', 'itl_ms'],
  ['e2elMs', 'e2el_ms'],
];

export function benchCsv(run: BenchRun): string {
  const head = ['run_id', 'started_at', 'target', 'workload', 'concurrency', 'sent', 'completed', 'rejected_429', 'failed', 'cut', 'duration_s', 'request_throughput', 'output_throughput', 'total_token_throughput', 'input_tokens', 'output_tokens', 'output_tokens_source', 'goodput'];
  for (const [, n] of DISTS) head.push(`${n}_mean`, `${n}_p50`, `${n}_p90`, `${n}_p99`);
  head.push('gpu_util_mean_pct', 'gpu_util_max_pct', 'gpu_memory_max_mib', 'image_digest', 'predict_concurrency');
  const rows = [head.join(',')];
  for (const l of run.levels) {
    const cells: Array<string | number | null> = [run.id, new Date(run.startedAt).toISOString(), run.target, run.options.workload, l.concurrency, l.sent, l.completed, l.rejected429, l.failed, l.cut, l.durationS, l.requestThroughput, l.outputThroughput, l.totalTokenThroughput, l.inputTokens, l.outputTokens, l.outputTokensSource, l.goodput];
    for (const [k] of DISTS) {
      const d = l[k] as Dist | null;
      cells.push(d?.mean ?? null, d?.p50 ?? null, d?.p90 ?? null, d?.p99 ?? null);
    }
    cells.push(l.gpu?.utilMeanPct ?? null, l.gpu?.utilMaxPct ?? null, l.gpu?.memoryMaxMiB ?? null, run.context.imageDigest, run.context.predictConcurrency);
    rows.push(cells.map(csvCell).join(','));
  }
  return rows.join('\n') + '\n';
}

function csvCell(v: string | number | null): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function benchJson(run: BenchRun): string {
  return JSON.stringify(run, null, 2) + '\n';
}
