// The verdicts: the issue's own example (Llama-3.1-8B on an L4 at 1024 and 131,072 tokens),
// tensor parallelism, memory other processes hold, SGLang, TEI and llama.cpp rules.
import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B, decoderTensors, safetensorsHeader } from '../../fixtures/hub/checkpoints.mjs';
import { parseStartCommand } from '../../../shared/fit/command.js';
import { estimateMemory, parseTokens, type GpuFacts, type ModelFacts } from '../../../shared/fit/estimate.js';
import { modelShape, type ModelShape } from '../../../shared/fit/model-config.js';
import { addHeader, emptySummary, parameterCount, totalBytes } from '../../../shared/fit/safetensors.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const L4: GpuFacts = { uuid: 'GPU-l4-0', name: 'NVIDIA L4', totalBytes: 23034 * MiB, usedBytes: 0 };
const L4b: GpuFacts = { ...L4, uuid: 'GPU-l4-1' };
const H100: GpuFacts = { uuid: 'GPU-h100', name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * MiB, usedBytes: 0 };

function llamaFacts(): ModelFacts {
  const s = emptySummary();
  const { head } = safetensorsHeader(decoderTensors(LLAMA_3_1_8B));
  addHeader(s, head.subarray(8).toString('utf8').trimEnd());
  const shape = (modelShape(LLAMA_3_1_8B) as { shape: ModelShape }).shape;
  return { model: 'meta-llama/Meta-Llama-3.1-8B-Instruct@main', via: 'test', commit: null, readFrom: 'hub', format: 'safetensors', weightsBytes: totalBytes(s), weightsByDtype: s.bytesByDtype, parameterCount: parameterCount(s), storedDtype: 'BF16', shape, approximations: [] };
}
const facts = llamaFacts();
const run = (cmd: string, gpus: GpuFacts[], acc = { type: 'L4', count: gpus.length || 1 }, f = facts) =>
  estimateMemory({ facts: f, call: parseStartCommand(cmd).call, gpus, accelerator: acc, machineGpus: gpus.length });

