// Every real truss-examples config that uses model_cache or weights, with only its image
// swapped for the stand-in, run through `berth run` (a real child process, the real engine,
// the Hub stand-in as HF_ENDPOINT). The stand-in server in the container starts only if the
// files its config promised are there, intact, and the dropped ones are not (--model-check).
// Then: a second start transfers nothing, an offline start works from the cache, a SIGKILLed
// Berth resumes its download, two deployments share one repo, a non-root user reads it all.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanCacheDir } from '@huggingface/hub';
import { startHub } from '../../fixtures/hub/server.mjs';
import { conformanceRepos } from '../../fixtures/hub/conformance-repos.mjs';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { MODEL_SERVER_IMAGE } from '../../helpers/docker.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { berthCli, type Child } from '../../helpers/berth-cli.js';
import { removeInstance, writeFastSettings } from '../supervisor/support.js';

const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLES = path.resolve(ROOT, '../shared/conformance/truss-examples');
const TOKEN = 'hf_berth_conformance_accepted_token';
const repos = conformanceRepos(TOKEN);

type Hub = Awaited<ReturnType<typeof startHub>>;
let hub: Hub;
let tmp: TempDir;
let home: string;
let cacheDir: string;
const children: ChildProcess[] = [];

/** The real config with base_image.image swapped, in its own truss folder. */
function truss(file: string, name = file.replace(/\.yaml$/, ''), edit?: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
  doc.setIn(['base_image', 'image'], MODEL_SERVER_IMAGE);
  edit?.(doc);
  const dir = path.join(tmp.dir, 'trusses', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.yaml'), doc.toString());
  return dir;
}

function run(dir: string, env: Record<string, string> = {}): Child {
  const c = berthCli(['run', '--cpu', '--port', '0', dir], { BERTH_HOME: home, HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.url, ...env });
  children.push(c.proc);
  return c;
}

async function stop(c: Child): Promise<void> {
  c.proc.kill('SIGINT');
  expect(await c.exited).toBe(0);
}

async function ready(c: Child): Promise<string> {
  await c.waitFor(/is ready after/, 90_000);
  return (await c.waitFor(/endpoints: (http:\/\/127\.0\.0\.1:\d+)/, 5_000))[1];
}

beforeAll(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  if (!fs.existsSync(EXAMPLES)) throw new Error(`the real configs are missing: ${EXAMPLES} (../shared beside the checkout)`);
  tmp = tmpDir('berth-weights-run-');
  // A home folder a non-root container user can traverse, as ~/.cache usually is.
  fs.chmodSync(tmp.dir, 0o755);
  home = path.join(tmp.dir, 'home');
  cacheDir = path.join(tmp.dir, 'hf', 'hub');
  writeFastSettings(home, { shareHfCache: true });
  await new SecretStore({ file: path.join(home, 'secrets.json') }).set('hf_access_token', TOKEN);
  hub = await startHub({ perConnBytesPerSec: 20e6 });
  for (const r of Object.values(repos)) hub.addRepo(r);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeInstance(home);
  await hub?.close();
  tmp?.cleanup();
});

