// The GPU memory estimate as `berth plan --json` (top-level `memory`), the API and the UI
// carry it. Byte figures are per GPU unless named otherwise; null where not known.

export type FitVerdict = 'fits' | 'tight' | 'does-not-fit' | 'unknown';

/** The verdict in words: the estimate's headline, `berth plan`, and (capitalised) the UI. */
export const VERDICT_WORDS: Record<FitVerdict, string> = { fits: 'fits', tight: 'fits, tightly', 'does-not-fit': 'does not fit', unknown: 'unknown' };

export interface FitGpu {
  uuid: string;
  name: string;
  totalBytes: number;
  /** Total minus what other processes already hold (nvidia-smi memory.used). */
  freeBytes: number;
  /** What the server lets itself use on this GPU (vLLM: gpu_memory_utilization x total). */
  budgetBytes: number;
}

export interface MemoryEstimate {
  verdict: FitVerdict;
  /** repo@revision, or null when no model was found. */
  model: string | null;
  /** How the model was found (the start command's argument, a weights entry). */
  modelVia: string | null;
  /** The server whose memory rules were used (vLLM, SGLang, ...), or null. */
  server: string | null;
  /** Pinned commit the figures were read at. */
  commit: string | null;
  /** Weights as stored, all GPUs together. */
  weightsBytes: number | null;
  weightsByDtype: Record<string, number>;
  parameterCount: number | null;
  /** KV cache per token, whole model. */
  kvBytesPerToken: number | null;
  /** The context one sequence must fit (--max-model-len, --context-length, -c, else the model's). */
  contextTokens: number | null;
  /** Allowance per GPU for CUDA context, activations and CUDA graphs (see reasons for what it holds). */
  overheadBytes: number | null;
  /** What the deployment needs on each GPU: weights share + one full-length sequence of KV + overhead. */
  perGpuBytes: number | null;
  gpus: FitGpu[];
  /** Why the verdict is what it is, in order; the first line is the headline. */
  reasons: string[];
  /** What to change when it does not fit (or fits tightly). */
  suggestions: string[];
  /** Where a figure is an approximation or upper bound, and why. */
  approximations: string[];
  /** Where the figures came from: 'hub', 'cache' (read offline), or null when nothing was read. */
  readFrom: 'hub' | 'cache' | null;
}

export function unknownEstimate(reason: string, extra: Partial<MemoryEstimate> = {}): MemoryEstimate {
  return {
    verdict: 'unknown',
    model: null,
    modelVia: null,
    server: null,
    commit: null,
    weightsBytes: null,
    weightsByDtype: {},
    parameterCount: null,
    kvBytesPerToken: null,
    contextTokens: null,
    overheadBytes: null,
    perGpuBytes: null,
    gpus: [],
    suggestions: [],
    approximations: [],
    readFrom: null,
    ...extra,
    reasons: [reason, ...(extra.reasons ?? [])],
  };
}
