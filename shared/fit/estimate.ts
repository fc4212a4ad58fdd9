// Will it fit: a model's stored weights and shape, the server's memory rules and flags, and the
// GPUs the deployment gets, turned into a verdict per GPU with the numbers behind it. Pure.
// The rules live per server in rules-llm.ts (vLLM, SGLang) and rules-other.ts (TEI,
// Infinity, llama.cpp); every allowance they use is stated in the estimate's reasons.
import { weightsLine, type EstimateInput } from './inputs.js';
import { estimateLlmServer } from './rules-llm.js';
import { estimateEmbeddings, estimateLlamaCpp } from './rules-other.js';
import type { MemoryEstimate } from './types.js';
import { unknownEstimate } from './types.js';

export { parseTokens, type EstimateInput, type GpuFacts, type ModelFacts } from './inputs.js';

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
  if (!i.call) {
    out.reasons.push(`the start command runs no model server Berth has memory rules for (vLLM, SGLang, TEI, Infinity, llama.cpp), so only the weights are known: ${weightsLine(f)}`);
    return out;
  }
  if (!i.accelerator) {
    out.reasons.push(`the config asks for no GPU (resources.accelerator): nothing to fit; ${weightsLine(f)}`);
    return out;
  }
  switch (i.call.server.id) {
    case 'vllm':
    case 'sglang':
      return estimateLlmServer(i, out);
    case 'tei':
    case 'infinity':
      return estimateEmbeddings(i, out);
    case 'llamacpp':
      return estimateLlamaCpp(i, out);
  }
}