describe('vLLM: Llama-3.1-8B on an L4', () => {
  it('fits with --max-model-len 1024, with its numbers', () => {
    const e = run('vllm serve meta-llama/Meta-Llama-3.1-8B-Instruct --max-model-len 1024', [L4]);
    expect(e.verdict).toBe('fits');
    expect(e.weightsBytes).toBe(16_060_522_496);
    expect(e.parameterCount).toBe(8_030_261_248);
    expect(e.kvBytesPerToken).toBe(131_072);
    expect(e.contextTokens).toBe(1024);
    // The budget is 0.9 of what CUDA sees: nvidia-smi's 23034 MiB less the driver's ~0.45 GiB (22.04 GiB; vLLM logs 22.03 on an L4).
    expect(e.gpus).toEqual([{ uuid: 'GPU-l4-0', name: 'NVIDIA L4', totalBytes: 23034 * MiB, freeBytes: 23034 * MiB, budgetBytes: Math.round(0.9 * (23034 * MiB - 0.45 * GiB)) }]);
    // weights 14.96 + KV 0.125 + overhead (0.5 context + 0.5 graphs + activations) per GPU.
    expect(e.perGpuBytes! / GiB).toBeGreaterThan(15.5);
    expect(e.perGpuBytes! / GiB).toBeLessThan(17);
    expect(e.reasons[0]).toMatch(/^fits: needs ~1\d\.\d GiB per GPU with 1024 tokens of context \(--max-model-len\); NVIDIA L4 has 22\.5 GiB/);
  });
  it('does not fit with --max-model-len 131072, and says what to change', () => {
    const e = run('vllm serve meta-llama/Meta-Llama-3.1-8B-Instruct --max-model-len 131072', [L4]);
    expect(e.verdict).toBe('does-not-fit');
    expect(e.reasons[0]).toMatch(/^does not fit: needs ~3\d\.\d GiB per GPU with 131072 tokens/);
    const lower = e.suggestions.find((s) => s.startsWith('lower --max-model-len to '));
    expect(lower).toBeDefined();
    const tokens = Number(/to (\d+)/.exec(lower!)![1]);
    // What is left of 0.9 x 22.5 GiB after 14.96 GiB of weights and ~1.3 GiB overhead: ~4 GiB = ~31k tokens.
    expect(tokens).toBeGreaterThan(24_000);
    expect(tokens).toBeLessThan(36_000);
    expect(e.suggestions.some((s) => /use 2 GPUs with --tensor-parallel-size 2 \(accelerator: L4:2\); this machine has 1/.test(s))).toBe(true);
    expect(e.suggestions.some((s) => /--kv-cache-dtype fp8/.test(s))).toBe(true);
  });
  it("uses the model's max_position_embeddings when --max-model-len is not given", () => {
    const e = run('vllm serve meta-llama/Meta-Llama-3.1-8B-Instruct', [L4]);
    expect(e.contextTokens).toBe(131_072);
    expect(e.verdict).toBe('does-not-fit');
  });
  it('the suggested context length fits when applied', () => {
    const e = run('vllm serve m/m --max-model-len 131072', [L4]);
    const tokens = /lower --max-model-len to (\d+)/.exec(e.suggestions.join('\n'))![1];
    expect(run(`vllm serve m/m --max-model-len ${tokens}`, [L4]).verdict).not.toBe('does-not-fit');
  });
  it('fits 131072 tokens on two L4s with --tensor-parallel-size 2', () => {
    const e = run('vllm serve m/m --max-model-len 131072 --tensor-parallel-size 2', [L4, L4b]);
    expect(e.verdict).not.toBe('does-not-fit');
    expect(e.gpus).toHaveLength(2);
  });
  it('counts memory other processes hold: vLLM wants 0.9 x total free at start', () => {
    const e = run('vllm serve m/m --max-model-len 1024', [{ ...L4, usedBytes: 4 * GiB }]);
    expect(e.verdict).toBe('does-not-fit');
    expect(e.reasons.join('\n')).toMatch(/other processes already hold 4\.0 GiB/);
    // (22.04 - 4.0) / 22.04 = 0.818 of the CUDA-visible total is free: 0.81, rounded down.
    expect(e.suggestions.join('\n')).toMatch(/lower --gpu-memory-utilization to 0\.81/);
  });
  it('refuses a tensor-parallel size larger than the GPUs the config gives', () => {
    const e = run('vllm serve m/m -tp 4', [L4, L4b]);
    expect(e.verdict).toBe('does-not-fit');
    expect(e.suggestions[0]).toMatch(/accelerator: L4:4/);
  });
  it('is "tight" when little KV room is left', () => {
    const e = run('vllm serve m/m --max-model-len 28000', [L4]);
    expect(e.verdict).toBe('tight');
  });
  it('on an H100 131072 tokens fit', () => expect(run('vllm serve m/m', [H100], { type: 'H100', count: 1 }).verdict).toBe('fits'));
  it('says unknown, with the need, when no GPU is detected', () => {
    const e = run('vllm serve m/m --max-model-len 1024', []);
    expect(e.verdict).toBe('unknown');
    expect(e.reasons[0]).toMatch(/needs ~1\d\.\d GiB per GPU on 1 GPU, but no NVIDIA GPU was detected/);
    expect(e.perGpuBytes).toBeGreaterThan(15 * GiB);
  });
  it('says unknown for an unknown server, with the weights', () => {
    const e = run('python serve.py', [L4]);
    expect(e.verdict).toBe('unknown');
    expect(e.reasons[0]).toMatch(/no model server Berth has memory rules for.*14\.96 GiB/);
  });
});

describe('SGLang', () => {
  const sg = (flags: string, gpu = L4) => run(`python3 -m sglang.launch_server --model-path m/m ${flags}`, [gpu]);
  it('its pool is --mem-fraction-static of the memory free at start', () => {
    const fits = sg('--context-length 4096 --mem-fraction-static 0.85');
    expect(fits.verdict).toBe('fits');
    expect(fits.gpus[0].budgetBytes).toBe(Math.round(0.85 * (23034 * MiB - 0.45 * GiB)));
    const busy = sg('--context-length 4096 --mem-fraction-static 0.85', { ...L4, usedBytes: 2 * GiB });
    expect(busy.gpus[0].budgetBytes).toBe(Math.round(0.85 * (23034 * MiB - 0.45 * GiB - 2 * GiB)));
  });
  it('a context longer than the pool holds: it starts and caps requests (tight, not does-not-fit)', () => {
    const e = sg('--context-length 131072');
    expect(e.verdict).toBe('tight');
    expect(e.reasons.join('\n')).toMatch(/SGLang starts, but caps requests at \d+ tokens, not 131072/);
  });
  it('weights larger than the pool: does not fit', () => {
    expect(sg('--context-length 4096 --mem-fraction-static 0.5').verdict).toBe('does-not-fit');
  });
});

