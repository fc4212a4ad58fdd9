// The weights stage against the Hub stand-in (real HTTP, real files, no engine needed):
// the cache layout other clients read, parallel ranged downloads, resume, integrity, the
// token's reach, every error a user meets, offline starts and a disk that fills up.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scanCacheDir } from '@huggingface/hub';
import { startHub } from '../../fixtures/hub/server.mjs';
import { placeInHfCache } from '../../fixtures/hub/hf-cache.mjs';
import { runWeightsStage, type StageOptions } from '../../../electron/engine/weights/fetch-weights.js';
import { partialPaths, resumableBytes } from '../../../electron/engine/weights/blob-download.js';
import type { WeightsEntry } from '../../../shared/truss/weights.js';
import type { WeightsProgress } from '../../../shared/api/types.js';
import { BerthError } from '../../../shared/errors.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';

type Hub = Awaited<ReturnType<typeof startHub>>;
const MiB = 1 << 20;
const TOKEN = 'hf_accepted_token_0123456789';

let hub: Hub;
let tmp: TempDir;
let info: Record<string, ReturnType<Hub['addRepo']>>;

function entry(repoId: string, over: Partial<WeightsEntry> = {}): WeightsEntry {
  return { key: 'model_cache', index: 0, repoId, revision: 'main', allowPatterns: [], ignorePatterns: [], dialect: 'truss', target: '/app/model_cache/m', secretName: 'hf_access_token', ...over };
}

let n = 0;
function opts(over: Partial<StageOptions> & { token?: string | null } = {}): StageOptions & { cacheDir: string } {
  const root = path.join(tmp.dir, `run-${++n}`);
  const cacheDir = over.cacheDir ?? path.join(root, 'hub');
  const { token, ...rest } = over;
  return {
    cacheDir,
    endpoint: hub.url,
    authFor: async (e) => ({ token: token ?? null, source: token ? 'secret hf_access_token' : null, secretName: e.secretName }),
    viewDir: path.join(root, 'views', 'dep'),
    chunkBytes: 1 * MiB,
    connections: 8,
    ...rest,
  };
}

async function failure(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (err) {
    return err as BerthError;
  }
  throw new Error('expected the stage to fail');
}

const sha256 = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

beforeAll(async () => {
  tmp = tmpDir('berth-weights-stage-');
  hub = await startHub({ pageSize: 2 });
  info = {
    plain: hub.addRepo({ id: 'org/plain', commits: [{ files: { 'config.json': '{"a":1}', 'model.safetensors': { size: 5 * MiB + 123, seed: 1 }, 'sub/dir/tok.json': '{}', 'original/big.pth': { size: MiB, seed: 2 }, 'README.md': 'hi' } }, { files: { 'config.json': '{"a":2}' } }] }),
    gated: hub.addRepo({ id: 'org/gated', gated: true, acceptedTokens: [TOKEN], commits: [{ files: { 'config.json': '{}', 'model.safetensors': { size: 3 * MiB, seed: 3 } } }] }),
  };
});

afterAll(async () => {
  await hub?.close();
  tmp?.cleanup();
});

afterEach(() => hub.setFault(null));

