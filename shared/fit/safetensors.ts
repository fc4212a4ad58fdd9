// Safetensors headers: a file begins with an 8-byte little-endian header length N, then N
// bytes of JSON naming every tensor's dtype, shape and byte range. Two small reads per shard
// give a model's exact stored size per dtype, without its weights.

/** Bytes per element of each safetensors dtype; 4-bit types pack two elements per byte. */
export const DTYPE_BYTES: Record<string, number> = {
  F64: 8, I64: 8, U64: 8,
  F32: 4, I32: 4, U32: 4,
  F16: 2, BF16: 2, I16: 2, U16: 2,
  F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1, I8: 1, U8: 1, BOOL: 1,
  F4: 0.5, F6_E2M3: 0.75, F6_E3M2: 0.75,
};

/** Headers larger than this are refused: real ones are well under 10 MB. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorSummary {
  /** Stored bytes per dtype (from the data offsets: exact as stored). */
  bytesByDtype: Record<string, number>;
  /** Elements per dtype. */
  elementsByDtype: Record<string, number>;
  /** Weights packed several to a stored element, beyond the stored count (see packFactor). */
  packedElements: number;
  tensors: number;
}

export function emptySummary(): TensorSummary {
  return { bytesByDtype: {}, elementsByDtype: {}, packedElements: 0, tensors: 0 };
}

/** The header length from a file's first 8 bytes. */
export function headerLength(first8: Uint8Array): number {
  if (first8.byteLength < 8) throw new Error('a safetensors file is at least 8 bytes');
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n === 0n || n > BigInt(MAX_HEADER_BYTES)) throw new Error(`implausible safetensors header length ${n}`);
  return Number(n);
}

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Adds one shard's header (the JSON text after the length) to a summary. */
export function addHeader(summary: TensorSummary, headerJson: string): TensorSummary {
  const header = JSON.parse(headerJson) as Record<string, TensorEntry | Record<string, string>>;
  const names = new Set(Object.keys(header));
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = t as TensorEntry;
    if (typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) throw new Error(`tensor ${name} has no dtype, shape or data_offsets`);
    const elements = e.shape.reduce((n, d) => n * d, 1);
    const bytes = e.data_offsets[1] - e.data_offsets[0];
    summary.bytesByDtype[e.dtype] = (summary.bytesByDtype[e.dtype] ?? 0) + bytes;
    summary.elementsByDtype[e.dtype] = (summary.elementsByDtype[e.dtype] ?? 0) + elements;
    summary.packedElements += elements * (packFactor(name, e.dtype, names) - 1);
    summary.tensors++;
  }
  return summary;
}

/**
 * How many weights one stored element holds, by the layouts quantisers write: NVFP4
 * (ModelOpt: U8 `X.weight` beside `X.weight_scale`) and MXFP4 (gpt-oss: U8 `*_blocks`) pack two
 * 4-bit values per byte; AWQ/GPTQ `qweight` and compressed-tensors `weight_packed` pack eight
 * 4-bit values per I32 (4-bit assumed: the common case).
 */
export function packFactor(name: string, dtype: string, names: ReadonlySet<string>): number {
  if ((dtype === 'U8' || dtype === 'I8') && name.endsWith('.weight') && names.has(`${name}_scale`)) return 2;
  if (dtype === 'U8' && name.endsWith('_blocks')) return 2;
  if (dtype === 'I32' && (name.endsWith('.qweight') || name.endsWith('.weight_packed'))) return 8;
  return 1;
}

export function totalBytes(s: TensorSummary): number {
  return Object.values(s.bytesByDtype).reduce((a, b) => a + b, 0);
}

/**
 * Parameters as the model counts them: every stored element, a packed 4-bit byte counting
 * as two weights; quantisation scales are counted too (they are stored, and small).
 */
export function parameterCount(s: TensorSummary): number {
  return Object.values(s.elementsByDtype).reduce((a, b) => a + b, 0) + s.packedElements;
}

/** The float dtype holding most bytes: the checkpoint's own precision. */
export function dominantDtype(s: TensorSummary): string | null {
  let best: string | null = null;
  for (const [d, b] of Object.entries(s.bytesByDtype)) if (!best || b > s.bytesByDtype[best]) best = d;
  return best;
}
