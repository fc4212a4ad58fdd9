// A model's size and shape without its weights: the repo resolved as the weights stage
// resolves it (same client, token and patterns; offline from the cache), then config.json and
// each safetensors shard's header (a ranged read of its first bytes), or a GGUF's header
// through @huggingface/gguf. Files already in the host cache are read from disk instead.
import { open, readFile } from 'node:fs/promises';
import { gguf } from '@huggingface/gguf';
import { BerthError } from '../../../shared/errors.js';
import type { ModelRef } from '../../../shared/fit/find-model.js';
import type { ModelFacts } from '../../../shared/fit/estimate.js';
import { modelShape, type ModelShape } from '../../../shared/fit/model-config.js';
import { addHeader, dominantDtype, emptySummary, headerLength, parameterCount, totalBytes, type TensorSummary } from '../../../shared/fit/safetensors.js';
import type { WeightsEntry } from '../../../shared/truss/weights.js';
import { resolveEntry, type ResolvedEntry, type WeightsContext } from '../weights/fetch-weights.js';
import { blobPath } from '../weights/hf-cache.js';
import { hubError, hubFetch, unreachable, type HubFile } from '../weights/hub-client.js';

/** First read of a shard: the length and, for nearly every real header, the whole header. */
const FIRST_READ_BYTES = 64 * 1024;
const PARALLEL_READS = 8;

/** Reads byte ranges of one repo file, from the cache when it holds it, else from the Hub. */
class RepoReader {
  private readonly fetch: typeof fetch;
  constructor(
    private readonly r: ResolvedEntry,
    private readonly ctx: WeightsContext,
  ) {
    this.fetch = hubFetch(ctx.endpoint, r.auth.token);
  }

  cachedPath(f: HubFile): string | null {
    return this.r.missing.has(f.etag) ? null : blobPath(this.ctx.cacheDir, this.r.entry.repoId, f.etag);
  }

