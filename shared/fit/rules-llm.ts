// vLLM and SGLang: what each reserves on a GPU, and whether one sequence of the context fits.
// - vLLM reserves gpu_memory_utilization (default 0.9) x each GPU's memory and refuses to start
//   unless that much is free. Inside it: the weights' share (tensor x pipeline parallel), the
//   profiled activation peak, CUDA graphs (counted inside, as vLLM >= 0.11 profiles them; older
//   V1 builds captured them after sizing the KV cache, outside the budget) and non-torch memory
//   (CUDA context, NCCL); the rest is KV cache, which must hold one sequence of --max-model-len.
// - SGLang's static pool is --mem-fraction-static x the memory free before it loads: weights +
//   KV. It starts when the context does not fit and caps requests at what the pool holds.
import { hasFlag } from './command.js';
import { CUDA_CONTEXT_BYTES, dynamicFlag, flagAt, floatFlag, intFlag, parseTokens, roundTokens, VERDICT_WORDS, verdictOf, weightsLine, withGpus, worst, type EstimateInput, type GpuFacts } from './inputs.js';
import { contextForKvBytes, DTYPE_NAME_BYTES, kvBytesForContext, kvBytesPerToken } from './model-config.js';
import type { FitVerdict, MemoryEstimate } from './types.js';
import { GiB, gib } from './units.js';

/**
 * nvidia-smi's memory.total is ~0.45 GiB above what CUDA reports as total (the driver's
 * reserve): 23034 MiB vs 22.03 GiB on an L4, 79.65 vs 79.22 GiB on an H100 in vLLM's logs.
 */
export const CUDA_RESERVED_BYTES = 0.45 * GiB;
/** vLLM's captured CUDA graphs (0.3-1 GiB on 7-70B models in its logs); none with --enforce-eager. */
export const CUDA_GRAPH_BYTES = 0.5 * GiB;
/** NCCL buffers per GPU when tensors are split over GPUs. */
export const NCCL_BYTES = 0.25 * GiB;

const cudaTotal = (g: GpuFacts) => Math.max(0, g.totalBytes - CUDA_RESERVED_BYTES);
const dtypeBytesOf = (name: string | null | undefined) => (name ? DTYPE_NAME_BYTES[name.toLowerCase()] ?? null : null);

/** The dtype the server computes (and by default caches KV) in: --dtype, else the model's (fp32 runs as 16-bit). */
function modelDtypeBytes(i: EstimateInput): number {
  const flag = flagAt(i, ['--dtype']);
  const fromFlag = flag && flag !== 'auto' ? dtypeBytesOf(flag) : null;
  const fromConfig = dtypeBytesOf(i.facts.shape?.dtype);
  return fromFlag ?? (fromConfig && fromConfig <= 2 ? fromConfig : 2);
}

function kvDtypeBytes(i: EstimateInput): number {
  const v = flagAt(i, ['--kv-cache-dtype']);
  if (v && v !== 'auto') return dtypeBytesOf(v) ?? (v.startsWith('fp8') ? 1 : 2);
  return modelDtypeBytes(i);
}

interface Flags {
  tp: string[];
  pp: string[];
  ctx: string;
  frac: string;
}
const VLLM: Flags = { tp: ['--tensor-parallel-size', '-tp'], pp: ['--pipeline-parallel-size', '-pp'], ctx: '--max-model-len', frac: '--gpu-memory-utilization' };
const SGLANG: Flags = { tp: ['--tp-size', '--tp', '--tensor-parallel-size'], pp: ['--pp-size', '--pipeline-parallel-size'], ctx: '--context-length', frac: '--mem-fraction-static' };

