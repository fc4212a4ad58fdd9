// The estimate's figures against published ones, from safetensors headers built with the real
// architectures' shapes (test/fixtures/hub/checkpoints.mjs, from their public config.json).
// Tolerances are stated per figure: counts are exact; GiB figures to the two decimals vLLM logs.
import { describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B, MIXTRAL_8X7B, QWEN2_5_0_5B, decoderTensors, fp8Linear, nvfp4Linear, safetensorsHeader, shard } from '../../fixtures/hub/checkpoints.mjs';
import { kvBytesPerToken, modelShape, type ModelShape } from '../../../shared/fit/model-config.js';
import { addHeader, emptySummary, headerLength, parameterCount, totalBytes, type TensorSummary } from '../../../shared/fit/safetensors.js';

const GiB = 2 ** 30;

/** Reads headers the way the engine does: length from the first 8 bytes, then the JSON. */
function summarise(tensors: ReturnType<typeof decoderTensors>, shardBytes = 5e9): TensorSummary {
  const s = emptySummary();
  for (const part of shard(tensors, shardBytes)) {
    const { head } = safetensorsHeader(part);
    const n = headerLength(head.subarray(0, 8));
    addHeader(s, head.subarray(8, 8 + n).toString('utf8'));
  }
  return s;
}
const shapeOf = (cfg: unknown): ModelShape => {
  const r = modelShape(cfg);
  if (!('shape' in r)) throw new Error(r.error);
  return r.shape;
};

describe('Llama-3.1-8B in bf16', () => {
  const s = summarise(decoderTensors(LLAMA_3_1_8B));
  it('has 8,030,261,248 parameters (exact)', () => expect(parameterCount(s)).toBe(8_030_261_248));
  it('stores 14.96 GiB of weights, as vLLM logs "model weights take 14.96GiB" (to 0.005 GiB)', () => {
    expect(totalBytes(s)).toBe(8_030_261_248 * 2);
    expect(Math.abs(totalBytes(s) / GiB - 14.96)).toBeLessThan(0.005);
    expect(s.bytesByDtype).toEqual({ BF16: 16_060_522_496 });
  });
  it('takes 128 KiB of KV cache per token in bf16 and 16 GiB at 131,072 tokens (exact)', () => {
    const shape = shapeOf(LLAMA_3_1_8B);
    expect(kvBytesPerToken(shape, 2)).toBe(128 * 1024);
    expect(kvBytesPerToken(shape, 2) * 131_072).toBe(16 * GiB);
    expect(shape.maxContext).toBe(131_072);
  });
  it('reads the same totals from one shard or four', () => {
    const four = summarise(decoderTensors(LLAMA_3_1_8B), 5e9);
    const one = summarise(decoderTensors(LLAMA_3_1_8B), 1e12);
    expect(totalBytes(four)).toBe(totalBytes(one));
    expect(shard(decoderTensors(LLAMA_3_1_8B), 5e9).length).toBe(4);
  });
});

describe('Mixture of Experts: Mixtral-8x7B counts every expert', () => {
  const s = summarise(decoderTensors(MIXTRAL_8X7B));
  it('has 46,702,792,704 parameters (exact; published "46.7B")', () => expect(parameterCount(s)).toBe(46_702_792_704));
  it('stores 86.99 GiB in bf16 (to 0.005 GiB)', () => expect(Math.abs(totalBytes(s) / GiB - 86.99)).toBeLessThan(0.005));
  it('KV cache is that of its attention only: 128 KiB per token', () => expect(kvBytesPerToken(shapeOf(MIXTRAL_8X7B), 2)).toBe(128 * 1024));
});

describe('quantised checkpoints count their stored dtypes', () => {
  it('fp8: linear weights in F8_E4M3, embeddings and norms in BF16, scales in F32 (exact)', () => {
    const s = summarise(decoderTensors(LLAMA_3_1_8B, { linear: fp8Linear }));
    const linear = 32 * (2 * 4096 * 4096 + 2 * 1024 * 4096 + 3 * 14336 * 4096);
    expect(s.bytesByDtype.F8_E4M3).toBe(linear);
    expect(s.bytesByDtype.BF16).toBe((2 * 128256 * 4096 + 65 * 4096) * 2);
    expect(s.bytesByDtype.F32).toBe(32 * 7 * 2 * 4);
    // 8.46 GiB: about half of bf16's 14.96, as fp8 checkpoints of this model are on the Hub.
    expect(Math.abs(totalBytes(s) / GiB - 8.46)).toBeLessThan(0.005);
    expect(parameterCount(s)).toBe(8_030_261_248 + 32 * 7 * 2);
  });
  it('nvfp4: two weights per U8 byte, E4M3 block scales (exact)', () => {
    const s = summarise(decoderTensors(LLAMA_3_1_8B, { linear: nvfp4Linear }));
    const linear = 32 * (2 * 4096 * 4096 + 2 * 1024 * 4096 + 3 * 14336 * 4096);
    expect(s.bytesByDtype.U8).toBe(linear / 2);
    expect(s.bytesByDtype.F8_E4M3).toBe(linear / 16);
    expect(s.packedElements).toBe(linear / 2);
    // Parameters: the packed weights count twice, plus the scales that are stored.
    expect(parameterCount(s)).toBe(8_030_261_248 + linear / 16 + 32 * 7 * 2);
  });
});

