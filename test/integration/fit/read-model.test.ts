// Reading a model's size and shape from the Hub stand-in without its weights: GGUF headers
// through @huggingface/gguf, safetensors headers larger than the first read, a server that
// ignores Range (never read to the end), and a gated GGUF (the token hint, not a parse error).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIXTRAL_8X7B, checkpointFiles, decoderTensors } from '../../fixtures/hub/checkpoints.mjs';
import { llamaGguf } from '../../fixtures/hub/gguf-fixture.mjs';
import { startHub } from '../../fixtures/hub/server.mjs';
import { readModelFacts } from '../../../electron/engine/fit/read-model.js';
import { resolveEntry } from '../../../electron/engine/weights/fetch-weights.js';
import type { ModelRef } from '../../../shared/fit/find-model.js';
import type { WeightsContext } from '../../../electron/engine/weights/fetch-weights.js';
import { BerthError } from '../../../shared/errors.js';

type Hub = Awaited<ReturnType<typeof startHub>>;
const MiB = 2 ** 20;
const TOKEN = 'hf_read_model_token_0123456789';
let hub: Hub;
let root: string;
const tiny = llamaGguf();
const big = llamaGguf({ name: 'big' });

const ref = (repoId: string, file: string | null = null, quant: string | null = null): ModelRef => ({ repoId, revision: 'main', entry: null, file, quant, via: 'test' });
function ctx(token: string | null = null): WeightsContext {
  return { cacheDir: join(root, 'hub'), endpoint: hub.url, authFor: async () => ({ token, source: token ? 'test' : null, secretName: 'hf_access_token' }), signal: AbortSignal.timeout(20_000) };
}
async function failure(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (err) {
    return err as BerthError;
  }
  throw new Error('expected the read to fail');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'berth-read-model-'));
  hub = await startHub();
  hub.addRepo({ id: 'org/tiny-gguf', commits: [{ files: { 'README.md': '# tiny', 'tiny-Q8_0.gguf': tiny.file(), 'tiny-F16.gguf': tiny.file() } }] });
  // A real header before 256 MiB of zeros: what a whole-file read would cost.
  hub.addRepo({ id: 'org/big-gguf', commits: [{ files: { 'big.gguf': { sparse: { head: big.head, size: big.head.length + 256 * MiB } } } }] });
  hub.addRepo({ id: 'org/gated-gguf', gated: true, acceptedTokens: [TOKEN], commits: [{ files: { 'm.gguf': tiny.file() } }] });
  // Mixtral in one shard: a header of ~100 KiB, more than the first 64 KiB read.
  hub.addRepo({ id: 'org/mixtral-one-shard', commits: [{ files: checkpointFiles(MIXTRAL_8X7B, decoderTensors(MIXTRAL_8X7B), { maxShardBytes: 1e12 }) }] });
});
afterEach(() => hub.setFault(null));
afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('readModelFacts', () => {
  it('GGUF: tensor bytes from the data offset, parameters and shape from the header; picked by -hf :QUANT', async () => {
    const f = await readModelFacts(ref('org/tiny-gguf', null, 'Q8_0'), ctx());
    expect(f.format).toBe('gguf');
    expect(f.weightsBytes).toBe(tiny.dataBytes);
    expect(f.parameterCount).toBe(tiny.parameterCount);
    expect(f.shape).toMatchObject({ layers: 2, heads: 4, kvHeads: 2, headDim: 64, maxContext: 8192 });
  });
  it('GGUF: several files and no quantisation named: says which to name', async () => {
    const e = await failure(readModelFacts(ref('org/tiny-gguf'), ctx()));
    expect(e.code).toBe('FIT_UNKNOWN');
    expect(e.message).toMatch(/holds 2 GGUF files/);
  });
  it('GGUF over a server that ignores Range: refused, and the body is not read to the end', async () => {
    hub.setFault({ ignoreRange: true });
    const before = hub.counters.bodyBytes;
    const e = await failure(readModelFacts(ref('org/big-gguf'), ctx()));
    expect(e.code).toBe('FIT_UNKNOWN');
    expect(e.message).toMatch(/with the whole file/);
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.counters.bodyBytes - before).toBeLessThan(32 * MiB);
  });
  it('a gated GGUF without a token: the token hint', async () => {
    const e = await failure(readModelFacts(ref('org/gated-gguf'), ctx()));
    expect(e.code).toBe('WEIGHTS_GATED');
    expect(e.hint).toMatch(/berth secrets set hf_access_token/);
    const ok = await readModelFacts(ref('org/gated-gguf'), ctx(TOKEN));
    expect(ok.weightsBytes).toBe(tiny.dataBytes);
  });
  it('a safetensors header larger than the first read is read whole (Mixtral in one shard)', async () => {
    const f = await readModelFacts(ref('org/mixtral-one-shard'), ctx());
    expect(f.parameterCount).toBe(46_702_792_704);
    expect(hub.counters.rangeRequests).toBeGreaterThan(0);
  });
  it("a shared resolution map asks the Hub once for the weights list and the estimate (berth plan's case)", async () => {
    const shared = { ...ctx(), resolved: new Map() };
    const entry = { key: 'model_cache' as const, index: 0, repoId: 'org/mixtral-one-shard', revision: 'main', allowPatterns: [], ignorePatterns: [], dialect: 'truss' as const, target: '/app/model_cache/m', secretName: null };
    const before = hub.counters.apiRequests;
    const [listed, facts] = await Promise.all([resolveEntry(entry, shared), readModelFacts({ ...ref('org/mixtral-one-shard'), entry }, shared)]);
    expect(listed.files.length).toBeGreaterThan(0);
    expect(facts.parameterCount).toBe(46_702_792_704);
    // One revision lookup and one file listing, not one each.
    expect(hub.counters.apiRequests - before).toBe(2);
    const again = hub.counters.apiRequests;
    await readModelFacts({ ...ref('org/mixtral-one-shard'), entry }, ctx());
    expect(hub.counters.apiRequests - again).toBe(2);
  });

  it('safetensors over a server that ignores Range: still only the header is taken', async () => {
    hub.setFault({ ignoreRange: true });
    const before = hub.counters.bodyBytes;
    const f = await readModelFacts(ref('org/mixtral-one-shard'), ctx());
    expect(f.parameterCount).toBe(46_702_792_704);
    await new Promise((r) => setTimeout(r, 300));
    // The shard is 87 GiB as listed; the client stops after its header.
    expect(hub.counters.bodyBytes - before).toBeLessThan(64 * MiB);
  });
});
