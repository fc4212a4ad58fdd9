// Will it fit: a model's stored weights and shape, the server's memory rules and flags, and the
// GPUs the deployment gets, turned into a verdict per GPU with the numbers behind it. Pure.
//
// The rules, per server (the allowances are stated in the estimate's reasons):
// - vLLM reserves gpu_memory_utilization x each GPU's memory (default 0.9), and refuses to
//   start unless that much is free. Inside it: the weights' share (tensor x pipeline
//   parallel), the profiled activation peak, CUDA graphs, non-torch memory (CUDA context,
//   NCCL); what is left is the KV cache, which must hold one sequence of --max-model-len.
// - SGLang's static pool is --mem-fraction-static x memory: weights + KV; the rest of the
//   card is left for activations and CUDA graphs.
// - TEI and Infinity load the weights in fp16 on GPU; a fixed allowance covers the rest.
// - llama.cpp: the GGUF's tensors, a KV cache of -c tokens (f16 unless --cache-type-k/v),
//   and a compute-buffer allowance, split over the GPUs by layer.
import type { ServerCall } from './command.js';
import { flagValue, hasFlag } from './command.js';
import { DTYPE_NAME_BYTES, kvBytesPerToken, type ModelShape } from './model-config.js';
import type { FitGpu, FitVerdict, MemoryEstimate } from './types.js';
import { unknownEstimate } from './types.js';
import { GiB, gib, gib2 } from './units.js';


/** CUDA context, cuBLAS workspaces and allocator slack outside PyTorch's tensors (vLLM logs ~0.1-0.6 GiB). */
export const CUDA_CONTEXT_BYTES = 0.5 * GiB;
/** vLLM's captured CUDA graphs (0.3-1 GiB on 7-70B models in its logs); none with --enforce-eager. */
export const CUDA_GRAPH_BYTES = 0.5 * GiB;
/** NCCL buffers per GPU when tensors are split over GPUs. */
export const NCCL_BYTES = 0.25 * GiB;
/** TEI / Infinity: activations of a full batch at their default batch sizes, on top of the CUDA context. */
export const EMBEDDING_ALLOWANCE_BYTES = 1 * GiB;
/** llama.cpp: compute buffers at the default batch size. */
export const LLAMACPP_COMPUTE_BYTES = 0.5 * GiB;
/** "tight": less than this much KV room left over, or under 5% of the budget. */
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
  /** llama.cpp's KV bytes per element by cache type need no shape dtype: GGUF says the model's length. */
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

const intFlag = (call: ServerCall, names: string[]) => {
  const v = flagValue(call.argv, names, call.start);
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
};
const floatFlag = (call: ServerCall, names: string[]) => {
  const v = flagValue(call.argv, names, call.start);
  return v !== null && Number.isFinite(Number(v)) ? Number(v) : null;
};

function dtypeBytesOf(name: string | null | undefined): number | null {
  if (!name) return null;
  return DTYPE_NAME_BYTES[name.toLowerCase()] ?? null;
}

/** The dtype the server computes (and by default caches KV) in: --dtype, else the model's. */
function modelDtypeBytes(f: ModelFacts, call: ServerCall): number {
  const flag = flagValue(call.argv, ['--dtype'], call.start);
  const fromFlag = flag && flag !== 'auto' ? dtypeBytesOf(flag) : null;
  // A float32 checkpoint runs in 16 bits under vLLM's auto (it downcasts fp32 to the config's half type).
  const fromConfig = dtypeBytesOf(f.shape?.dtype);
  return fromFlag ?? (fromConfig && fromConfig <= 2 ? fromConfig : 2);
}

function kvDtypeBytes(f: ModelFacts, call: ServerCall): number {
  const v = flagValue(call.argv, ['--kv-cache-dtype'], call.start);
  if (v && v !== 'auto') return dtypeBytesOf(v) ?? (v.startsWith('fp8') ? 1 : 2);
  return modelDtypeBytes(f, call);
}

/** Rounds a token count down to a round figure a user would type. */
function roundTokens(n: number): number {
  if (n >= 4096) return Math.floor(n / 1024) * 1024;
  if (n >= 512) return Math.floor(n / 256) * 256;
  return Math.max(0, Math.floor(n));
}

