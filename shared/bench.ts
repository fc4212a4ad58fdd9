// Endpoint benchmark: options, results and metric definitions, shared by the engine
// (electron/engine/bench), the API, `berth bench` and the Benchmark tab. Metric names and
// formulas follow vLLM's `vllm bench serve`, so numbers compare with what users know.

export type BenchWorkload = 'chat' | 'completions' | 'embeddings' | 'rerank';

export interface BenchOptions {
  workload: BenchWorkload;
  /** Concurrency levels to sweep, in order (each runs its own requests). */
  concurrency: number[];
  /** Requests per level (at most; never more are sent). */
  requests: number;
  /** Seconds per level at most; in-flight requests are cut at the limit. */
  durationS: number;
  /** Synthetic prompt length in tokens (about one token a word). */
  inputTokens: number;
  /** max_tokens asked for (chat/completions). */
  outputTokens: number;
  /** Use this request body (e.g. model_metadata.example_model_input) instead of a synthetic prompt. */
  body?: Record<string, unknown> | null;
  /** The model name sent in the body; default: the server's first /v1/models entry, else "default". */
  model?: string | null;
  /** Goodput targets: a request is good when under both (null: no target). */
  goodputTtftMs?: number | null;
  goodputTpotMs?: number | null;
}

export const BENCH_DEFAULTS: Omit<BenchOptions, 'workload'> = {
  concurrency: [1, 4, 16],
  requests: 32,
  durationS: 60,
  inputTokens: 128,
  outputTokens: 128,
};

/** Hard limits, so a typo cannot start a runaway run. */
export const BENCH_LIMITS = { maxConcurrency: 1024, maxLevels: 16, maxRequests: 100_000, maxDurationS: 3600, maxInputTokens: 131_072, maxOutputTokens: 131_072 } as const;

export interface Dist {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  /** Samples behind it. */
  n: number;
}

export interface BenchLevel {
  concurrency: number;
  /** Requests sent (never more than asked). */
  sent: number;
  /** 2xx with a complete answer. */
  completed: number;
  /** 429 answers (the gateway's predict_concurrency queue full or timed out): counted, not timed. */
  rejected429: number;
  /** Other HTTP errors and connection failures. */
  failed: number;
  /** In flight when the time limit came: cut, not counted as latency. */
  cut: number;
  /** The first error seen, to say what went wrong. */
  firstError: string | null;
  durationS: number;
  requestThroughput: number;
  outputThroughput: number | null;
  totalTokenThroughput: number | null;
  inputTokens: number;
  outputTokens: number;
  /** Where output token counts came from: the server's usage, counted chunks, or both. */
  outputTokensSource: 'usage' | 'chunks' | 'mixed' | null;
  ttftMs: Dist | null;
  tpotMs: Dist | null;
  itlMs: Dist | null;
  e2elMs: Dist;
  /** Good requests per second under the goodput targets (null: no targets). */
  goodput: number | null;
  gpu: { utilMeanPct: number | null; utilMaxPct: number | null; memoryMaxMiB: number | null; samples: number } | null;
}

/** What the run ran against: compared between runs to say what changed. */
export interface BenchContext {
  deploymentId: string;
  modelName: string;
  gatewayUrl: string;
  image: string | null;
  imageDigest: string | null;
  startCommand: string | null;
  predictConcurrency: number | null;
  gpus: string[];
  berthVersion: string | null;
}

export interface BenchRun {
  id: string;
  startedAt: number;
  endedAt: number;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  error?: string;
  options: BenchOptions;
  context: BenchContext;
  levels: BenchLevel[];
  /** What differs from the previous run of this deployment ("image digest: a -> b"). */
  changes: string[];
  /** Where the target was: Berth's gateway or (overhead runs) the server itself. */
  target: 'gateway' | 'direct';
}

export interface BenchProgress {
  runId: string;
  deploymentId: string;
  state: BenchRun['state'];
  level: number;
  levels: number;
  concurrency: number;
  sent: number;
  done: number;
  /** Per level as finished so far. */
  run: BenchRun;
}

/** One line per metric, shown beside the number (vLLM's definitions). */
export const METRIC_DEFINITIONS: Record<string, string> = {
  ttft: 'TTFT: time to first token, from sending the request to the first streamed chunk with generated content.',
  tpot: 'TPOT: time per output token after the first, per request: (E2E latency - TTFT) / (output tokens - 1).',
  itl: 'ITL: inter-token latency, the gaps between consecutive streamed content chunks (all requests pooled).',
  e2el: 'E2E latency: from sending the request to the last byte of the answer.',
  outputThroughput: 'Output tokens/s: all output tokens of completed requests divided by the level\'s wall time.',
  totalTokenThroughput: 'Total tokens/s: input plus output tokens of completed requests divided by wall time.',
  requestThroughput: 'Requests/s: completed requests divided by the level\'s wall time.',
  goodput: 'Goodput: completed requests/s that met every target set (TTFT and/or TPOT).',
  rejected429: '429: answers "busy" from the gateway (predict_concurrency slots and queue full, or queue wait too long); counted here, never as latency.',
  percentiles: 'p50/p90/p99: the value under which 50/90/99 % of samples fall (nearest rank).',
};