export function estimateLlmServer(i: EstimateInput, out: MemoryEstimate): MemoryEstimate {
  const f = i.facts;
  const shape = f.shape;
  const call = i.call!;
  const vllm = call.server.id === 'vllm';
  const F = vllm ? VLLM : SGLANG;
  if (!shape) {
    out.reasons.push(`${f.shapeError ?? 'the model has no config.json'}: the KV cache cannot be sized; ${weightsLine(f)}`);
    return out;
  }
  const dyn = dynamicFlag(i, [...F.tp, ...F.pp, F.ctx, F.frac, '--kv-cache-dtype', '--dtype', '--max-num-batched-tokens', '--max-num-seqs']);
  if (dyn) {
    out.reasons.push(`${dyn.flag} is computed when the container starts (${dyn.value}), so Berth cannot size the deployment before it runs; ${weightsLine(f)}`);
    return out;
  }
  const tp = intFlag(i, F.tp) ?? 1;
  const pp = intFlag(i, F.pp) ?? 1;
  const shards = tp * pp;
  const ctxGiven = parseTokens(flagAt(i, [F.ctx]));
  const context = ctxGiven ?? shape.maxContext;
  const kvBytes = kvDtypeBytes(i);
  out.kvBytesPerToken = kvBytesPerToken(shape, kvBytes);
  out.contextTokens = context;
  // K and V heads are split over tensor-parallel ranks (replicated when there are fewer heads
  // than ranks); MLA's latent is not split. Pipeline stages split the layers.
  const shareAt = (n: number) => (shape.mla ? 1 : Math.max(1, shape.kvHeads / n) / shape.kvHeads) / pp;
  const kvAt = (tokens: number, n = tp) => kvBytesForContext(shape, kvBytes, tokens) * shareAt(n);
  const weightsPerGpu = f.weightsBytes / shards;

  let overhead = 0;
  let overheadWhy: string;
  const fraction = floatFlag(i, [F.frac]);
  const share = fraction ?? (vllm ? 0.9 : tp >= 16 ? 0.79 : tp >= 8 ? 0.81 : tp >= 4 ? 0.85 : tp >= 2 ? 0.87 : 0.88);
  if (vllm) {
    // `vllm serve` defaults: 8192 batched tokens and 1024 sequences on >= 70 GiB GPUs other than A100, else 2048 and 256.
    const big = i.gpus.some((g) => g.totalBytes >= 70 * GiB && !/a100/i.test(g.name));
    const tokens = intFlag(i, ['--max-num-batched-tokens']) ?? (big ? 8192 : 2048);
    const seqs = intFlag(i, ['--max-num-seqs']) ?? (big ? 1024 : 256);
    const mlp = shape.intermediate ?? 4 * shape.hidden;
    const activations = tokens * ((2 * mlp) / tp + 4 * shape.hidden) * modelDtypeBytes(i) + Math.min(seqs, tokens) * (shape.vocab ?? 0) * 4;
    const graphs = hasFlag(call.argv, ['--enforce-eager'], call.start) ? 0 : CUDA_GRAPH_BYTES;
    const nccl = shards > 1 ? NCCL_BYTES : 0;
    overhead = CUDA_CONTEXT_BYTES + graphs + nccl + activations;
    overheadWhy = `overhead ${gib(overhead)} per GPU inside the budget: CUDA context ${gib(CUDA_CONTEXT_BYTES)}, CUDA graphs ${gib(graphs)}${nccl ? `, NCCL ${gib(nccl)}` : ''}, activation peak ${gib(activations)} (${tokens} batched tokens, ${seqs} sequences' logits)`;
  } else {
    overheadWhy = `SGLang's pool is ${share} (--mem-fraction-static${fraction === null ? `, its default for tensor parallel ${tp}` : ''}) of the memory free when it starts; the rest is left for activations and CUDA graphs`;
  }
  // What the server may use on a GPU: vLLM a share of the card; SGLang a share of what is free.
  const budgetOf = (g: GpuFacts) => share * (vllm ? cudaTotal(g) : Math.max(0, cudaTotal(g) - g.usedBytes));
  const kvNeed = context !== null ? kvAt(context) : null;
  const g0 = i.gpus[0];
  out.overheadBytes = Math.round(vllm ? overhead : (1 - share) * (g0 ? cudaTotal(g0) - g0.usedBytes : 0));
  out.perGpuBytes = Math.round(weightsPerGpu + (kvNeed ?? 0) + out.overheadBytes);
  const ctxWords = context === null ? 'an unknown context' : `${context} tokens of context${ctxGiven ? ` (${F.ctx})` : " (the model's own maximum)"}`;
  const detail = [
    weightsLine(f),
    shards > 1 ? `split over ${shards} GPUs (tensor parallel ${tp}${pp > 1 ? `, pipeline parallel ${pp}` : ''}): ${gib(weightsPerGpu)} each` : null,
    `KV cache ${(out.kvBytesPerToken / 1024).toFixed(0)} KiB per token (${shape.mla ? `MLA latent ${shape.mla.kvLoraRank}+${shape.mla.ropeDim}` : `2 x ${shape.attentionLayers} layers x ${shape.kvHeads} KV heads x ${shape.headDim} head dim`} x ${kvBytes} byte${kvBytes > 1 ? 's' : ''})${shape.slidingLayers ? `, ${shape.slidingLayers} sliding-window layers keeping at most ${shape.window} tokens` : ''}; ${ctxWords}${kvNeed !== null ? ` take ${gib(kvNeed)}${shards > 1 ? ' per GPU' : ''}` : ''}`,
    overheadWhy,
    `GPU memory as CUDA sees it: nvidia-smi's total less ${(CUDA_RESERVED_BYTES / GiB).toFixed(2)} GiB the driver keeps`,
  ].filter((x): x is string => !!x);
  if (context === null) {
    out.reasons.push(`the model states no context length and ${F.ctx} is not given: the KV cache for one sequence cannot be sized`, ...detail);
    return out;
  }
  if (!withGpus(i, out, out.perGpuBytes, shards)) {
    out.reasons.push(...detail);
    return out;
  }
  const given = i.gpus.length;
  if (shards > given) {
    out.verdict = 'does-not-fit';
    out.reasons.push(`${call.server.name} is told to use ${shards} GPUs (${F.tp[0]} ${tp}${pp > 1 ? ` x pipeline ${pp}` : ''}) but the config gives it ${given} (accelerator ${i.accelerator!.type}:${i.accelerator!.count})`, ...detail);
    out.suggestions.push(`set accelerator: ${i.accelerator!.type}:${shards}, or lower ${F.tp[0]} to ${given}`);
    return out;
  }
  const used = i.gpus.slice(0, shards);
  let verdict: FitVerdict = 'fits';
  let kvRoomMin = Infinity;
  const notes: string[] = [];
  for (const g of used) {
    const free = cudaTotal(g) - g.usedBytes;
    const budget = budgetOf(g);
    out.gpus.push({ uuid: g.uuid, name: g.name, totalBytes: g.totalBytes, freeBytes: g.totalBytes - g.usedBytes, budgetBytes: Math.round(budget) });
    const kvRoom = budget - weightsPerGpu - overhead;
    kvRoomMin = Math.min(kvRoomMin, kvRoom);
    let v = verdictOf(kvRoom - kvNeed!, budget);
    if (vllm && free < budget) {
      v = 'does-not-fit';
      notes.push(`${g.name}: vLLM reserves ${share} x ${gib(cudaTotal(g))} = ${gib(budget)} at start, but other processes already hold ${gib(g.usedBytes)}, leaving ${gib(free)}`);
      const s = Math.floor((free / cudaTotal(g)) * 100) / 100;
      out.suggestions.push(`free ${g.name} (nvidia-smi shows what holds ${gib(g.usedBytes)}), or lower --gpu-memory-utilization to ${s.toFixed(2)} if the model still fits in that`);
    } else if (!vllm && kvRoom <= 0) {
      v = 'does-not-fit';
      notes.push(`${g.name}: SGLang's pool of ${gib(budget)} does not hold the weights' ${gib(weightsPerGpu)}: it stops with "Not enough memory"`);
    } else if (!vllm && kvRoom < kvNeed!) {
      // SGLang starts anyway and caps every request at what its pool holds.
      v = 'tight';
      notes.push(`${g.name}: SGLang starts, but caps requests at ${contextForKvBytes(shape, kvBytes, kvRoom / shareAt(tp))} tokens, not ${context}`);
    } else if (v === 'does-not-fit' && shape.kvUpperBound && kvRoom > 0) {
      v = 'tight';
      notes.push(`the KV figure is an upper bound (sliding-window layers not listed), so this may still fit`);
    }
    verdict = worst(verdict, v);
  }
  out.verdict = verdict;
  const budget0 = budgetOf(g0);
  const needWords = `needs ~${gib(out.perGpuBytes)} per GPU with ${ctxWords}`;
  const hasWords = `${g0.name} has ${gib(g0.totalBytes)}, of which ${call.server.name} may use ${gib(budget0)} (${share}${vllm ? '' : ' of what is free'})`;
  const room = kvRoomMin > 0 ? `; the KV cache has room for ${gib(kvRoomMin)}${kvRoomMin >= kvNeed! ? `, ${Math.floor(kvRoomMin / kvNeed!)} full-length sequence${Math.floor(kvRoomMin / kvNeed!) === 1 ? '' : 's'}` : ''}` : '';
  out.reasons.push(`${VERDICT_WORDS[verdict]}: ${needWords}; ${hasWords}${room}`, ...notes, ...detail);
  if (verdict !== 'fits' && kvRoomMin < kvNeed! + 0.5 * GiB) suggest(i, out, { kvRoom: kvRoomMin, kvAt, weightsPerGpu, overhead, F, kvBytes, tp, share, vllm, budgetOf });
  if (shards < given) out.suggestions.push(`the config gives ${given} GPUs but ${call.server.name} uses ${shards}: add ${F.tp[0]} ${given} to use them all`);
  return out;
}