function verdictOf(room: number, budget: number): FitVerdict {
  if (room < 0) return 'does-not-fit';
  return room < Math.max(TIGHT_MARGIN_BYTES, 0.05 * budget) ? 'tight' : 'fits';
}

const worst = (a: FitVerdict, b: FitVerdict): FitVerdict => {
  const order: FitVerdict[] = ['fits', 'tight', 'does-not-fit'];
  return order[Math.max(order.indexOf(a), order.indexOf(b))];
};

function base(i: EstimateInput): MemoryEstimate {
  const f = i.facts;
  return {
    ...unknownEstimate(''),
    reasons: [],
    model: f.model,
    modelVia: f.via,
    server: i.call?.server.name ?? null,
    commit: f.commit,
    weightsBytes: f.weightsBytes,
    weightsByDtype: f.weightsByDtype,
    parameterCount: f.parameterCount,
    approximations: [...f.approximations, ...(f.shape?.approximations ?? [])],
    readFrom: f.readFrom,
  };
}

export function estimateMemory(i: EstimateInput): MemoryEstimate {
  const out = base(i);
  const f = i.facts;
  const weightsLine = `the weights take ${gib2(f.weightsBytes)} as stored (${Object.entries(f.weightsByDtype).sort((a, b) => b[1] - a[1]).map(([d, b]) => `${d} ${gib2(b)}`).join(', ')})${f.parameterCount ? `, ${(f.parameterCount / 1e9).toFixed(2)} B parameters` : ''}`;
  if (!i.call) {
    out.reasons.push(`the start command runs no model server Berth has memory rules for (vLLM, SGLang, TEI, Infinity, llama.cpp), so only the weights are known: ${weightsLine}`);
    return out;
  }
  if (!i.accelerator) {
    out.reasons.push(`the config asks for no GPU (resources.accelerator): nothing to fit; ${weightsLine}`);
    return out;
  }
  switch (i.call.server.id) {
    case 'vllm':
    case 'sglang':
      return estimateLlmServer(i, out, weightsLine);
    case 'tei':
    case 'infinity':
      return estimateEmbeddings(i, out, weightsLine);
    case 'llamacpp':
      return estimateLlamaCpp(i, out, weightsLine);
  }
}

/** The GPUs to compare with, or an unknown verdict saying why there are none. */
function withGpus(i: EstimateInput, out: MemoryEstimate, needPerGpu: number, shards: number): boolean {
  if (!i.gpus.length) {
    out.verdict = 'unknown';
    out.reasons.unshift(`needs ~${gib(needPerGpu)} per GPU on ${shards} GPU${shards > 1 ? 's' : ''}, but no NVIDIA GPU was detected here (nvidia-smi), so Berth cannot say whether it fits`);
    return false;
  }
  return true;
}

