// TEI, Infinity and llama.cpp: weights plus stated allowances, against each GPU's free memory.
// - TEI and Infinity load float32 checkpoints as float16 on CUDA; a fixed allowance covers the
//   CUDA context and a batch's activations (not derived from the batch flags).
// - llama.cpp: the GGUF's tensors, a KV cache of -c tokens (f16 unless --cache-type-k/v) and a
//   compute-buffer allowance, split by layer over the GPUs it sees.
import { flagValue, hasFlag } from './command.js';
import { CUDA_CONTEXT_BYTES, dynamicFlag, flagAt, intFlag, roundTokens, VERDICT_WORDS, verdictOf, weightsLine, withGpus, worst, type EstimateInput } from './inputs.js';
import type { FitVerdict, MemoryEstimate } from './types.js';
import { GiB, gib } from './units.js';

/** TEI / Infinity: a fixed allowance for a batch's activations. */
export const EMBEDDING_ALLOWANCE_BYTES = 1 * GiB;
/** llama.cpp: compute buffers at the default batch size. */
export const LLAMACPP_COMPUTE_BYTES = 0.5 * GiB;
/** llama-server's -c when not given: 4096 in builds before late 2025; newer ones take the model's length. */
export const LLAMACPP_DEFAULT_CTX = 4096;

export function estimateEmbeddings(i: EstimateInput, out: MemoryEstimate): MemoryEstimate {
  const f = i.facts;
  const call = i.call!;
  const dtypeFlag = flagValue(call.argv, ['--dtype'], call.start);
  const f32 = f.weightsByDtype.F32 ?? 0;
  const loaded = dtypeFlag === 'float32' || !f.parameterCount ? f.weightsBytes : f.weightsBytes - f32 / 2;
  out.overheadBytes = CUDA_CONTEXT_BYTES + EMBEDDING_ALLOWANCE_BYTES;
  out.perGpuBytes = Math.round(loaded + out.overheadBytes);
  const detail = [
    weightsLine(f),
    loaded !== f.weightsBytes ? `${call.server.name} loads float32 weights as float16: ${gib(loaded)} on the GPU` : null,
    `a fixed allowance of ${gib(out.overheadBytes)}: CUDA context ${gib(CUDA_CONTEXT_BYTES)} and ${gib(EMBEDDING_ALLOWANCE_BYTES)} for a batch's activations (not derived from the batch-size flags)`,
  ].filter((x): x is string => !!x);
  if (!withGpus(i, out, out.perGpuBytes, 1)) {
    out.reasons.push(...detail);
    return out;
  }
  const g = i.gpus[0];
  const free = g.totalBytes - g.usedBytes;
  out.gpus.push({ uuid: g.uuid, name: g.name, totalBytes: g.totalBytes, freeBytes: free, budgetBytes: free });
  out.verdict = verdictOf(free - out.perGpuBytes, g.totalBytes);
  out.reasons.push(`${VERDICT_WORDS[out.verdict]}: needs ~${gib(out.perGpuBytes)} on one GPU; ${g.name} has ${gib(free)} free of ${gib(g.totalBytes)}`, ...detail);
  if (out.verdict === 'does-not-fit') out.suggestions.push(g.usedBytes > 0.1 * g.totalBytes ? `free ${g.name}: other processes hold ${gib(g.usedBytes)}` : 'use a GPU with more memory, or a smaller model');
  if (i.gpus.length > 1) out.approximations.push(`${call.server.name} uses one GPU; the others the config gives stay idle`);
  return out;
}

const CACHE_TYPE_BYTES: Record<string, number> = { f32: 4, f16: 2, bf16: 2, q8_0: 34 / 32, q4_0: 18 / 32, iq4_nl: 18 / 32, q4_1: 20 / 32, q5_0: 22 / 32, q5_1: 24 / 32 };

export function estimateLlamaCpp(i: EstimateInput, out: MemoryEstimate): MemoryEstimate {
  const f = i.facts;
  const call = i.call!;
  const shape = f.shape;
  if (!shape) {
    out.reasons.push(`${f.shapeError ?? 'the GGUF states no model shape'}: the KV cache cannot be sized; ${weightsLine(f)}`);
    return out;
  }
  const dyn = dynamicFlag(i, ['-c', '--ctx-size', '-ngl', '--n-gpu-layers', '--gpu-layers']);
  if (dyn) {
    out.reasons.push(`${dyn.flag} is computed when the container starts (${dyn.value}), so Berth cannot size the deployment before it runs; ${weightsLine(f)}`);
    return out;
  }
  const ctxFlag = intFlag(i, ['-c', '--ctx-size']);
  const context = ctxFlag === 0 ? shape.maxContext : ctxFlag ?? LLAMACPP_DEFAULT_CTX;
  if (ctxFlag === null) out.approximations.push(`-c not given: assumed ${LLAMACPP_DEFAULT_CTX} tokens (llama-server's default before late 2025; newer builds use the model's ${shape.maxContext ?? 'own'} length)`);
  const cacheBytes = (t: string | null) => (t ? CACHE_TYPE_BYTES[t] ?? 2 : 2);
  const kB = cacheBytes(flagAt(i, ['--cache-type-k', '-ctk']));
  const vB = cacheBytes(flagAt(i, ['--cache-type-v', '-ctv']));
  const perLayer = shape.kvHeads * shape.headDim * (kB + vB);
  out.kvBytesPerToken = Math.round(shape.attentionLayers * perLayer);
  out.contextTokens = context;
  const ngl = intFlag(i, ['-ngl', '--n-gpu-layers', '--gpu-layers']);
  if (ngl === null) out.approximations.push('-ngl not given: assumed every layer on the GPU (recent llama-server builds; older ones keep layers on the CPU unless -ngl is given)');
  const share = ngl === null ? 1 : Math.min(1, ngl / shape.layers);
  const n = Math.max(1, i.gpus.length);
  out.overheadBytes = CUDA_CONTEXT_BYTES + LLAMACPP_COMPUTE_BYTES;
  const kvNeed = context !== null ? out.kvBytesPerToken * context * share : 0;
  out.perGpuBytes = Math.round((f.weightsBytes * share + kvNeed) / n + out.overheadBytes);
  if (hasFlag(call.argv, ['-md', '--model-draft'], call.start)) out.approximations.push('the draft model (-md) and its cache are not counted');
  const detail = [
    weightsLine(f),
    share < 1 ? `-ngl ${ngl} of ${shape.layers} layers on the GPU: ${Math.round(share * 100)}% of the weights and cache` : null,
    `KV cache ${(out.kvBytesPerToken / 1024).toFixed(0)} KiB per token; ${context ?? 'unknown'} tokens take ${gib(kvNeed)}`,
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
  out.reasons.push(`${VERDICT_WORDS[verdict]}: needs ~${gib(out.perGpuBytes)} per GPU; ${g.name} has ${gib(g.totalBytes - g.usedBytes)} free`, ...detail);
  if (verdict !== 'fits' && context) {
    const room = g.totalBytes - g.usedBytes - out.overheadBytes - (f.weightsBytes * share) / n;
    const tokens = room > 0 ? roundTokens((room * n) / (out.kvBytesPerToken * share)) : 0;
    if (tokens >= 256 && tokens < context) out.suggestions.push(`lower -c to ${tokens}`);
    out.suggestions.push('offload fewer layers (-ngl) to keep part of the model in system memory, at a cost in speed');
  }
  return out;
}