describe('weights stage: download into the shared Hugging Face cache', () => {
  it('fetches the kept files with ranged parallel requests into the standard layout, read back by @huggingface/hub', async () => {
    const o = opts();
    const before = hub.counters.bodyBytes;
    const ranges = hub.counters.rangeRequests;
    const progress: WeightsProgress[] = [];
    const r = await runWeightsStage([entry('org/plain', { ignorePatterns: ['original/*', '*.md'] })], { ...o, onProgress: (p) => progress.push(p) });
    const commit = info.plain.branches.main;
    expect(r.entries[0].commit).toBe(commit);
    const files = info.plain.commits[1].files;
    const kept = ['config.json', 'model.safetensors', 'sub/dir/tok.json'];
    expect(r.entries[0].files.map((f) => f.path).sort()).toEqual(kept);
    // Every byte once, in many ranges: a 5 MiB file in 1 MiB chunks.
    expect(hub.counters.bodyBytes - before).toBe(kept.reduce((s, p) => s + files[p].size, 0));
    expect(hub.counters.rangeRequests - ranges).toBeGreaterThanOrEqual(6);
    expect(r.downloadedBytes).toBe(hub.counters.bodyBytes - before);

    const repo = path.join(o.cacheDir, 'models--org--plain');
    expect(fs.readFileSync(path.join(repo, 'refs/main'), 'utf8')).toBe(commit);
    expect(fs.readlinkSync(path.join(repo, 'snapshots', commit, 'sub/dir/tok.json'))).toBe(`../../../../blobs/${files['sub/dir/tok.json'].sha1}`);
    expect(fs.readlinkSync(path.join(repo, 'snapshots', commit, 'model.safetensors'))).toBe(`../../blobs/${files['model.safetensors'].sha256}`);
    expect(sha256(path.join(repo, 'blobs', files['model.safetensors'].sha256))).toBe(files['model.safetensors'].sha256);
    expect(fs.existsSync(path.join(repo, 'snapshots', commit, 'original'))).toBe(false);
    expect(fs.readdirSync(path.join(repo, 'blobs')).filter((f) => f.includes('partial'))).toEqual([]);

    const scan = await scanCacheDir(o.cacheDir);
    expect(scan.warnings).toEqual([]);
    expect(scan.repos.map((x) => x.id)).toEqual([{ name: 'org/plain', type: 'model' }]);
    expect(scan.repos[0].revisions[0]).toMatchObject({ commitOid: commit, refs: ['main'] });
    // The scanner sizes a snapshot by its top-level files only (its own limit), so nested ones are left out here.
    expect(scan.repos[0].size).toBe(files['config.json'].size + files['model.safetensors'].size);

    // The view: real files (hardlinks, same inode as the blob), nested paths kept, and a manifest.
    const view = path.join(o.viewDir!, 'model_cache-0');
    const blobIno = fs.statSync(path.join(repo, 'blobs', files['model.safetensors'].sha256)).ino;
    expect(fs.lstatSync(path.join(view, 'model.safetensors')).isFile()).toBe(true);
    expect(fs.statSync(path.join(view, 'model.safetensors')).ino).toBe(blobIno);
    expect(fs.readFileSync(path.join(view, 'sub/dir/tok.json'), 'utf8')).toBe('{}');
    expect(fs.readFileSync(path.join(o.viewDir!, 'weights.manifest'), 'utf8').trim().split('\n').sort()).toEqual([
      `${files['config.json'].size}\t/app/model_cache/m/config.json`,
      `${files['model.safetensors'].size}\t/app/model_cache/m/model.safetensors`,
      `${files['sub/dir/tok.json'].size}\t/app/model_cache/m/sub/dir/tok.json`,
    ].sort());
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ doneBytes: last.totalBytes, filesDone: 3, filesTotal: 3 });

    // A second start transfers no file content.
    const again = hub.counters.bodyBytes;
    const r2 = await runWeightsStage([entry('org/plain', { ignorePatterns: ['original/*', '*.md'] })], o);
    expect(hub.counters.bodyBytes).toBe(again);
    expect(r2.downloadedBytes).toBe(0);
  });

  it('reuses what another client put in the cache (standard layout), byte for byte, and pins an older commit by sha', async () => {
    const o = opts();
    const old = info.plain.commits[0];
    const contents = { 'config.json': '{"a":1}', 'sub/dir/tok.json': '{}' };
    placeInHfCache(o.cacheDir, 'org/plain', old.sha, contents, { ref: null });
    const before = hub.counters.bodyBytes;
    const r = await runWeightsStage([entry('org/plain', { revision: old.sha, allowPatterns: ['*.json'] })], o);
    expect(r.entries[0].commit).toBe(old.sha);
    expect(hub.counters.bodyBytes).toBe(before);
    expect(r.downloadedBytes).toBe(0);
  });

  it('weights use glob rules: * stays in one folder, ** crosses', async () => {
    const r = await runWeightsStage([entry('org/plain', { key: 'weights', dialect: 'glob', allowPatterns: ['*.json'], target: '/models/p' })], opts());
    expect(r.entries[0].files.map((f) => f.path)).toEqual(['config.json']);
    const deep = await runWeightsStage([entry('org/plain', { key: 'weights', dialect: 'glob', allowPatterns: ['**/*.json'], target: '/models/p' })], opts());
    expect(deep.entries[0].files.map((f) => f.path).sort()).toEqual(['config.json', 'sub/dir/tok.json']);
  });

  it('retries a connection cut mid-body from the byte it reached, and the file still verifies', async () => {
    const o = opts();
    hub.setFault({ cutAfterBytes: 300_000 });
    const lines: string[] = [];
    const r = await runWeightsStage([entry('org/plain', { allowPatterns: ['model.safetensors'] })], { ...o, chunkBytes: 2 * MiB, onLine: (l) => lines.push(l) });
    const f = info.plain.commits[1].files['model.safetensors'];
    expect(sha256(path.join(o.cacheDir, 'models--org--plain/blobs', f.sha256))).toBe(f.sha256);
    expect(lines.some((l) => /retrying org\/plain\/model.safetensors from byte \d+/.test(l))).toBe(true);
    expect(r.downloadedBytes).toBe(f.size);
  });

  it('resumes after an interruption: only the missing chunks are fetched, never a holed file taken for whole', async () => {
    const o = opts();
    const f = info.plain.commits[1].files['model.safetensors'];
    const blob = path.join(o.cacheDir, 'models--org--plain/blobs', f.sha256);
    const slow = await startHub({ perConnBytesPerSec: 2e6 });
    slow.addRepo({ id: 'org/plain', commits: [{ files: { 'config.json': '{"a":1}', 'model.safetensors': { size: 5 * MiB + 123, seed: 1 }, 'sub/dir/tok.json': '{}', 'original/big.pth': { size: MiB, seed: 2 }, 'README.md': 'hi' } }, { files: { 'config.json': '{"a":2}' } }] });
    try {
      const ac = new AbortController();
      const e = entry('org/plain', { allowPatterns: ['model.safetensors'] });
      const run = runWeightsStage([e], { ...o, endpoint: slow.url, connections: 2, signal: ac.signal, onProgress: (p) => p.doneBytes > 2.2 * MiB && ac.abort() });
      await expect(run).rejects.toBeTruthy();
      const { data, state } = partialPaths(blob);
      expect(fs.existsSync(blob)).toBe(false);
      expect(fs.existsSync(data)).toBe(true);
      const kept = await resumableBytes(blob, f.size);
      expect(kept).toBeGreaterThanOrEqual(2 * MiB);
      const before = slow.counters.bodyBytes;
      const r = await runWeightsStage([e], { ...o, endpoint: slow.url });
      const fetched = slow.counters.bodyBytes - before;
      // Exactly what was not on disk (whole chunks, and how far each unfinished one had got).
      expect(fetched).toBe(f.size - kept);
      expect(r.downloadedBytes).toBe(fetched);
      expect(sha256(blob)).toBe(f.sha256);
      expect(fs.existsSync(data) || fs.existsSync(state)).toBe(false);
    } finally {
      await slow.close();
    }
  });

  it('a partial whose record claims every chunk but whose bytes are wrong fails its hash and is discarded', async () => {
    const o = opts();
    const f = info.plain.commits[1].files['model.safetensors'];
    const blob = path.join(o.cacheDir, 'models--org--plain/blobs', f.sha256);
    const { data, state } = partialPaths(blob);
    fs.mkdirSync(path.dirname(blob), { recursive: true });
    fs.writeFileSync(data, Buffer.alloc(f.size)); // a file of holes
    fs.writeFileSync(state, JSON.stringify({ size: f.size, chunkBytes: MiB, done: [0, 1, 2, 3, 4, 5] }));
    const e = entry('org/plain', { allowPatterns: ['model.safetensors'] });
    const err = await failure(runWeightsStage([e], o));
    expect(err.code).toBe('WEIGHTS_FAILED');
    expect(err.message).toMatch(/did not match its sha256/);
    expect(fs.existsSync(blob)).toBe(false);
    expect(fs.existsSync(data)).toBe(false);
    await runWeightsStage([e], o);
    expect(sha256(blob)).toBe(f.sha256);
  });
});