function estimateLlmServer(i: EstimateInput, out: MemoryEstimate, weightsLine: string): MemoryEstimate {
  const f = i.facts;
  const call = i.call!;
  const vllm = call.server.id === 'vllm';
  const flagName = (v: string, s: string) => (vllm ? v : s);
  if (!f.shape) {
    out.reasons.push(`${f.shapeError ?? 'the model has no config.json'}: the KV cache cannot be sized; ${weightsLine}`);
    return out;
  }
  const tp = (vllm ? intFlag(call, ['--tensor-parallel-size', '-tp']) : intFlag(call, ['--tp-size', '--tp', '--tensor-parallel-size'])) ?? 1;
  const pp = (vllm ? intFlag(call, ['--pipeline-parallel-size', '-pp']) : intFlag(call, ['--pp-size', '--pipeline-parallel-size'])) ?? 1;
  const shards = tp * pp;
  const ctxFlag = vllm ? '--max-model-len' : '--context-length';
  const ctxGiven = parseTokens(flagValue(call.argv, [ctxFlag], call.start));
  const context = ctxGiven ?? f.shape.maxContext;
  const kvBytes = kvDtypeBytes(f, call);
  const kvPerToken = kvBytesPerToken(f.shape, kvBytes);
  out.kvBytesPerToken = kvPerToken;
  out.contextTokens = context;
  // K and V heads are split over tensor-parallel ranks (replicated when there are fewer heads than ranks); MLA's latent is not split.
  const kvHeadShare = f.shape.mla ? 1 : Math.max(1, f.shape.kvHeads / tp) / f.shape.kvHeads;
  const kvPerTokenPerGpu = (kvPerToken * kvHeadShare) / pp;
  const weightsPerGpu = f.weightsBytes / shards;
  const maxGpuBytes = Math.max(0, ...i.gpus.map((g) => g.totalBytes));

  // Overhead per GPU.
  let overhead: number;
  let overheadWhy: string;
  let budgetShare: number;
  const fraction = vllm ? floatFlag(call, ['--gpu-memory-utilization']) : floatFlag(call, ['--mem-fraction-static']);
  if (vllm) {
    budgetShare = fraction ?? 0.9;
    // vLLM's defaults for `vllm serve`: 8192 batched tokens and 1024 sequences on >= 70 GiB GPUs, else 2048 and 256.
    const big = maxGpuBytes >= 70 * GiB;
    const tokens = intFlag(call, ['--max-num-batched-tokens']) ?? (big ? 8192 : 2048);
    const seqs = intFlag(call, ['--max-num-seqs']) ?? (big ? 1024 : 256);
    const act = modelDtypeBytes(f, call);
    const mlp = f.shape.intermediate ?? 4 * f.shape.hidden;
    const activations = tokens * ((2 * mlp) / tp + 4 * f.shape.hidden) * act + Math.min(seqs, tokens) * (f.shape.vocab ?? 0) * 4;
    const graphs = hasFlag(call.argv, ['--enforce-eager'], call.start) ? 0 : CUDA_GRAPH_BYTES;
    const nccl = shards > 1 ? NCCL_BYTES : 0;
    overhead = CUDA_CONTEXT_BYTES + graphs + nccl + activations;
    overheadWhy = `overhead ${gib(overhead)} per GPU: CUDA context ${gib(CUDA_CONTEXT_BYTES)}, CUDA graphs ${gib(graphs)}${nccl ? `, NCCL ${gib(nccl)}` : ''}, activation peak ${gib(activations)} (${tokens} batched tokens, ${seqs} sequences' logits)`;
  } else {
    // SGLang's default static fraction by tensor-parallel size (server_args.py, before per-GPU tuning).
    budgetShare = fraction ?? (tp >= 16 ? 0.79 : tp >= 8 ? 0.81 : tp >= 4 ? 0.85 : tp >= 2 ? 0.87 : 0.88);
    overhead = 0; // SGLang leaves (1 - fraction) of the card outside its pool for these: counted in the budget.
    overheadWhy = `SGLang keeps ${Math.round((1 - budgetShare) * 100)}% of each GPU outside its pool for activations and CUDA graphs (--mem-fraction-static ${budgetShare})`;
  }
  const kvNeed = context !== null ? kvPerTokenPerGpu * context : null;
  const perGpu = weightsPerGpu + overhead + (kvNeed ?? 0);
  out.overheadBytes = vllm ? overhead : Math.round((1 - budgetShare) * maxGpuBytes);
  out.perGpuBytes = Math.round(vllm ? perGpu : weightsPerGpu + (kvNeed ?? 0) + out.overheadBytes);
  const ctxWords = context === null ? 'an unknown context' : `${context} tokens of context${ctxGiven ? ` (${ctxFlag})` : " (the model's max_position_embeddings)"}`;
  const detail = [
    weightsLine,
    shards > 1 ? `split over ${shards} GPUs (tensor parallel ${tp}${pp > 1 ? `, pipeline parallel ${pp}` : ''}): ${gib(weightsPerGpu)} each` : null,
    `KV cache ${(kvPerToken / 1024).toFixed(0)} KiB per token (${f.shape.mla ? `MLA latent ${f.shape.mla.kvLoraRank}+${f.shape.mla.ropeDim}` : `2 x ${f.shape.attentionLayers} layers x ${f.shape.kvHeads} KV heads x ${f.shape.headDim} head dim`} x ${kvBytes} byte${kvBytes > 1 ? 's' : ''}); ${ctxWords}${kvNeed !== null ? ` take ${gib(kvNeed)}${shards > 1 ? ' per GPU' : ''}` : ''}`,
    overheadWhy,
  ].filter((x): x is string => !!x);
  if (context === null) {
    out.reasons.push(`the model states no context length and ${ctxFlag} is not given: the KV cache for one sequence cannot be sized`, ...detail);
    return out;
  }
  if (!withGpus(i, out, out.perGpuBytes, shards)) {
    out.reasons.push(...detail);
    return out;
  }
  const given = i.gpus.length;
  if (shards > given) {
    out.verdict = 'does-not-fit';
    out.reasons.push(`${call.server.name} is told to use ${shards} GPUs (${vllm ? '--tensor-parallel-size' : '--tp-size'} ${tp}${pp > 1 ? ` x pipeline ${pp}` : ''}) but the config gives it ${given} (accelerator ${i.accelerator!.type}:${i.accelerator!.count})`, ...detail);
    out.suggestions.push(`set accelerator: ${i.accelerator!.type}:${shards}, or lower ${vllm ? '--tensor-parallel-size' : '--tp-size'} to ${given}`);
    return out;
  }
  const used = i.gpus.slice(0, shards);
  let verdict: FitVerdict = 'fits';
  let kvRoomMin = Infinity;
  const lines: string[] = [];
  for (const g of used) {
    const free = g.totalBytes - g.usedBytes;
    const budget = budgetShare * g.totalBytes;
    out.gpus.push({ uuid: g.uuid, name: g.name, totalBytes: g.totalBytes, freeBytes: free, budgetBytes: Math.round(budget) });
    const kvRoom = budget - weightsPerGpu - overhead;
    kvRoomMin = Math.min(kvRoomMin, kvRoom);
    let v = verdictOf(kvRoom - kvNeed!, budget);
    if (free < budget) {
      v = 'does-not-fit';
      lines.push(`${g.name}: ${call.server.name} reserves ${budgetShare} x ${gib(g.totalBytes)} = ${gib(budget)} at start, but other processes already hold ${gib(g.usedBytes)}, leaving ${gib(free)}`);
      const share = Math.floor((free / g.totalBytes) * 100) / 100;
      out.suggestions.push(`free ${g.name} (nvidia-smi shows what holds ${gib(g.usedBytes)}), or lower ${flagName('--gpu-memory-utilization', '--mem-fraction-static')} to ${share.toFixed(2)} if the model still fits in that`);
    }
    verdict = worst(verdict, v);
  }
  out.verdict = verdict;
  const g0 = used[0];
  const budget0 = budgetShare * g0.totalBytes;
  const needWords = `needs ~${gib(out.perGpuBytes)} per GPU with ${ctxWords}`;
  const hasWords = `${g0.name} has ${gib(g0.totalBytes)}, of which ${call.server.name} may use ${gib(budget0)} (${budgetShare})`;
  if (verdict === 'does-not-fit' && kvRoomMin < kvNeed!) {
    out.reasons.push(`does not fit: ${needWords}; ${hasWords}`, ...lines, ...detail);
    suggestLlm(i, out, { kvRoom: kvRoomMin, kvPerTokenPerGpu, weightsPerGpu, overhead, ctxFlag, kvBytes, tp, budgetShare, vllm });
  } else if (verdict === 'does-not-fit') {
    out.reasons.push(`does not fit at start: ${needWords}; ${hasWords}`, ...lines, ...detail);
  } else {
    const seqs = Math.floor(kvRoomMin / kvNeed!);
    out.reasons.push(`${verdict === 'tight' ? 'fits, tightly' : 'fits'}: ${needWords}; ${hasWords}; the KV cache has room for ${gib(kvRoomMin)}, ${seqs} full-length sequence${seqs === 1 ? '' : 's'}`, ...lines, ...detail);
    if (verdict === 'tight') suggestLlm(i, out, { kvRoom: kvRoomMin, kvPerTokenPerGpu, weightsPerGpu, overhead, ctxFlag, kvBytes, tp, budgetShare, vllm });
  }
  if (shards < given) out.suggestions.push(`the config gives ${given} GPUs but ${call.server.name} uses ${shards}: add ${vllm ? '--tensor-parallel-size' : '--tp-size'} ${given} to use them all`);
  return out;
}

