// The catalog and the new-config wizard in real Chromium against a real `berth serve`: the
// real catalog is listed with what each entry needs (the fit estimate reads the Hub stand-in:
// Qwen2.5-0.5B and Llama-3.1-8B with their real safetensors headers at the catalog's pinned
// commits; the nvidia-smi TEST DOUBLE reports an L4, as no GPU exists here), Run opens a copy,
// and the wizard writes, validates and opens a TEI config. To reach Ready here, each opened
// config's image is then swapped for the fixture stand-in (the one edit a test must make:
// the real images cannot be pulled here) and started with "Start on CPU instead" (no NVIDIA
// runtime in this engine); its own example_model_input is answered through the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LLAMA_3_1_8B, QWEN2_5_0_5B, checkpointFiles, decoderTensors } from '../fixtures/hub/checkpoints.mjs';
import { startHub } from '../fixtures/hub/server.mjs';
import { catalogRepos, checkAnswer, repoFor, withFixtureImage } from '../helpers/catalog-fixtures.js';
import { ROOT, apiCall, closeAndStop, ensureBuilt, launch, openUrl, shot, startServe, watchConsoleErrors, type Serve } from './helpers.js';

const TOKEN = 'hf_e2e_catalog_token_0123456789';
// Qwen2.5-1.5B-Instruct's config.json differs from 0.5B's in these sizes only.
const QWEN2_5_1_5B = { ...QWEN2_5_0_5B, hidden_size: 1536, intermediate_size: 8960, num_hidden_layers: 28, num_attention_heads: 12 };
const REAL_HEADERS: Record<string, object> = {
  'Qwen/Qwen2.5-0.5B-Instruct': checkpointFiles(QWEN2_5_0_5B, decoderTensors(QWEN2_5_0_5B, { qkvBias: true })),
  'Qwen/Qwen2.5-1.5B-Instruct': checkpointFiles(QWEN2_5_1_5B, decoderTensors(QWEN2_5_1_5B, { qkvBias: true })),
  'meta-llama/Llama-3.1-8B-Instruct': checkpointFiles(LLAMA_3_1_8B, decoderTensors(LLAMA_3_1_8B)),
};

