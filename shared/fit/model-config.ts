// The shape of a model as its config.json states it (Transformers' names, and the few other
// spellings real checkpoints use), reduced to what GPU memory depends on: layers, attention
// heads, head size, context length, dtype, and the attention variants that change the KV cache.

export interface ModelShape {
  architecture: string | null;
  layers: number;
  /** Layers that keep a KV cache (hybrid models keep it only in attention layers). */
  attentionLayers: number;
  /** Of those, layers with a sliding window: they keep at most `window` tokens (vLLM allocates so). */
  slidingLayers: number;
  window: number | null;
  /** A window is stated but not which layers use it: the KV figure is an upper bound. */
  kvUpperBound: boolean;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  intermediate: number | null;
  vocab: number | null;
  /** The context the model was trained for (max_position_embeddings, scaled as vLLM scales it). */
  maxContext: number | null;
  /** torch_dtype / dtype as written (bfloat16, float16, float32), or null. */
  dtype: string | null;
  /** Multi-head latent attention: one compressed latent per token and layer instead of K and V. */
  mla: { kvLoraRank: number; ropeDim: number } | null;
  /** Why the KV figure is an upper bound or approximate (sliding windows, linear attention). */
  approximations: string[];
  /** quantization_config.quant_method (fp8, modelopt, awq, ...), or null. */
  quantization: string | null;
}

type Json = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
const first = (o: Json, keys: string[]): number | null => {
  for (const k of keys) {
    const v = num(o[k]);
    if (v !== null) return v;
  }
  return null;
};

/** The language model's part of a config: multimodal checkpoints nest it. */
function textPart(root: Json): Json {
  for (const k of ['text_config', 'llm_config', 'language_config', 'thinker_config']) {
    const v = root[k];
    if (v && typeof v === 'object' && first(v as Json, ['num_hidden_layers', 'n_layers', 'num_layers']) !== null) return withDefaults(v as Json);
  }
  return withDefaults(root);
}

/**
 * Values Transformers fills in from the config class when config.json leaves them out, for
 * the checkpoints that do (Gemma 3's text_config states no heads: Gemma3TextConfig's defaults).
 */
const CLASS_DEFAULTS: Record<string, Json> = {
  gemma3_text: { num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, max_position_embeddings: 131072, sliding_window: 4096 },
};

function withDefaults(c: Json): Json {
  const d = CLASS_DEFAULTS[String(c.model_type ?? '')];
  return d ? { ...d, ...c } : c;
}

/** The keys vLLM reads the trained length from; it takes the smallest one present. */
const LENGTH_KEYS = ['max_position_embeddings', 'n_positions', 'max_seq_len', 'seq_length', 'model_max_length', 'max_sequence_length', 'max_seq_length', 'seq_len'];

export const DTYPE_NAME_BYTES: Record<string, number> = { float32: 4, float: 4, float16: 2, half: 2, bfloat16: 2, fp8: 1, fp8_e4m3: 1, fp8_e5m2: 1, fp8_inc: 1 };