describe('weights stage: tokens and errors', () => {
  it('gated: no token says to accept the license and set the secret; an unaccepted token says so; an accepted one works without reaching the CDN', async () => {
    const none = await failure(runWeightsStage([entry('org/gated')], opts()));
    expect(none.code).toBe('WEIGHTS_GATED');
    expect(none.message).toBe('org/gated is a gated repo and no Hugging Face token was given.');
    expect(none.hint).toContain(`Accept the license at ${hub.url}/org/gated and set the secret hf_access_token: \`berth secrets set hf_access_token\``);
    const wrong = await failure(runWeightsStage([entry('org/gated')], opts({ token: 'hf_not_accepted_000' })));
    expect(wrong.code).toBe('WEIGHTS_GATED');
    expect(wrong.message).toMatch(/token from secret hf_access_token has no access to it \(403\)/);

    const seen = hub.counters.authSeenOnHub;
    const refused = hub.counters.cdnAuthRefused;
    const o = opts({ token: TOKEN });
    await runWeightsStage([entry('org/gated')], o);
    expect(hub.counters.authSeenOnHub).toBeGreaterThan(seen);
    // The token went to the hub's host only: the CDN (another origin) never refused one.
    expect(hub.counters.cdnAuthRefused).toBe(refused);
    expect(fs.existsSync(path.join(o.cacheDir, 'models--org--gated/blobs', info.gated.commits[0].files['model.safetensors'].sha256))).toBe(true);
  });

  it('names a missing repo, revision, or a pattern set that keeps nothing', async () => {
    const repo = await failure(runWeightsStage([entry('org/nope')], opts()));
    expect([repo.code, repo.message]).toEqual(['WEIGHTS_NOT_FOUND', `Hugging Face repo org/nope was not found at ${hub.url} (a private repo also answers this without a token).`]);
    const rev = await failure(runWeightsStage([entry('org/plain', { revision: 'v9' })], opts()));
    expect([rev.code, rev.message]).toEqual(['WEIGHTS_NOT_FOUND', 'Revision v9 of org/plain was not found.']);
    const none = await failure(runWeightsStage([entry('org/plain', { allowPatterns: ['*.gguf'], ignorePatterns: ['*.md'] })], opts()));
    expect(none.code).toBe('WEIGHTS_NOT_FOUND');
    expect(none.message).toMatch(/^No files matched in org\/plain@main \(5 files at [0-9a-f]{12}\): allow_patterns=\["\*\.gguf"\], ignore_patterns=\["\*\.md"\]\.$/);
  });

  it('without the Hub: a cached repo starts with a warning, an uncached one says to connect once', async () => {
    const o = opts();
    const e = entry('org/plain', { allowPatterns: ['*.json'] });
    await runWeightsStage([e], o);
    const down = await startHub();
    const endpoint = down.url;
    await down.close();
    const r = await runWeightsStage([e], { ...o, endpoint });
    expect(r.entries[0]).toMatchObject({ offline: true, commit: info.plain.branches.main });
    expect(r.warnings.join('\n')).toMatch(/unreachable: using org\/plain@[0-9a-f]{12} from the cache/);
    expect(fs.existsSync(path.join(o.viewDir!, 'model_cache-0/sub/dir/tok.json'))).toBe(true);
    const cold = await failure(runWeightsStage([e], { ...opts(), endpoint }));
    expect(cold.code).toBe('WEIGHTS_UNREACHABLE');
    expect(cold.message).toMatch(/is unreachable \(ECONNREFUSED\), and org\/plain@main is not in the Hugging Face cache/);
  });
});