describe('tied embeddings and biases: Qwen2.5-0.5B', () => {
  it('has 494,032,768 parameters (exact; published "0.49B")', () => {
    const s = summarise(decoderTensors(QWEN2_5_0_5B, { qkvBias: true }));
    expect(parameterCount(s)).toBe(494_032_768);
  });
  it('KV: 2 x 24 layers x 2 heads x 64 x 2 bytes = 12 KiB per token; no sliding window when use_sliding_window is false', () => {
    const shape = shapeOf(QWEN2_5_0_5B);
    expect(kvBytesPerToken(shape, 2)).toBe(12 * 1024);
    expect(shape.approximations).toEqual([]);
  });
});

describe('packed 4-bit layouts count every weight', () => {
  it('AWQ/GPTQ qweight: eight 4-bit weights per I32', () => {
    const s = emptySummary();
    const h = { 'l.qweight': { dtype: 'I32', shape: [4096, 512], data_offsets: [0, 4096 * 512 * 4] }, 'l.scales': { dtype: 'F16', shape: [32, 4096], data_offsets: [0, 32 * 4096 * 2] } };
    addHeader(s, JSON.stringify(h));
    expect(parameterCount(s)).toBe(4096 * 4096 + 32 * 4096);
  });
  it('gpt-oss MXFP4 *_blocks: two per U8', () => {
    const s = emptySummary();
    addHeader(s, JSON.stringify({ 'e.gate_up_proj_blocks': { dtype: 'U8', shape: [32, 5760, 90, 16], data_offsets: [0, 32 * 5760 * 90 * 16] } }));
    expect(parameterCount(s)).toBe(2 * 32 * 5760 * 90 * 16);
  });
});

describe('context length as vLLM derives it', () => {
  it('Gemma 3: rope scaling does not multiply the length; head counts from the class defaults', () => {
    const shape = shapeOf({ model_type: 'gemma3', text_config: { model_type: 'gemma3_text', hidden_size: 2560, num_hidden_layers: 34, intermediate_size: 10240, sliding_window: 1024, rope_scaling: { rope_type: 'linear', factor: 8 } } });
    expect(shape.maxContext).toBe(131072);
    expect(shape.heads).toBe(8);
    expect(shape.kvHeads).toBe(4);
    expect(shape.headDim).toBe(256);
  });
  it('yarn scales the original length; the smallest length key wins', () => {
    const base = { num_hidden_layers: 2, num_attention_heads: 4, hidden_size: 256 };
    expect(shapeOf({ ...base, max_position_embeddings: 32768, rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }).maxContext).toBe(131072);
    expect(shapeOf({ ...base, max_position_embeddings: 32768, seq_length: 8192 }).maxContext).toBe(8192);
  });
});

describe('attention variants', () => {
  it('MLA (DeepSeek-V3 shape): one latent of 512 + 64 per layer', () => {
    const shape = shapeOf({ num_hidden_layers: 61, num_attention_heads: 128, num_key_value_heads: 128, hidden_size: 7168, kv_lora_rank: 512, qk_rope_head_dim: 64, max_position_embeddings: 163840, torch_dtype: 'bfloat16' });
    expect(kvBytesPerToken(shape, 2)).toBe(61 * 576 * 2);
  });
  it('hybrid layer_types count only attention layers and say so', () => {
    const shape = shapeOf({ num_hidden_layers: 4, num_attention_heads: 8, num_key_value_heads: 2, hidden_size: 1024, layer_types: ['linear_attention', 'linear_attention', 'linear_attention', 'full_attention'] });
    expect(shape.attentionLayers).toBe(1);
    expect(shape.approximations[0]).toMatch(/hybrid/);
  });
  it('multimodal configs nest the language model in text_config', () => {
    const shape = shapeOf({ architectures: ['LlavaForConditionalGeneration'], text_config: LLAMA_3_1_8B, vision_config: { hidden_size: 1024 } });
    expect(shape.layers).toBe(32);
  });
  it('refuses a config without the shape', () => expect(modelShape({ model_type: 'x' })).toEqual({ error: expect.stringMatching(/layers/) }));
});