/** Reads config.json (or Mistral's params.json); null with the reason when it lacks the shape. */
export function modelShape(raw: unknown): { shape: ModelShape } | { error: string } {
  if (!raw || typeof raw !== 'object') return { error: 'config.json is not a JSON object' };
  const root = raw as Json;
  const c = textPart(root);
  const layers = first(c, ['num_hidden_layers', 'n_layers', 'num_layers', 'n_layer']);
  const heads = first(c, ['num_attention_heads', 'n_heads', 'n_head', 'num_heads']);
  const hidden = first(c, ['hidden_size', 'dim', 'n_embd', 'd_model']);
  if (layers === null || heads === null || hidden === null) return { error: 'config.json does not give the number of layers, attention heads and hidden size' };
  const kvHeads = first(c, ['num_key_value_heads', 'n_kv_heads', 'num_kv_heads']) ?? (c.multi_query === true ? 1 : heads);
  const headDim = first(c, ['head_dim', 'attention_head_dim']) ?? hidden / heads;
  const approximations: string[] = [];

  // Hybrids keep a KV cache only in their attention layers; the rest hold a small fixed state.
  let attentionLayers = layers;
  const layerTypes = Array.isArray(c.layer_types) ? (c.layer_types as unknown[]).map(String) : null;
  const pattern = typeof c.hybrid_override_pattern === 'string' ? c.hybrid_override_pattern : null;
  if (layerTypes?.some((t) => /linear|mamba|conv|recurrent/.test(t))) {
    attentionLayers = layerTypes.filter((t) => /attention/.test(t) && !/linear/.test(t)).length;
    approximations.push(`a hybrid model: ${attentionLayers} of ${layers} layers keep a KV cache; the others' fixed state is not counted`);
  } else if (pattern) {
    attentionLayers = [...pattern].filter((ch) => ch === '*').length;
    approximations.push(`a hybrid model: ${attentionLayers} of ${layers} layers keep a KV cache; the Mamba layers' fixed state is not counted`);
  }
  // Sliding-window layers keep at most `window` tokens. Which layers slide comes from
  // layer_types, or Gemma's sliding_window_pattern (every Nth layer is global); a window with
  // neither is counted as full length and marked an upper bound.
  const rawWindow = num(c.sliding_window);
  const window = rawWindow !== null && c.use_sliding_window !== false ? rawWindow : null;
  let slidingLayers = 0;
  let kvUpperBound = false;
  if (window !== null) {
    const pat = num(c.sliding_window_pattern);
    if (layerTypes?.includes('sliding_attention')) slidingLayers = layerTypes.filter((t) => t === 'sliding_attention').length;
    else if (pat !== null && pat > 1) slidingLayers = layers - Math.floor(layers / pat);
    else {
      kvUpperBound = true;
      approximations.push(`sliding-window attention (${window} tokens) without a list of the layers that use it: the KV figure assumes full-length layers, an upper bound`);
    }
  }

  const kvLoraRank = num(c.kv_lora_rank);
  const ropeDim = num(c.qk_rope_head_dim);
  const mla = kvLoraRank !== null && ropeDim !== null ? { kvLoraRank, ropeDim } : null;
  if (mla && typeof c.index_topk === 'number') approximations.push("the sparse-attention indexer's own cache is not counted");

  const lengths = LENGTH_KEYS.map((k) => num(c[k])).filter((n): n is number => n !== null);
  let maxContext = lengths.length ? Math.min(...lengths) : null;
  const rope = (c.rope_scaling ?? c.rope_parameters) as Json | undefined;
  const modelType = String(c.model_type ?? root.model_type ?? '');
  if (maxContext !== null && rope && typeof rope === 'object' && !modelType.includes('gemma3')) {
    const type = String(rope.rope_type ?? rope.type ?? '');
    const factor = num(rope.factor);
    // As vLLM derives max_model_len: every scaled rope type but su/longrope/llama3 (which state
    // the scaled length already) multiplies it by the factor; yarn from its original length.
    if (factor && !['su', 'longrope', 'llama3', 'default', 'mrope'].includes(type)) {
      maxContext = (type === 'yarn' ? num(rope.original_max_position_embeddings) ?? maxContext : maxContext) * factor;
    }
  }
  const dtype = typeof c.torch_dtype === 'string' ? c.torch_dtype : typeof c.dtype === 'string' ? c.dtype : typeof root.torch_dtype === 'string' ? (root.torch_dtype as string) : null;
  const q = (root.quantization_config ?? c.quantization_config) as Json | undefined;
  const quantization = q && typeof q === 'object' ? String(q.quant_method ?? q.quant_algo ?? 'unknown') : null;
  return {
    shape: {
      architecture: Array.isArray(root.architectures) ? String(root.architectures[0]) : null,
      layers,
      attentionLayers,
      slidingLayers,
      window,
      kvUpperBound,
      heads,
      kvHeads,
      headDim,
      hidden,
      intermediate: first(c, ['intermediate_size', 'ffn_dim', 'n_inner']),
      vocab: first(c, ['vocab_size']) ?? first(root, ['vocab_size']),
      maxContext,
      dtype,
      mla,
      approximations,
      quantization,
    },
  };
}

/** KV bytes one layer keeps per token: K and V (2 x KV heads x head size), or MLA's one latent. */
function perLayerToken(s: ModelShape, kvDtypeBytes: number): number {
  return s.mla ? (s.mla.kvLoraRank + s.mla.ropeDim) * kvDtypeBytes : 2 * s.kvHeads * s.headDim * kvDtypeBytes;
}

/**
 * KV cache bytes per token for the whole model at full length: 2 (K and V) x layers x KV heads
 * x head size x bytes per value; with MLA one latent (rank + rope part) per layer.
 */
export function kvBytesPerToken(s: ModelShape, kvDtypeBytes: number): number {
  return s.attentionLayers * perLayerToken(s, kvDtypeBytes);
}

/** KV bytes of one sequence of `tokens`: sliding-window layers hold at most their window. */
export function kvBytesForContext(s: ModelShape, kvDtypeBytes: number, tokens: number): number {
  const full = s.attentionLayers - s.slidingLayers;
  const windowed = s.window !== null ? Math.min(s.window, tokens) : tokens;
  return perLayerToken(s, kvDtypeBytes) * (full * tokens + s.slidingLayers * windowed);
}

/** The longest sequence whose KV cache fits in `bytes` (the inverse of kvBytesForContext). */
export function contextForKvBytes(s: ModelShape, kvDtypeBytes: number, bytes: number): number {
  if (bytes <= 0) return 0;
  let lo = 0;
  let hi = 1 << 26;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (kvBytesForContext(s, kvDtypeBytes, mid) <= bytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