function suggestLlm(
  i: EstimateInput,
  out: MemoryEstimate,
  o: { kvRoom: number; kvPerTokenPerGpu: number; weightsPerGpu: number; overhead: number; ctxFlag: string; kvBytes: number; tp: number; budgetShare: number; vllm: boolean },
): void {
  const g = i.gpus[0];
  const acc = i.accelerator!;
  const fitTokens = o.kvRoom > 0 ? roundTokens(o.kvRoom / o.kvPerTokenPerGpu) : 0;
  if (fitTokens >= 256) out.suggestions.push(`lower ${o.ctxFlag} to ${fitTokens} (the most that fits in ${gib(o.kvRoom)} of KV cache)`);
  if (o.kvBytes >= 2 && o.kvRoom > 0) out.suggestions.push(`--kv-cache-dtype fp8 halves the KV cache (${roundTokens((2 * o.kvRoom) / o.kvPerTokenPerGpu)} tokens would fit)`);
  // The fewest GPUs (a power of two, as tensor parallelism needs) on which the whole context fits.
  const ctx = out.contextTokens ?? 0;
  const kvWhole = o.kvPerTokenPerGpu * o.tp;
  for (let n = o.tp * 2; n <= 8; n *= 2) {
    const room = o.budgetShare * g.totalBytes - (o.weightsPerGpu * o.tp) / n - o.overhead;
    if (room >= (kvWhole / n) * ctx) {
      out.suggestions.push(`use ${n} GPUs with ${o.vllm ? '--tensor-parallel-size' : '--tp-size'} ${n} (accelerator: ${acc.type}:${n})${i.machineGpus < n ? `; this machine has ${i.machineGpus}` : ''}`);
      break;
    }
  }
  if (o.vllm && o.budgetShare < 0.95) out.suggestions.push(`raise --gpu-memory-utilization to 0.95 (+${gib((0.95 - o.budgetShare) * g.totalBytes)} per GPU) if nothing else uses the GPU`);
}