function suggest(
  i: EstimateInput,
  out: MemoryEstimate,
  o: { kvRoom: number; kvAt: (tokens: number, n?: number) => number; weightsPerGpu: number; overhead: number; F: Flags; kvBytes: number; tp: number; share: number; vllm: boolean; budgetOf: (g: GpuFacts) => number },
): void {
  const shape = i.facts.shape!;
  const g = i.gpus[0];
  const acc = i.accelerator!;
  const perKvByte = o.kvAt(1_000_000) / kvBytesForContext(shape, o.kvBytes, 1_000_000);
  const fitTokens = o.kvRoom > 0 ? roundTokens(contextForKvBytes(shape, o.kvBytes, o.kvRoom / perKvByte)) : 0;
  if (fitTokens >= 256) out.suggestions.push(`lower ${o.F.ctx} to ${fitTokens} (the most that fits in ${gib(o.kvRoom)} of KV cache)`);
  if (o.kvBytes >= 2 && o.kvRoom > 0) out.suggestions.push(`--kv-cache-dtype fp8 halves the KV cache (${roundTokens(contextForKvBytes(shape, o.kvBytes / 2, o.kvRoom / perKvByte))} tokens would fit)`);
  // The fewest GPUs (a power of two, as tensor parallelism needs) on which the whole context fits.
  const ctx = out.contextTokens ?? 0;
  for (let n = o.tp * 2; n <= 8; n *= 2) {
    const room = o.budgetOf(g) - (o.weightsPerGpu * o.tp) / n - o.overhead;
    if (room >= o.kvAt(ctx, n)) {
      out.suggestions.push(`use ${n} GPUs with ${o.F.tp[0]} ${n} (accelerator: ${acc.type}:${n})${i.machineGpus < n ? `; this machine has ${i.machineGpus}` : ''}`);
      break;
    }
  }
  if (o.share < 0.95) out.suggestions.push(`raise ${o.F.frac} to 0.95 (+${gib((0.95 - o.share) * cudaTotal(g))} per GPU) if nothing else uses the GPU`);
}