describe('catalog and new-config wizard', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  let consoleErrors: string[] = [];
  let wizardCommit = '';

  beforeAll(async () => {
    ensureBuilt();
    hub = await startHub();
    for (const r of catalogRepos(TOKEN)) {
      const real = REAL_HEADERS[r.id];
      hub.addRepo(real ? { ...r, commits: [{ sha: r.commits![0].sha, files: real as never }] } : r);
    }
    // The wizard's model: files its default patterns keep and drop (a repo the catalog does not use).
    wizardCommit = hub.addRepo(repoFor({ repo_id: 'BAAI/bge-base-en-v1.5', revision: 'main', ignore_patterns: ['*.pth', '*.pt', 'original/*', '*.gguf', '*.onnx'] })).commits[0].sha;
    tmp = mkdtempSync(join(tmpdir(), 'berth-e2e-catalog-'));
    serve = await startServe({
      HF_ENDPOINT: hub.url,
      HF_HUB_CACHE: join(tmp, 'hub'),
      PATH: `${join(ROOT, 'test/fixtures/bin')}:${dirname(process.execPath)}:${process.env.PATH}`,
      NVIDIA_SMI_DOUBLE_CARDS: 'L4',
    });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 1100 }, colorScheme: 'dark' })).newPage();
    consoleErrors = watchConsoleErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) await closeAndStop(serve, [join(serve.home, 'catalog'), join(serve.home, 'configs')]);
    await hub?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The test's one edit (image -> stand-in), "Start on CPU instead", Ready, then the example through the gateway. */
  async function swapStartAndAsk(configPath: string, heading: string) {
    const text = readFileSync(configPath, 'utf8');
    await apiCall(serve, 'deployments.saveConfig', { path: configPath, text: withFixtureImage(text) });
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.locator('.screen-head').getByRole('button', { name: 'Start on CPU instead' }).click();
    await page.locator('h1 [data-testid="status-badge"][data-state="ready"]').waitFor({ timeout: 120_000 });
    const list = (await apiCall(serve, 'deployments.list')) as Array<{ configPath: string; gatewayUrl: string }>;
    const d = list.find((x) => x.configPath.startsWith(dirname(configPath)))!;
    const doc = parseYaml(text);
    const res = await fetch(`${d.gatewayUrl}/environments/production/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc.model_metadata.example_model_input) });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(checkAnswer(doc.docker_server.predict_endpoint, body, doc.model_metadata.example_model_input)).toBeNull();
  }

  it('lists the catalog with what each entry needs, before any download', async () => {
    await page.goto(openUrl(serve, '#/catalog'));
    await page.getByRole('heading', { name: 'Catalog', exact: true }).waitFor();
    const qwen = page.getByTestId('catalog-vllm-qwen2.5-0.5b-instruct');
    await expect.poll(() => qwen.getByTestId('needs-verdict').textContent(), { timeout: 30_000 }).toBe('Fits');
    await expect.poll(() => qwen.getByTestId('needs-weights').textContent(), { timeout: 30_000 }).toMatch(/[\d.]+ [GM]B in \d+ files \([\d.]+ [GM]B to download\)/);
    // The gated entry: its file listing is public (as on the Hub), its headers are not: no token, no estimate.
    const llama = page.getByTestId('catalog-vllm-llama-3.1-8b-instruct');
    await expect.poll(() => llama.getByTestId('needs-secrets').textContent(), { timeout: 30_000 }).toContain('hf_access_token missing');
    await expect.poll(() => llama.getByTestId('needs-weights').textContent(), { timeout: 30_000 }).toMatch(/^1[56]\.\d GB in \d+ files/);
    await expect.poll(() => llama.getByTestId('needs-verdict').textContent(), { timeout: 30_000 }).toBe('Unknown');
    expect(await llama.textContent()).toMatch(/gated/);
    await expect.poll(() => page.getByTestId('catalog-sglang-qwen2.5-1.5b-instruct').getByTestId('needs-verdict').textContent(), { timeout: 30_000 }).toBe('Fits');
    expect(await page.getByTestId(/^catalog-/).count()).toBeGreaterThanOrEqual(8);
    // Nothing was downloaded: the headers are read by range, the listing is metadata.
    expect(hub.counters.bodyBytes).toBeLessThan(10 * 2 ** 20);
    await shot(page, 'catalog');
  });

  it('Run copies an entry into the data dir, opens its Overview, and it answers its own example', async () => {
    await page.goto(openUrl(serve, '#/catalog'));
    const card = page.getByTestId('catalog-tei-bge-small-en-v1.5');
    await card.getByRole('button', { name: 'Run' }).click();
    const heading = 'BGE small en v1.5 embeddings (TEI)';
    await page.waitForURL(/#\/d\/.+\/overview$/);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    const configPath = join(serve.home, 'catalog', 'tei-bge-small-en-v1.5', 'config.yaml');
    expect(readFileSync(configPath, 'utf8')).toContain('ghcr.io/huggingface/text-embeddings-inference:89-1.7');
    await swapStartAndAsk(configPath, heading);
    await shot(page, 'catalog-run-ready');
  });

  it('the wizard checks the model on the Hub, previews a valid config, writes it and opens it', async () => {
    await page.goto(openUrl(serve, '#/new'));
    await page.getByRole('heading', { name: 'New config' }).waitFor();
    // A gated repo: the check says so and the secret is added.
    await page.getByLabel('Hugging Face repo id').fill('meta-llama/Llama-3.1-8B-Instruct');
    await page.getByRole('button', { name: 'Check on the Hub' }).click();
    await expect.poll(() => page.getByTestId('hub-check').textContent()).toContain('Gated');
    expect(await page.locator('#w-secrets').inputValue()).toBe('hf_access_token');
    await page.locator('#w-secrets').fill('');
    // Then a TEI embeddings model, pinned to the commit the Hub gave.
    await page.getByRole('group', { name: 'Server' }).getByRole('button', { name: 'TEI' }).click();
    await page.getByRole('group', { name: 'Task' }).getByRole('button', { name: 'embeddings' }).click();
    await page.getByLabel('Hugging Face repo id').fill('BAAI/bge-base-en-v1.5');
    await page.getByRole('button', { name: 'Check on the Hub' }).click();
    await expect.poll(() => page.getByTestId('hub-check').textContent()).toContain(wizardCommit.slice(0, 12));
    expect(await page.getByLabel('Revision').inputValue()).toBe(wizardCommit);
    await page.getByTestId('wizard-valid').waitFor();
    const yaml = await page.getByTestId('wizard-yaml').textContent();
    expect(yaml).toContain('text-embeddings-router --model-id /app/model_cache/bge-base-en-v1.5');
    expect(yaml).toContain('predict_endpoint: /v1/embeddings');
    await shot(page, 'wizard');
    // A bad repo id is explained before anything is written.
    await page.getByLabel('Hugging Face repo id').fill('not a repo');
    await page.getByTestId('wizard-problems').getByText(/org\/name/).waitFor();
    await page.getByLabel('Hugging Face repo id').fill('BAAI/bge-base-en-v1.5');
    await page.getByLabel('Revision').fill(wizardCommit);
    await page.getByTestId('wizard-valid').waitFor();
    await page.getByRole('button', { name: 'Create and open' }).click();
    await page.waitForURL(/#\/d\/.+\/overview$/);
    const configPath = join(serve.home, 'configs', 'bge-base-en-v1.5', 'config.yaml');
    await swapStartAndAsk(configPath, 'bge-base-en-v1.5');
    await shot(page, 'wizard-created-ready');
    expect(consoleErrors).toEqual([]);
  });
});