  url(f: HubFile): string {
    return `${this.ctx.endpoint}/${this.r.entry.repoId}/resolve/${this.r.commit}/${f.path.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Bytes [start, end) of a file; never more than asked, even from a server that ignores Range. */
  async range(f: HubFile, start: number, end: number): Promise<Buffer> {
    end = Math.min(end, f.size);
    if (end <= start) return Buffer.alloc(0);
    const local = this.cachedPath(f);
    if (local) {
      const h = await open(local, 'r');
      try {
        const buf = Buffer.alloc(end - start);
        const { bytesRead } = await h.read(buf, 0, buf.length, start);
        return buf.subarray(0, bytesRead);
      } finally {
        await h.close();
      }
    }
    const res = await this.get(f, this.url(f), { headers: { range: `bytes=${start}-${end - 1}` } });
    if (!res.body) throw await hubError(res, { repoId: this.r.entry.repoId, revision: this.r.entry.revision, path: f.path }, this.r.auth, this.ctx.endpoint);
    // A 200 is the whole file: take the bytes asked for and stop reading.
    const skip = res.status === 206 ? 0 : start;
    const want = end - start;
    const chunks: Buffer[] = [];
    let got = 0;
    const reader = res.body.getReader();
    try {
      while (got < skip + want) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(Buffer.from(value));
        got += value.byteLength;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    return Buffer.concat(chunks).subarray(skip, skip + want);
  }

  /**
   * A Hub request about file f: bounded by the estimate's signal, an unreachable Hub and the
   * Hub's error answers as Berth's errors (gated repos list their files to anyone; reading one
   * needs the token, and GatedRepo says which secret to set).
   */
  async get(f: HubFile, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetch(input, { ...init, signal: this.ctx.signal });
    } catch (err) {
      throw this.ctx.signal?.aborted ? err : unreachable(err, this.ctx.endpoint);
    }
    if (!res.ok) throw await hubError(res, { repoId: this.r.entry.repoId, revision: this.r.entry.revision, path: f.path }, this.r.auth, this.ctx.endpoint);
    return res;
  }

  async text(f: HubFile): Promise<string> {
    const local = this.cachedPath(f);
    if (local) return readFile(local, 'utf8');
    return (await this.range(f, 0, f.size)).toString('utf8');
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

async function readShardHeader(reader: RepoReader, f: HubFile, into: TensorSummary): Promise<void> {
  const head = await reader.range(f, 0, FIRST_READ_BYTES);
  const n = headerLength(head);
  const json = 8 + n <= head.length ? head.subarray(8, 8 + n) : Buffer.concat([head.subarray(8), await reader.range(f, head.length, 8 + n)]);
  try {
    addHeader(into, json.toString('utf8'));
  } catch (err) {
    throw new BerthError('WEIGHTS_FAILED', `${f.path} does not have a readable safetensors header (${(err as Error).message}).`, 'The estimate needs safetensors or GGUF weights; the model itself may still run.');
  }
}

/** The synthetic entry for a model the start command names without a weights entry. */
function commandEntry(m: ModelRef): WeightsEntry {
  return { key: 'model_cache', index: -1, repoId: m.repoId, revision: m.revision, allowPatterns: [], ignorePatterns: [], dialect: 'truss', target: null, secretName: 'hf_access_token' };
}

function underPrefix(files: HubFile[], prefix: string): HubFile[] {
  return prefix ? files.filter((f) => f.path.startsWith(`${prefix}/`)) : files;
}

const topLevel = (files: HubFile[], prefix: string) => files.filter((f) => !f.path.slice(prefix ? prefix.length + 1 : 0).includes('/'));

export async function readModelFacts(m: ModelRef, ctx: WeightsContext): Promise<ModelFacts> {
  const r = await resolveEntry(m.entry ?? commandEntry(m), ctx);
  const reader = new RepoReader(r, ctx);
  const model = `${m.repoId}@${m.revision}`;
  const common = { model, via: m.via, commit: r.commit, readFrom: r.offline ? ('cache' as const) : ('hub' as const) };
  // The command may name a file (a GGUF) or a folder inside the repo.
  const file = m.file ? r.files.find((f) => f.path === m.file) : undefined;
  const prefix = m.file && !file ? m.file.replace(/\/+$/, '') : '';
  const files = underPrefix(r.files, prefix);
  const ggufs = files.filter((f) => f.path.endsWith('.gguf'));
  if (file?.path.endsWith('.gguf') || (!files.some((f) => f.path.endsWith('.safetensors')) && ggufs.length)) {
    // `-hf org/repo:Q4_K_M` picks by quantisation (the first shard of a split GGUF).
    const byQuant = m.quant ? ggufs.filter((g) => g.path.toLowerCase().includes(m.quant!.toLowerCase()) && !/-0000[2-9]-of-/.test(g.path)) : [];
    const pick = file ?? (byQuant.length === 1 ? byQuant[0] : ggufs.length === 1 ? ggufs[0] : null);
    if (!pick) throw new BerthError('FIT_UNKNOWN', `${m.repoId} holds ${ggufs.length} GGUF files and the command ${m.quant ? `matches ${byQuant.length} of them with :${m.quant}` : 'names none of them'}.`, 'Name the file in the command (llama.cpp -m PATH or --hf-file FILE).');
    return { ...common, ...(await readGguf(reader, pick)) };
  }

  const shape = await readShape(reader, files, prefix);
  const index = files.find((f) => f.path === (prefix ? `${prefix}/` : '') + 'model.safetensors.index.json');
  let shards: HubFile[];
  if (index) {
    const map = (JSON.parse(await reader.text(index)) as { weight_map?: Record<string, string> }).weight_map ?? {};
    const names = new Set(Object.values(map).map((n) => (prefix ? `${prefix}/${n}` : n)));
    shards = files.filter((f) => names.has(f.path));
  } else {
    const all = topLevel(files, prefix).filter((f) => f.path.endsWith('.safetensors'));
    // Mistral repos carry both layouts; Transformers' files are the ones vLLM loads by default.
    const hf = all.filter((f) => !/(^|\/)consolidated[^/]*\.safetensors$/.test(f.path));
    shards = hf.length ? hf : all;
  }
  if (!shards.length) {
    const bins = topLevel(files, prefix).filter((f) => /\.(bin|pt|pth)$/.test(f.path));
    if (!bins.length) throw new BerthError('FIT_UNKNOWN', `${m.repoId}@${r.commit.slice(0, 12)} has no safetensors, GGUF or PyTorch weights${prefix ? ` under ${prefix}/` : ''}.`, 'Check the repo and the patterns of the weights entry.');
    const bytes = bins.reduce((n, f) => n + f.size, 0);
    return { ...common, format: 'pytorch', weightsBytes: bytes, weightsByDtype: { unknown: bytes }, parameterCount: null, storedDtype: null, ...shape, approximations: ['PyTorch .bin weights: their size is the files\' size; dtypes and parameters are not read'] };
  }
  const summary = emptySummary();
  await mapLimit(shards, PARALLEL_READS, (f) => readShardHeader(reader, f, summary));
  return {
    ...common,
    format: 'safetensors',
    weightsBytes: totalBytes(summary),
    weightsByDtype: summary.bytesByDtype,
    parameterCount: parameterCount(summary),
    storedDtype: dominantDtype(summary),
    ...shape,
    approximations: [],
  };
}

async function readShape(reader: RepoReader, files: HubFile[], prefix: string): Promise<{ shape: ModelShape | null; shapeError?: string }> {
  const at = (name: string) => files.find((f) => f.path === (prefix ? `${prefix}/` : '') + name);
  const cfg = at('config.json') ?? at('params.json');
  if (!cfg) return { shape: null, shapeError: 'the repo has no config.json' };
  let raw: unknown;
  try {
    raw = JSON.parse(await reader.text(cfg));
  } catch {
    return { shape: null, shapeError: `${cfg.path} is not valid JSON` };
  }
  const s = modelShape(raw);
  return 'shape' in s ? { shape: s.shape } : { shape: null, shapeError: s.error };
}

/**
 * fetch for @huggingface/gguf's ranged reads, through the reader's Hub request; a server that
 * ignores Range is refused rather than read to the end (that would download the weights).
 */
function ggufFetch(reader: RepoReader, f: HubFile): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const res = await reader.get(f, input, init);
    if (new Headers(init.headers).has('range') && res.status !== 206) {
      await res.body?.cancel().catch(() => {});
      throw new BerthError('FIT_UNKNOWN', `The Hub answered a ranged read of ${f.path} with the whole file (${res.status}).`, 'Berth reads only the header for an estimate and will not download the weights for it; use a Hub or mirror that supports Range requests.');
    }
    return res;
  }) as typeof fetch;
}

async function readGguf(reader: RepoReader, f: HubFile): Promise<Omit<ModelFacts, 'model' | 'via' | 'commit' | 'readFrom'>> {
  const local = reader.cachedPath(f);
  const parsed = local
    ? await gguf(local, { allowLocalFile: true, computeParametersCount: true })
    : await gguf(reader.url(f), { fetch: ggufFetch(reader, f), computeParametersCount: true });
  const md = parsed.metadata as unknown as Record<string, unknown>;
  const arch = String(md['general.architecture'] ?? '');
  const n = (k: string): number | null => {
    const v = md[`${arch}.${k}`];
    const x = Array.isArray(v) ? Math.max(...v.map(Number)) : typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : null;
    return x !== null && Number.isFinite(x) && x > 0 ? x : null;
  };
  // Tensor data runs from the data offset to the end of the file: the weights exactly as stored.
  const weightsBytes = f.size - Number(parsed.tensorDataOffset);
  const layers = n('block_count');
  const heads = n('attention.head_count');
  const hidden = n('embedding_length');
  let shape: ModelShape | null = null;
  if (layers && heads && hidden) {
    const sliding = n('attention.sliding_window');
    shape = {
      architecture: arch || null,
      layers,
      attentionLayers: layers,
      // GGUF does not say which layers slide: counted full length, an upper bound.
      slidingLayers: 0,
      window: sliding,
      kvUpperBound: sliding !== null,
      heads,
      kvHeads: n('attention.head_count_kv') ?? heads,
      headDim: n('attention.key_length') ?? hidden / heads,
      hidden,
      intermediate: n('feed_forward_length'),
      vocab: null,
      maxContext: n('context_length'),
      dtype: null,
      mla: null,
      approximations: sliding ? [`sliding-window attention (${sliding} tokens): the KV figure assumes full-length layers, an upper bound`] : [],
      quantization: 'gguf',
    };
  }
  return {
    format: 'gguf',
    weightsBytes,
    weightsByDtype: { GGUF: weightsBytes },
    parameterCount: parsed.parameterCount,
    storedDtype: 'GGUF',
    shape,
    ...(shape ? {} : { shapeError: `the GGUF header states no ${arch || 'model'} block_count / head_count / embedding_length` }),
    approximations: [],
  };
}
