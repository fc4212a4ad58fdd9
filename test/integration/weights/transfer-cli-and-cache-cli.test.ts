// Berth's truss-transfer-cli inside a real container with nothing but busybox sh (no bash,
// Python or Node), against the manifest format the weights stage writes; and
// `berth weights list|rm` on a real cache.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTransferCli } from '../../../electron/engine/weights/transfer-cli.js';
import { placeInHfCache } from '../../fixtures/hub/hf-cache.mjs';
import { BUSYBOX_IMAGE, docker, removeContainersByLabel } from '../../helpers/docker.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { berthCli } from '../../helpers/berth-cli.js';
import { RecentStore } from '../../../electron/engine/store/recent.js';

const ROOT = path.resolve(__dirname, '../../..');
const LABEL = { 'berth.test': 'transfer-cli' };
let tmp: TempDir;
let cli: string;

async function runIn(binds: string[], user = '0'): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({
    Image: BUSYBOX_IMAGE,
    Entrypoint: ['sh', '-c', 'truss-transfer-cli && echo SERVER-STARTS'],
    User: user,
    Labels: LABEL,
    HostConfig: { Binds: [`${cli}:/usr/local/bin/truss-transfer-cli:ro`, ...binds] },
  });
  await c.start();
  const { StatusCode } = await c.wait();
  const logs = (await c.logs({ stdout: true, stderr: true })).toString('utf8').replace(/[\x00-\x08]/g, '');
  await c.remove({ force: true });
  return { code: StatusCode, out: logs };
}

beforeAll(async () => {
  tmp = tmpDir('berth-transfer-cli-');
  fs.chmodSync(tmp.dir, 0o755);
  cli = path.join(tmp.dir, 'views', 'truss-transfer-cli');
  await ensureTransferCli(cli);
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterAll(async () => {
  await removeContainersByLabel(LABEL);
  tmp?.cleanup();
});

describe("Berth's truss-transfer-cli in a busybox-only container", () => {
  const model = () => {
    const dir = path.join(tmp.dir, 'model');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.writeFileSync(path.join(dir, 'sub', 'w eights.bin'), Buffer.alloc(4096, 1));
    return dir;
  };
  const manifest = (lines: string[]) => {
    const p = path.join(tmp.dir, `manifest-${Math.random().toString(16).slice(2)}`);
    fs.writeFileSync(p, `${lines.join('\n')}\n`);
    return p;
  };

  it('all files present with their sizes (a name with a space too): says so on stderr, exits 0, the server starts', async () => {
    const m = manifest(['2\t/app/model_cache/m/config.json', '4096\t/app/model_cache/m/sub/w eights.bin']);
    const r = await runIn([`${model()}:/app/model_cache/m:ro`, `${m}:/berth/weights.manifest:ro`], '1000');
    expect(r.code).toBe(0);
    expect(r.out).toContain('truss-transfer-cli (Berth): all 2 files present');
    expect(r.out).toContain('SERVER-STARTS');
  });

  it('a missing file or a wrong size: names each, exits 1, the server does not start', async () => {
    const m = manifest(['2\t/app/model_cache/m/config.json', '9999\t/app/model_cache/m/sub/w eights.bin', '10\t/app/model_cache/m/gone.safetensors']);
    const r = await runIn([`${model()}:/app/model_cache/m:ro`, `${m}:/berth/weights.manifest:ro`]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('/app/model_cache/m/sub/w eights.bin has 4096 bytes, expected 9999');
    expect(r.out).toContain('missing /app/model_cache/m/gone.safetensors');
    expect(r.out).toContain('2 of 3 files missing or incomplete');
    expect(r.out).not.toContain('SERVER-STARTS');
  });

  it('no manifest (a config without weights): nothing to check, exits 0', async () => {
    const r = await runIn([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('no model_cache or weights in this config; nothing to check');
    expect(r.out).toContain('SERVER-STARTS');
  });
});

describe('berth weights list|rm', () => {
  it('lists what the cache holds with the configs that use it, and removes a repo', async () => {
    const cache = path.join(tmp.dir, 'hf', 'hub');
    placeInHfCache(cache, 'org/listed', 'a'.repeat(40), { 'config.json': '{}', 'model.safetensors': Buffer.alloc(3000, 2) });
    const home = path.join(tmp.dir, 'home');
    const truss = path.join(tmp.dir, 'uses-it');
    fs.mkdirSync(truss, { recursive: true });
    fs.writeFileSync(path.join(truss, 'config.yaml'), 'model_name: uses-it\nbase_image:\n  image: x:1\ndocker_server:\n  start_command: s\n  server_port: 8000\n  predict_endpoint: /p\n  readiness_endpoint: /h\n  liveness_endpoint: /h\nweights:\n  - source: hf://org/listed@main\n    mount_location: /models/l\n');
    await new RecentStore({ file: path.join(home, 'recent.json') }).add(path.join(truss, 'config.yaml'));
    const env = { BERTH_HOME: home, HF_HUB_CACHE: cache };
    const list = berthCli(['weights', 'list', '--json'], env);
    expect(await list.exited).toBe(0);
    const inv = JSON.parse(list.output());
    expect(inv.repos.map((r: { repoId: string; files: number; sizeBytes: number; usedBy: Array<{ modelName: string }> }) => [r.repoId, r.files, r.sizeBytes, r.usedBy.map((u) => u.modelName)])).toEqual([['org/listed', 2, 3002, ['uses-it']]]);
    const text = berthCli(['weights', 'list'], env);
    expect(await text.exited).toBe(0);
    expect(text.output()).toMatch(/org\/listed\s+2\.9 KiB\s+2 files\s+aaaaaaaaaaaa \(main\)/);
    expect(text.output()).toMatch(/used by uses-it \(.*uses-it\/config\.yaml\)/);
    const rm = berthCli(['weights', 'rm', 'org/listed'], env);
    expect(await rm.exited).toBe(0);
    expect(fs.existsSync(path.join(cache, 'models--org--listed'))).toBe(false);
    const again = berthCli(['weights', 'rm', 'org/listed'], env);
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain('org/listed is not in the Hugging Face cache');
  });
});