describe('values set at run time', () => {
  it('--tensor-parallel-size $(nvidia-smi -L | wc -l) is the number of GPUs given', () => {
    const h = (n: number): GpuFacts[] => Array.from({ length: n }, (_, k) => ({ ...H100, uuid: `GPU-h-${k}` }));
    const e = run(`sh -c "python3 -m vllm.entrypoints.openai.api_server --model m/m --tensor-parallel-size $(nvidia-smi -L | wc -l) --max-model-len 131072"`, h(4), { type: 'H100', count: 4 });
    expect(e.verdict).toBe('fits');
    expect(e.gpus).toHaveLength(4);
    expect(e.suggestions.join('\n')).not.toMatch(/add --tensor-parallel-size/);
  });
  it('another flag computed at start: unknown, saying which', () => {
    const e = run('sh -c "vllm serve m/m --max-model-len $MAX_LEN"', [L4]);
    expect(e.verdict).toBe('unknown');
    expect(e.reasons[0]).toMatch(/--max-model-len is computed when the container starts \(\$MAX_LEN\)/);
  });
});

describe('vLLM defaults by GPU', () => {
  it('an A100 gets the small batch defaults (vLLM excludes it), an H100 the large ones', () => {
    const a100: GpuFacts = { uuid: 'a', name: 'NVIDIA A100-SXM4-80GB', totalBytes: 81920 * MiB, usedBytes: 0 };
    expect(run('vllm serve m/m --max-model-len 4096', [a100], { type: 'A100', count: 1 }).reasons.join('\n')).toMatch(/2048 batched tokens, 256 sequences/);
    expect(run('vllm serve m/m --max-model-len 4096', [H100], { type: 'H100', count: 1 }).reasons.join('\n')).toMatch(/8192 batched tokens, 1024 sequences/);
  });
});

describe('sliding-window layers', () => {
  it('layers listed as sliding keep only their window: a long context costs the full layers only', () => {
    const types = Array.from({ length: 32 }, (_, k) => (k % 2 ? 'full_attention' : 'sliding_attention'));
    const shape = (modelShape({ ...LLAMA_3_1_8B, sliding_window: 4096, layer_types: types }) as { shape: ModelShape }).shape;
    expect(shape.slidingLayers).toBe(16);
    const e = run('vllm serve m/m --max-model-len 65536', [L4], { type: 'L4', count: 1 }, { ...facts, shape });
    // 16 full layers x 64 KiB... : 2 x 8 x 128 x 2 bytes = 4 KiB per layer-token; 16 x 65536 + 16 x 4096 tokens.
    expect(e.reasons.join('\n')).toMatch(/16 sliding-window layers keeping at most 4096 tokens; 65536 tokens of context \(--max-model-len\) take 4\.3 GiB/);
  });
});

describe('TEI and Infinity', () => {
  const small: ModelFacts = { ...facts, weightsBytes: 1_340_000_000, weightsByDtype: { F32: 1_340_000_000 }, parameterCount: 335_000_000, shape: null };
  it('load float32 weights as float16 and add a stated allowance', () => {
    const e = run('text-embeddings-router --model-id BAAI/bge-large', [L4], { type: 'L4', count: 1 }, small);
    expect(e.verdict).toBe('fits');
    expect(e.perGpuBytes).toBe(Math.round(670_000_000 + 1.5 * GiB));
    expect(e.reasons.join('\n')).toMatch(/loads float32 weights as float16/);
  });
});

describe('llama.cpp', () => {
  const gguf: ModelFacts = { ...facts, format: 'gguf', weightsBytes: 15.6 * GiB, weightsByDtype: { GGUF: 15.6 * GiB }, shape: { ...facts.shape!, layers: 62, attentionLayers: 62, kvHeads: 16, headDim: 128 } };
  it('counts -c tokens of f16 cache', () => {
    const e = run('/app/llama-server -m /app/x.gguf -c 32768 -ngl 999', [H100], { type: 'H100', count: 1 }, gguf);
    expect(e.kvBytesPerToken).toBe(62 * 16 * 128 * 4);
    expect(e.contextTokens).toBe(32768);
    expect(e.verdict).toBe('fits');
    expect(run('/app/llama-server -m /app/x.gguf -c 131072', [L4], { type: 'L4', count: 1 }, gguf).verdict).toBe('does-not-fit');
  });
});

describe('parseTokens', () => {
  it('reads vLLM-style sizes', () => {
    expect(parseTokens('32768')).toBe(32768);
    expect(parseTokens('32k')).toBe(32000);
    expect(parseTokens('32K')).toBe(32768);
    expect(parseTokens('lots')).toBeNull();
  });
});
