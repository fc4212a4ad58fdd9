// The catalog and wizard commands through BerthService.handle, with the real catalog, the
// real config validator, the real Hub client against the Hub stand-in (HF_ENDPOINT), and a
// fake supervisor that opens what it is given. GPUs are a fake L4 report: there is no GPU here.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthService } from '../../../electron/engine/service/berth-service.js';
import type { DeploymentPort, ServicePorts } from '../../../electron/engine/service/service-deps.js';
import { validateConfigText } from '../../../electron/engine/service/validate-text.js';
import { startHub } from '../../fixtures/hub/server.mjs';
import { QWEN2_5_0_5B, checkpointFiles, decoderTensors } from '../../fixtures/hub/checkpoints.mjs';
import { FAKE_GPUS } from './support.js';
import type { WizardInput } from '../../../shared/wizard/config-yaml.js';

const CATALOG = resolve(__dirname, '../../../resources/catalog');
const QWEN_COMMIT = '7ae557604adf67be50417f59c2c2f167def9a775';
const report = { gpus: [FAKE_GPUS[0]], driverVersion: '550', cudaVersion: '12.4', capabilities: { usable: true, via: 'nvidia-runtime' as const } };
let hub: Awaited<ReturnType<typeof startHub>>;
const savedEndpoint = process.env.HF_ENDPOINT;

function makeService(dataDir: string) {
  const open = new Map<string, DeploymentPort>();
  const secrets = new Map<string, string>();
  const ports: ServicePorts = {
    supervisor: {
      open: async (p) => {
        const d = { id: `d${open.size}`, configPath: resolve(p), summary: () => ({ id: `d${open.size}`, configPath: resolve(p) }), subscribe: () => () => {} } as unknown as DeploymentPort;
        open.set(d.id, d);
        return d;
      },
      list: () => [...open.values()],
      get: (id) => open.get(id),
      close: async () => {},
      validateText: async (text, path) => validateConfigText(text, path, report),
      shutdown: async () => {},
    },
    engine: { status: () => ({ up: true, checkedAt: 1 }), onStatus: () => () => {} },
    gpu: { report: async () => report, onSample: () => () => {} },
    secrets: { names: async () => [...secrets.keys()], has: async (n) => secrets.has(n), get: async (n) => secrets.get(n) ?? null, set: async (n, v) => void secrets.set(n, v), delete: async (n) => void secrets.delete(n) },
    settings: { get: () => ({}) as never, update: async () => ({}) as never },
    recent: { list: async () => [], add: async () => {} },
    gatewayKey: { exists: async () => false, generate: async () => 'k' },
    examplesDir: resolve(__dirname, '../../../resources/examples'),
    catalogDir: CATALOG,
    dataDir,
    weightsCacheDir: join(dataDir, 'hf'),
    version: 't',
  };
  return { service: new BerthService(ports, { transport: 'http' }), open, secrets };
}

beforeAll(async () => {
  hub = await startHub();
  // Qwen2.5-0.5B-Instruct's real shape (headers only) at the catalog's pinned commit.
  hub.addRepo({ id: 'Qwen/Qwen2.5-0.5B-Instruct', commits: [{ sha: QWEN_COMMIT, files: checkpointFiles(QWEN2_5_0_5B, decoderTensors(QWEN2_5_0_5B, { qkvBias: true })) }] });
  hub.addRepo({ id: 'meta-llama/Llama-3.1-8B-Instruct', gated: true, acceptedTokens: ['hf_ok'], commits: [{ files: { 'config.json': '{}', 'model.safetensors': { size: 4096, seed: 1 } } }] });
  hub.addRepo({ id: 'org/ggufs', commits: [{ files: { 'a-q4_k_m.gguf': { size: 2048, seed: 2 }, 'a-q8_0.gguf': { size: 4096, seed: 3 } } }] });
  process.env.HF_ENDPOINT = hub.url;
});
afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
  else process.env.HF_ENDPOINT = savedEndpoint;
  await hub?.close();
});