describe('weights stage: disk space', () => {
  let mnt: string;
  beforeAll(() => {
    mnt = path.join(tmp.dir, 'small-disk');
    fs.mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`these tests mount a 4 MiB tmpfs as the cache disk and need root (CI runs as root): ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    }
  });
  afterAll(() => {
    if (mnt) execFileSync('umount', [mnt]);
  });

  it('refuses before the first byte when the cache disk is too small', async () => {
    const before = hub.counters.bodyBytes;
    const err = await failure(runWeightsStage([entry('org/plain')], opts({ cacheDir: path.join(mnt, 'a', 'hub') })));
    expect(err.code).toBe('WEIGHTS_DISK_FULL');
    expect(err.message).toMatch(/^The weights need 6\.\d MiB more in .*small-disk\/a\/hub, which has 4(\.0)? MiB free\.$/);
    expect(hub.counters.bodyBytes).toBe(before);
  });

  it('a disk that fills up mid-download fails clearly, keeps the partial data, and resumes once space is back', async () => {
    const slow = await startHub({ perConnBytesPerSec: 2e6 });
    slow.addRepo({ id: 'org/fill', commits: [{ files: { 'model.safetensors': { size: 3 * MiB, seed: 9 } } }] });
    const cacheDir = path.join(mnt, 'b', 'hub');
    const filler = path.join(mnt, 'filler');
    const e = entry('org/fill');
    try {
      let filled = false;
      const err = await failure(runWeightsStage([e], opts({ cacheDir, endpoint: slow.url, connections: 1, onProgress: (p) => {
        if (!filled && p.doneBytes > MiB) {
          filled = true;
          // Another program takes the rest of the disk while Berth downloads.
          try {
            fs.writeFileSync(filler, Buffer.alloc(3 * MiB));
          } catch {
            /* the disk is full now, which is the point */
          }
        }
      } })));
      expect(err.code).toBe('WEIGHTS_DISK_FULL');
      expect(err.message).toMatch(/filled up while downloading org\/fill\/model.safetensors/);
      expect(err.hint).toMatch(/resumes/);
      const blob = path.join(cacheDir, 'models--org--fill/blobs', slow.repoInfo('org/fill')!.commits[0].files['model.safetensors'].sha256);
      expect(fs.existsSync(partialPaths(blob).state)).toBe(true);
      fs.rmSync(filler, { force: true });
      const before = slow.counters.bodyBytes;
      await runWeightsStage([e], opts({ cacheDir, endpoint: slow.url }));
      expect(slow.counters.bodyBytes - before).toBeLessThan(3 * MiB);
      expect(fs.statSync(blob).size).toBe(3 * MiB);
    } finally {
      fs.rmSync(filler, { force: true });
      await slow.close();
    }
  });
});
