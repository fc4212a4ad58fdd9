// Every catalog entry, and the wizard's config for every server it offers, run for real:
// copied out with `berth catalog copy` (the wizard's written by its pure function), image
// swapped for the fixture stand-in (which runs the real start command's server flags), weights
// from the Hub stand-in at the entry's own pinned commit (HF_ENDPOINT), then `berth run --cpu`
// (a real child process and the real engine) to Ready, and the entry's own
// example_model_input through the gateway's predict route.
// --cpu: the entries ask for an L4 and this machine has no NVIDIA runtime; an explicit CPU run
// is what a user without a GPU does, and the stand-in needs none.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '../../fixtures/hub/server.mjs';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { SERVERS } from '../../../shared/servers.js';
import { wizardConfigYaml, wizardTasks, type WizardInput } from '../../../shared/wizard/config-yaml.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { berthCli, type Child } from '../../helpers/berth-cli.js';
import { CATALOG_DIR, catalogRepos, checkAnswer, repoFor, withFixtureImage } from '../../helpers/catalog-fixtures.js';
import { MODEL_SERVER_IMAGE } from '../../helpers/docker.js';
import { removeInstance, writeFastSettings } from '../supervisor/support.js';

const ROOT = path.resolve(__dirname, '../../..');
const TOKEN = 'hf_berth_catalog_accepted_token';
const WIZARD_REPO = { repo_id: 'berth-test/tiny-model', revision: 'c0ffee'.padEnd(40, '0') };
const WIZARD_GGUF = { ...WIZARD_REPO, repo_id: 'berth-test/tiny-model-gguf', allow_patterns: ['tiny-q4_k_m.gguf'] };

let hub: Awaited<ReturnType<typeof startHub>>;
let tmp: TempDir;
let home: string;
let cacheDir: string;
const children: ChildProcess[] = [];

function env(): Record<string, string> {
  return { BERTH_HOME: home, HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.url };
}

async function runToAnswer(dir: string): Promise<void> {
  const c: Child = berthCli(['run', '--cpu', '--port', '0', dir], env());
  children.push(c.proc);
  try {
    await c.waitFor(/is ready after/, 90_000);
    const url = (await c.waitFor(/endpoints: (http:\/\/127\.0\.0\.1:\d+)/, 5_000))[1];
    const doc = parseYaml(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'));
    const example = doc.model_metadata.example_model_input;
    const res = await fetch(`${url}/environments/production/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example) });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(checkAnswer(doc.docker_server.predict_endpoint, body, example)).toBeNull();
    // The start command's served name reached the server (OpenAI-style servers list it).
    if (example.model) {
      const models = (await fetch(`${url}/production/sync/v1/models`).then((r) => r.json())) as { data: Array<{ id: string }> };
      expect(models.data[0].id).toBe(example.model);
    }
    expect(c.output()).toMatch(/FIXTURE_MODEL_CHECK ok \S+ \d+ files verified/);
    expect(c.output()).toMatch(/truss-transfer-cli \(Berth\): all \d+ files present/);
  } finally {
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  }
}

beforeAll(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  tmp = tmpDir('berth-catalog-run-');
  fs.chmodSync(tmp.dir, 0o755);
  home = path.join(tmp.dir, 'home');
  cacheDir = path.join(tmp.dir, 'hf', 'hub');
  writeFastSettings(home, { shareHfCache: true });
  // The gated entry's token, as a user would set it (Secrets, or `berth secrets set`).
  await new SecretStore({ file: path.join(home, 'secrets.json') }).set('hf_access_token', TOKEN);
  hub = await startHub();
  for (const r of catalogRepos(TOKEN)) hub.addRepo(r);
  hub.addRepo(repoFor({ ...WIZARD_REPO, ignore_patterns: ['*.pth', 'original/*', '*.gguf'] }));
  hub.addRepo(repoFor(WIZARD_GGUF));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (home) await removeInstance(home);
  await hub?.close();
  tmp?.cleanup();
});

describe('catalog entries run with their image swapped for the stand-in', () => {
  const names = fs.readdirSync(CATALOG_DIR).filter((n) => fs.existsSync(path.join(CATALOG_DIR, n, 'config.yaml'))).sort();
  it('the catalog has the entries the issue asks for', () => expect(names.length).toBeGreaterThanOrEqual(8));
  for (const name of names) {
    it(name, async () => {
      const dir = path.join(tmp.dir, 'catalog', name);
      const copy = berthCli(['catalog', 'copy', name, dir], env());
      expect(await copy.exited, copy.output()).toBe(0);
      const file = path.join(dir, 'config.yaml');
      fs.writeFileSync(file, withFixtureImage(fs.readFileSync(file, 'utf8')));
      await runToAnswer(dir);
    });
  }
});

describe("the wizard's config for each server runs the same way", () => {
  const cases: Array<[string, WizardInput]> = [];
  for (const s of SERVERS) {
    for (const task of wizardTasks(s.id)) {
      const gguf = s.id === 'llamacpp';
      cases.push([`${s.id} ${task}`, {
        server: s.id, task, modelName: `wizard ${s.id} ${task}`, repoId: gguf ? WIZARD_GGUF.repo_id : WIZARD_REPO.repo_id, revision: WIZARD_REPO.revision,
        ggufFile: gguf ? WIZARD_GGUF.allow_patterns[0] : undefined, accelerator: 'L4', gpuCount: 1, secrets: [],
      }]);
    }
  }
  cases.push(['custom image', {
    server: 'custom', task: 'predict', modelName: 'wizard custom', repoId: WIZARD_REPO.repo_id, revision: WIZARD_REPO.revision, accelerator: null, gpuCount: 0, secrets: [],
    image: MODEL_SERVER_IMAGE.replace(':latest', ':fixture-1'), port: 9000,
    startCommand: 'sh -c "truss-transfer-cli && node /srv/model-server/server.mjs --port 9000 --model-check /app/model_cache/tiny-model"',
    predictEndpoint: '/predict', readinessEndpoint: '/health', livenessEndpoint: '/live',
  }]);
  for (const [label, input] of cases) {
    it(label, async () => {
      const r = wizardConfigYaml(input);
      expect(r.problems).toEqual([]);
      const dir = path.join(tmp.dir, 'wizard', label.replace(/\W+/g, '-'));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'config.yaml'), withFixtureImage(r.yaml!));
      await runToAnswer(dir);
    });
  }
});