function estimateEmbeddings(i: EstimateInput, out: MemoryEstimate, weightsLine: string): MemoryEstimate {
  const f = i.facts;
  const call = i.call!;
  // Both load float32 checkpoints as float16 on CUDA unless told otherwise.
  const dtypeFlag = flagValue(call.argv, ['--dtype'], call.start);
  const f32 = f.weightsByDtype.F32 ?? 0;
  const loaded = dtypeFlag === 'float32' || !f.parameterCount ? f.weightsBytes : f.weightsBytes - f32 / 2;
  out.overheadBytes = CUDA_CONTEXT_BYTES + EMBEDDING_ALLOWANCE_BYTES;
  out.perGpuBytes = Math.round(loaded + out.overheadBytes);
  const detail = [
    weightsLine,
    loaded !== f.weightsBytes ? `${call.server.name} loads float32 weights as float16: ${gib(loaded)} on the GPU` : null,
    `allowance ${gib(out.overheadBytes)}: CUDA context ${gib(CUDA_CONTEXT_BYTES)} and ${gib(EMBEDDING_ALLOWANCE_BYTES)} for a full batch's activations at the default batch sizes`,
  ].filter((x): x is string => !!x);
  if (!withGpus(i, out, out.perGpuBytes, 1)) {
    out.reasons.push(...detail);
    return out;
  }
  const g = i.gpus[0];
  const free = g.totalBytes - g.usedBytes;
  out.gpus.push({ uuid: g.uuid, name: g.name, totalBytes: g.totalBytes, freeBytes: free, budgetBytes: free });
  out.verdict = verdictOf(free - out.perGpuBytes, g.totalBytes);
  const head = `needs ~${gib(out.perGpuBytes)} on one GPU; ${g.name} has ${gib(free)} free of ${gib(g.totalBytes)}`;
  out.reasons.push(`${out.verdict === 'does-not-fit' ? 'does not fit' : out.verdict === 'tight' ? 'fits, tightly' : 'fits'}: ${head}`, ...detail);
  if (out.verdict === 'does-not-fit') out.suggestions.push(g.usedBytes > 0.1 * g.totalBytes ? `free ${g.name}: other processes hold ${gib(g.usedBytes)}` : 'use a GPU with more memory, or a smaller model');
  if (i.gpus.length > 1) out.approximations.push(`${call.server.name} uses one GPU; the others the config gives stay idle`);
  return out;
}