describe('catalog commands', () => {
  it('lists the entries; Run copies into the data dir, opens it (allowed over HTTP), and a second Run reuses the copy', async () => {
    const data = mkdtempSync(join(tmpdir(), 'berth-cat-'));
    const { service } = makeService(data);
    const list = await service.call('catalog.list');
    expect(list.length).toBeGreaterThanOrEqual(8);
    const first = await service.call('catalog.run', { name: 'vllm-qwen2.5-0.5b-instruct' });
    expect(first).toMatchObject({ path: join(data, 'catalog', 'vllm-qwen2.5-0.5b-instruct', 'config.yaml'), reused: false });
    expect(readFileSync(first.path, 'utf8')).toBe(readFileSync(join(CATALOG, 'vllm-qwen2.5-0.5b-instruct', 'config.yaml'), 'utf8'));
    writeFileSync(first.path, readFileSync(first.path, 'utf8') + '# my edit\n');
    const again = await service.call('catalog.run', { name: 'vllm-qwen2.5-0.5b-instruct' });
    expect(again.reused).toBe(true);
    expect(readFileSync(again.path, 'utf8')).toContain('# my edit');
    expect((await service.handle('deployments.open', { path: again.path })).ok).toBe(true);
  });

  it('Copy to... writes a new or empty folder only; bad names and unknown entries say what to do', async () => {
    const data = mkdtempSync(join(tmpdir(), 'berth-cat-'));
    const { service } = makeService(data);
    const target = join(data, 'mine', 'tei');
    const r = await service.call('catalog.copy', { name: 'tei-bge-small-en-v1.5', dir: target });
    expect(r.path).toBe(join(target, 'config.yaml'));
    expect(await service.handle('catalog.copy', { name: 'tei-bge-small-en-v1.5', dir: target })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('not empty') } });
    expect(await service.handle('catalog.copy', { name: 'no-such-entry', dir: join(data, 'x') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await service.handle('catalog.run', { name: '../examples' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('needs: the fit estimate on the GPUs, the weights from the Hub listing, the image, the secrets', async () => {
    const { service } = makeService(mkdtempSync(join(tmpdir(), 'berth-cat-')));
    const n = await service.call('catalog.needs', { name: 'vllm-qwen2.5-0.5b-instruct' });
    expect(n.memory.verdict).toBe('fits');
    expect(n.memory.model).toBe(`Qwen/Qwen2.5-0.5B-Instruct@${QWEN_COMMIT}`);
    expect(n.memory.gpus[0].name).toBe('NVIDIA L4');
    // bf16 0.5B: about 1 GB of weights, read from the headers the Hub stand-in serves.
    expect(n.weights.bytes).toBeGreaterThan(0.9e9);
    expect(n.weights).toMatchObject({ commit: QWEN_COMMIT, error: null });
    expect(n.image).toEqual({ ref: 'vllm/vllm-openai:v0.8.5', localBytes: null });
    const gated = await service.call('catalog.needs', { name: 'vllm-llama-3.1-8b-instruct' });
    expect(gated.secrets).toEqual([{ name: 'hf_access_token', present: false }]);
  });
});

describe('wizard commands', () => {
  it('checkModel: size, commit, GGUF files; gated; not found; unreachable', async () => {
    const { service } = makeService(mkdtempSync(join(tmpdir(), 'berth-wiz-')));
    const ok = await service.call('wizard.checkModel', { repoId: 'org/ggufs' });
    expect(ok).toMatchObject({ exists: true, files: 2, sizeBytes: 6144, ggufFiles: ['a-q4_k_m.gguf', 'a-q8_0.gguf'], error: null });
    expect(ok.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await service.call('wizard.checkModel', { repoId: 'meta-llama/Llama-3.1-8B-Instruct' })).toMatchObject({ exists: true, gated: true });
    expect(await service.call('wizard.checkModel', { repoId: 'org/missing' })).toMatchObject({ exists: false, error: { code: 'WEIGHTS_NOT_FOUND' } });
    process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
    try {
      expect(await service.call('wizard.checkModel', { repoId: 'org/ggufs' })).toMatchObject({ exists: false, error: { code: 'WEIGHTS_UNREACHABLE' } });
    } finally {
      process.env.HF_ENDPOINT = hub.url;
    }
  });

  it('create: validated, written into a new folder, opened; bad input and a non-empty folder refused', async () => {
    const data = mkdtempSync(join(tmpdir(), 'berth-wiz-'));
    const { service, open } = makeService(data);
    const input: WizardInput = { server: 'tei', task: 'embeddings', modelName: 'My embeddings', repoId: 'BAAI/bge-small-en-v1.5', revision: 'main', accelerator: 'L4', gpuCount: 1, secrets: [] };
    const r = await service.call('wizard.create', { input });
    expect(r.path).toBe(join(data, 'configs', 'bge-small-en-v1.5', 'config.yaml'));
    expect(readFileSync(r.path, 'utf8')).toContain('text-embeddings-router --model-id /app/model_cache/bge-small-en-v1.5');
    expect(open.get(r.id)?.configPath).toBe(r.path);
    const second = await service.call('wizard.create', { input });
    expect(second.path).toBe(join(data, 'configs', 'bge-small-en-v1.5-2', 'config.yaml'));
    expect(await service.handle('wizard.create', { input: { ...input, repoId: 'nope' } })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('org/name') } });
    const full = join(data, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    expect(await service.handle('wizard.create', { input, dir: full })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // A GPU config is written on a machine whose GPUs do not match (it may be meant for another one).
    const h100 = await service.call('wizard.create', { input: { ...input, accelerator: 'H100' }, dir: join(data, 'h100') });
    expect(readFileSync(h100.path, 'utf8')).toContain('accelerator: H100');
  });

  it('pickFolder exists only where the desktop app wires one', async () => {
    const { service } = makeService(mkdtempSync(join(tmpdir(), 'berth-wiz-')));
    expect((await service.call('app.info')).canPickFolder).toBe(false);
    expect(await service.handle('dialog.pickFolder', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', hint: expect.stringContaining('path') } });
  });
});