describe('the real model_cache / weights configs reach Ready through berth run', () => {
  for (const file of Object.keys(repos)) {
    it(file, async () => {
      const c = run(truss(file));
      const url = await ready(c);
      const out = c.output();
      expect(out).toMatch(/fetching_weights\s+fetching weights: /);
      expect(out).toMatch(/\[weights\] weights ready \(downloaded [\d.]+ MiB in [\d.]+ s\)/);
      expect(out).toMatch(/FIXTURE_MODEL_CHECK ok \S+ \d+ files verified/);
      if (/truss-transfer-cli &&/.test(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'))) {
        expect(out).toMatch(/truss-transfer-cli \(Berth\): all \d+ files present/);
      }
      // Through the gateway, Baseten's sync route reaches the served model.
      const models = await fetch(`${url}/production/sync/v1/models`).then((r) => r.json() as Promise<{ data: Array<{ id: string }> }>);
      const served = /--served-model-name\s+(\S+)/.exec(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'))?.[1];
      if (served) expect(models.data[0].id).toBe(served);
      await stop(c);
    });
  }
});

describe('weights across starts', () => {
  const tei = '11-embeddings-reranker-classification-tensorrt_TEI-baai-bge-reranker-large.yaml';

  it('a second start transfers no file content; the cache is what huggingface_hub expects', async () => {
    const before = hub.counters.bodyBytes;
    const c = run(truss(tei, 'tei-again'));
    await ready(c);
    expect(hub.counters.bodyBytes).toBe(before);
    expect(c.output()).toMatch(/weights ready \(all from the cache\)/);
    await stop(c);
    const scan = await scanCacheDir(cacheDir);
    expect(scan.warnings.map((w) => w.message)).toEqual([]);
    expect(scan.repos.map((r) => r.id.name).sort()).toEqual(Object.values(repos).map((r) => r.id).sort());
  });

  it('with the Hub unreachable, a cached config still starts, with a warning', async () => {
    const c = run(truss(tei, 'tei-offline'), { HF_ENDPOINT: 'http://127.0.0.1:9' });
    await ready(c);
    expect(c.output()).toMatch(/\[weights\] warning: the Hub at http:\/\/127\.0\.0\.1:9 is unreachable: using BAAI\/bge-reranker-large@[0-9a-f]{12} from the cache/);
    await stop(c);
  });

  it('a gated repo without the secret fails before any container, saying what to do', async () => {
    const otherHome = path.join(tmp.dir, 'home-no-secret');
    writeFastSettings(otherHome, { shareHfCache: true });
    // The config declares hf_access_token; set it to a token the repo owner has not accepted.
    await new SecretStore({ file: path.join(otherHome, 'secrets.json') }).set('hf_access_token', 'hf_not_accepted');
    const c = berthCli(['run', '--cpu', '--port', '0', truss('qwen_qwen-3.5-9b.yaml', 'qwen-gated')], { BERTH_HOME: otherHome, HF_HUB_CACHE: path.join(tmp.dir, 'hf-cold', 'hub'), HF_ENDPOINT: hub.url });
    children.push(c.proc);
    expect(await c.exited).toBe(1);
    expect(c.output()).toMatch(/failed.*Qwen\/Qwen3\.5-9B is a gated repo and the token from secret hf_access_token has no access to it \(403\)/);
    expect(c.output()).toContain(`Accept the license at ${hub.url}/Qwen/Qwen3.5-9B`);
    expect(c.output()).not.toMatch(/waiting_for_startup/);
    await removeInstance(otherHome);
  });

  it('two deployments naming one repo share its download and both reach Ready', async () => {
    const shared = path.join(tmp.dir, 'hf-shared', 'hub');
    const before = hub.counters.bodyBytes;
    const a = run(truss(tei, 'tei-a'), { HF_HUB_CACHE: shared });
    const b = run(truss(tei, 'tei-b'), { HF_HUB_CACHE: shared });
    await Promise.all([ready(a), ready(b)]);
    const r = hub.repoInfo('BAAI/bge-reranker-large')!;
    const kept = ['config.json', 'model.safetensors', 'tokenizer.json', 'sub/special_tokens_map.json'];
    expect(hub.counters.bodyBytes - before).toBe(kept.reduce((n, p) => n + r.commits[0].files[p].size, 0));
    await Promise.all([stop(a), stop(b)]);
  });

  it('a non-root run_as_user_id reads the weights and finds a repo by id in the shared cache', async () => {
    const c = run(truss('nemotron_Llama-3-1-Nemotron-Nano-VL-8B-V1.yaml', 'nemotron-uid', (doc) => doc.setIn(['docker_server', 'run_as_user_id'], 1000)));
    await ready(c);
    expect(c.output()).toMatch(/FIXTURE_MODEL_CHECK ok nvidia\/Llama-3\.1-Nemotron-Nano-VL-8B-V1 \d+ files verified/);
    await stop(c);
  });

  it('Berth killed mid-download: the next start resumes from the bytes on disk', async () => {
    const slow = await startHub({ perConnBytesPerSec: 1.5e6 });
    const big = { id: 'org/resume-me', commits: [{ files: { 'config.json': '{"model_type":"x"}', 'model.safetensors': { size: 24 << 20, seed: 77 } } }] };
    slow.addRepo(big);
    try {
      const dir = truss('deepseek_deepseek-v3.2-vllm.yaml', 'resume', (doc) => doc.setIn(['weights', 0, 'source'], 'hf://org/resume-me@main'));
      const cold = path.join(tmp.dir, 'hf-resume', 'hub');
      const first = run(dir, { HF_HUB_CACHE: cold, HF_ENDPOINT: slow.url });
      await first.waitFor(/weights \[#{6,}/, 60_000);
      first.proc.kill('SIGKILL');
      await first.exited;
      const sent = slow.counters.bodyBytes;
      expect(sent).toBeGreaterThan(4 << 20);
      const second = run(dir, { HF_HUB_CACHE: cold, HF_ENDPOINT: slow.url });
      await second.waitFor(/resuming org\/resume-me\/model.safetensors: \d+ of 25165824 bytes already downloaded/, 30_000);
      await second.waitFor(/weights ready/, 90_000);
      // What was on disk at the last save (every 0.5 s) is not fetched again: at most a few
      // MiB sent before the kill (in flight, or after that save) come a second time.
      expect(slow.counters.bodyBytes - sent).toBeLessThan((24 << 20) - sent + (3 << 20));
      second.proc.kill('SIGINT');
      await second.exited;
    } finally {
      await slow.close();
    }
  });
});