function estimateLlamaCpp(i: EstimateInput, out: MemoryEstimate, weightsLine: string): MemoryEstimate {
  const f = i.facts;
  const call = i.call!;
  if (!f.shape) {
    out.reasons.push(`${f.shapeError ?? 'the GGUF states no model shape'}: the KV cache cannot be sized; ${weightsLine}`);
    return out;
  }
  const ctxFlag = intFlag(call, ['-c', '--ctx-size']);
  // llama-server's default context is 4096; 0 means the model's own.
  const context = ctxFlag === 0 ? f.shape.maxContext : ctxFlag ?? 4096;
  const cacheBytes = (t: string | null) => (!t || t === 'f16' || t === 'bf16' ? 2 : t === 'f32' ? 4 : t === 'q8_0' ? 34 / 32 : t === 'q4_0' || t === 'iq4_nl' ? 18 / 32 : t === 'q4_1' ? 20 / 32 : t === 'q5_0' ? 22 / 32 : t === 'q5_1' ? 24 / 32 : 2);
  const kB = cacheBytes(flagValue(call.argv, ['--cache-type-k', '-ctk'], call.start));
  const vB = cacheBytes(flagValue(call.argv, ['--cache-type-v', '-ctv'], call.start));
  const kvPerToken = f.shape.attentionLayers * f.shape.kvHeads * f.shape.headDim * (kB + vB);
  out.kvBytesPerToken = Math.round(kvPerToken);
  out.contextTokens = context;
  const ngl = intFlag(call, ['-ngl', '--n-gpu-layers', '--gpu-layers']);
  const share = ngl === null ? 1 : Math.min(1, ngl / f.shape.layers);
  const n = Math.max(1, i.gpus.length);
  out.overheadBytes = CUDA_CONTEXT_BYTES + LLAMACPP_COMPUTE_BYTES;
  const kvNeed = context !== null ? kvPerToken * context * share : 0;
  out.perGpuBytes = Math.round((f.weightsBytes * share + kvNeed) / n + out.overheadBytes);
  if (hasFlag(call.argv, ['-md', '--model-draft'], call.start)) out.approximations.push('the draft model (-md) and its cache are not counted');
  const detail = [
    weightsLine,
    share < 1 ? `-ngl ${ngl} of ${f.shape.layers} layers on the GPU: ${Math.round(share * 100)}% of the weights and cache` : null,
    `KV cache ${(kvPerToken / 1024).toFixed(0)} KiB per token; ${context ?? 'unknown'} tokens (-c${ctxFlag === null ? ', default 4096' : ''}) take ${gib(kvNeed)}`,
    `allowance ${gib(out.overheadBytes)} per GPU: CUDA context and compute buffers`,
    n > 1 ? `split by layer over ${n} GPUs` : null,
  ].filter((x): x is string => !!x);
  if (!withGpus(i, out, out.perGpuBytes, n)) {
    out.reasons.push(...detail);
    return out;
  }
  let verdict: FitVerdict = 'fits';
  for (const g of i.gpus) {
    const free = g.totalBytes - g.usedBytes;
    out.gpus.push({ uuid: g.uuid, name: g.name, totalBytes: g.totalBytes, freeBytes: free, budgetBytes: free });
    verdict = worst(verdict, verdictOf(free - out.perGpuBytes, g.totalBytes));
  }
  out.verdict = verdict;
  const g = i.gpus[0];
  out.reasons.unshift(`${verdict === 'does-not-fit' ? 'does not fit' : verdict === 'tight' ? 'fits, tightly' : 'fits'}: needs ~${gib(out.perGpuBytes)} per GPU; ${g.name} has ${gib(g.totalBytes - g.usedBytes)} free`);
  out.reasons.push(...detail);
  if (verdict !== 'fits' && context) {
    const room = g.totalBytes - g.usedBytes - out.overheadBytes - (f.weightsBytes * share) / n;
    const tokens = room > 0 ? roundTokens((room * n) / (kvPerToken * share)) : 0;
    if (tokens >= 256 && tokens < context) out.suggestions.push(`lower -c to ${tokens}`);
    out.suggestions.push(`offload fewer layers (-ngl) to keep part of the model in system memory, at a cost in speed`);
  }
  return out;
}
