// What the per-server rules share: the estimate's inputs, flag reading (with run-time values
// recognised), rounding, the verdict thresholds and the common sentences.
import type { ServerCall } from './command.js';
import { flagValue, isDynamic, isGpuCount } from './command.js';
import type { ModelShape } from './model-config.js';
import type { FitVerdict, MemoryEstimate } from './types.js';
import { GiB, gib2 } from './units.js';

/** "tight": less than this much room left over, or under 5% of the budget. */
export const TIGHT_MARGIN_BYTES = 0.5 * GiB;

export interface ModelFacts {
  model: string;
  via: string;
  commit: string | null;
  readFrom: 'hub' | 'cache';
  format: 'safetensors' | 'gguf' | 'pytorch';
  weightsBytes: number;
  weightsByDtype: Record<string, number>;
  parameterCount: number | null;
  /** The checkpoint's dominant stored dtype (BF16, F8_E4M3, ...). */
  storedDtype: string | null;
  shape: ModelShape | null;
  /** Why shape is null (no config.json, unreadable). */
  shapeError?: string;
  approximations: string[];
}

export interface GpuFacts {
  uuid: string;
  name: string;
  totalBytes: number;
  usedBytes: number;
}

export interface EstimateInput {
  facts: ModelFacts;
  call: ServerCall | null;
  /** The GPUs the deployment would get (placement), in order. */
  gpus: GpuFacts[];
  /** resources.accelerator: type and count; null for a CPU config. */
  accelerator: { type: string; count: number } | null;
  /** All GPUs on the machine (for suggestions that need more of them). */
  machineGpus: number;
}

/** vLLM-style sizes: 32768, "32k" (x1000), "32K" (x1024). */
export function parseTokens(v: string | null): number | null {
  if (!v) return null;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(v.trim());
  if (!m) return null;
  const mult = { '': 1, k: 1e3, K: 1024, m: 1e6, M: 1024 * 1024 }[m[2]]!;
  return Math.floor(Number(m[1]) * mult);
}

/** A flag's value as the server will see it: `$(nvidia-smi -L | wc -l)` is the GPUs given. */
export function flagAt(i: EstimateInput, names: readonly string[]): string | null {
  const call = i.call!;
  const v = flagValue(call.argv, names, call.start);
  return isGpuCount(v) ? String(i.gpus.length || i.accelerator?.count || 1) : v;
}

export const intFlag = (i: EstimateInput, names: readonly string[]) => {
  const v = flagAt(i, names);
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
};
export const floatFlag = (i: EstimateInput, names: readonly string[]) => {
  const v = flagAt(i, names);
  return v !== null && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
};

/** The first of these flags whose value the shell computes at start, or null. */
export function dynamicFlag(i: EstimateInput, names: readonly string[]): { flag: string; value: string } | null {
  for (const n of names) {
    const v = flagAt(i, [n]);
    if (isDynamic(v)) return { flag: n, value: v! };
  }
  return null;
}

/** Rounds a token count down to a round figure a user would type. */
export function roundTokens(n: number): number {
  if (n >= 4096) return Math.floor(n / 1024) * 1024;
  if (n >= 512) return Math.floor(n / 256) * 256;
  return Math.max(0, Math.floor(n));
}

export function verdictOf(room: number, budget: number): FitVerdict {
  if (room < 0) return 'does-not-fit';
  return room < Math.max(TIGHT_MARGIN_BYTES, 0.05 * budget) ? 'tight' : 'fits';
}

export const worst = (a: FitVerdict, b: FitVerdict): FitVerdict => {
  const order: FitVerdict[] = ['fits', 'tight', 'does-not-fit'];
  return order[Math.max(order.indexOf(a), order.indexOf(b))];
};

export { VERDICT_WORDS } from './types.js';

/** CUDA context, cuBLAS workspaces and allocator slack outside a server's tensors (vLLM logs ~0.1-0.6 GiB). */
export const CUDA_CONTEXT_BYTES = 0.5 * GiB;

/** "the weights take 14.96 GiB as stored (BF16 14.96 GiB), 8.03 B parameters". */
export function weightsLine(f: ModelFacts): string {
  const parts = Object.entries(f.weightsByDtype).sort((a, b) => b[1] - a[1]).map(([d, b]) => `${d} ${gib2(b)}`).join(', ');
  return `the weights take ${gib2(f.weightsBytes)} as stored (${parts})${f.parameterCount ? `, ${(f.parameterCount / 1e9).toFixed(2)} B parameters` : ''}`;
}

/** The GPUs to compare with, or an unknown verdict saying why there are none. */
export function withGpus(i: EstimateInput, out: MemoryEstimate, needPerGpu: number, shards: number): boolean {
  if (i.gpus.length) return true;
  out.verdict = 'unknown';
  out.reasons.unshift(`needs ~${(needPerGpu / GiB).toFixed(1)} GiB per GPU on ${shards} GPU${shards > 1 ? 's' : ''}, but no NVIDIA GPU was detected here (nvidia-smi), so Berth cannot say whether it fits`);
  return false;
}

