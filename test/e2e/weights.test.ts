// The weights stage and the Weights screen in real Chromium against a real `berth serve`, the
// real Docker engine and the fixture model server image. The Hugging Face Hub is the local
// stand-in (test/fixtures/hub), paced so the download lasts several seconds and its progress
// can be watched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '../fixtures/hub/server.mjs';
import { FIXTURE_IMAGE, ensureBuilt, imageExists, launch, shot, openUrl, startServe, tempTruss, watchConsoleErrors, closeAndStop, openConfig, type Serve } from './helpers.js';

const REPO = 'org/e2e-model';
const SHARD = 12 << 20;

const WEIGHTS_CONFIG = `# e2e weights model: the stage fetches org/e2e-model before the container starts
model_name: e2e-weights
base_image:
  image: ${FIXTURE_IMAGE}
docker_server:
  start_command: sh -c "truss-transfer-cli && node /srv/model-server/server.mjs --port 8000"
  server_port: 8000
  predict_endpoint: /v1/chat/completions
  readiness_endpoint: /health
  liveness_endpoint: /health
weights:
- source: hf://${REPO}@main
  mount_location: /models/e2e
`;

type Hub = Awaited<ReturnType<typeof startHub>>;

describe('weights: download progress and the Weights screen', () => {
  let hub: Hub;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  let cacheDir: string;
  const dirs: string[] = [];
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!(await imageExists(FIXTURE_IMAGE))) throw new Error(`${FIXTURE_IMAGE} is missing: run \`npm run fixtures\` first`);
    ensureBuilt();
    // Two 12 MiB shards, one connection each at 1 MB/s: about 12 s of download.
    hub = await startHub({ perConnBytesPerSec: 1e6 });
    hub.addRepo({
      id: REPO,
      commits: [{ files: {
        'config.json': '{"model_type":"x"}',
        'model-00001-of-00002.safetensors': { size: SHARD, seed: 1 },
        'model-00002-of-00002.safetensors': { size: SHARD, seed: 2 },
      } }],
    });
    tmp = mkdtempSync(join(tmpdir(), 'berth-e2e-weights-'));
    // A folder the container's user can traverse, as ~/.cache usually is.
    chmodSync(tmp, 0o755);
    cacheDir = join(tmp, 'hf', 'hub');
    serve = await startServe({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark' })).newPage();
    consoleErrors = watchConsoleErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) await closeAndStop(serve, dirs);
    await hub?.close();
    for (const d of [...dirs, tmp]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('lists the weights before Start, shows the download with its numbers, then reaches Ready', async () => {
    const dir = tempTruss('weights', WEIGHTS_CONFIG);
    dirs.push(dir);
    await page.goto(openUrl(serve));
    await openConfig(page, dir, /e2e-weights/);

    // The plan's entries are on the Overview before anything runs.
    const entry = page.getByRole('list', { name: 'Weights entries' }).getByTestId('weights-entry');
    await entry.waitFor();
    const entryText = await entry.innerText();
    expect(entryText).toContain(`${REPO}@main`);
    expect(entryText).toContain('/models/e2e');
    expect(entryText).toMatch(/Secret\s*none/);

    await page.locator('.screen-head').getByRole('button', { name: 'Start e2e-weights', exact: true }).click();
    await page.locator('h1 [data-testid="status-badge"][data-state="fetching_weights"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('state-name').innerText()).toBe('Fetching weights');
    const block = page.getByTestId('weights-progress');
    await block.waitFor();
    await block.getByRole('progressbar', { name: 'Fetching weights' }).waitFor();
    // Wait for the numbers to move: some bytes done, a rate, a time left.
    await expect.poll(() => block.getByTestId('weights-rate').innerText(), { timeout: 20_000 }).toMatch(/[\d.]+ (KB|MB)\/s/);
    await expect.poll(async () => {
      const m = /^([\d.]+) (B|KB|MB) \/ ([\d.]+) MB/.exec(await block.getByTestId('weights-bytes').innerText());
      return m ? Number(m[1]) * (m[2] === 'MB' ? 1 : m[2] === 'KB' ? 1 / 1024 : 1 / 2 ** 20) : 0;
    }, { timeout: 20_000 }).toBeGreaterThan(0.5);
    const bytes = await block.getByTestId('weights-bytes').innerText();
    expect(bytes).toMatch(/ \/ 24\.0 MB · \d+%$/);
    expect(await block.getByTestId('weights-eta').innerText()).toMatch(/^\d.* left$/);
    expect(await block.getByTestId('weights-files').innerText()).toMatch(/^\d\/3 files$/);
    expect(await block.getByTestId('weights-cached').innerText()).toBe('0 already cached');
    const inFlight = block.getByRole('list', { name: 'Files in flight' });
    await inFlight.getByText(/model-0000[12]-of-00002\.safetensors/).first().waitFor();
    expect(await inFlight.getByRole('progressbar').count()).toBeGreaterThanOrEqual(1);
    await shot(page, 'weights-download');

    // The list row shows a bar for the stage too.
    await page.getByRole('link', { name: 'Deployments' }).first().click();
    const row = page.getByRole('table', { name: 'Deployments' }).locator('tr', { hasText: 'e2e-weights' });
    await row.getByRole('progressbar', { name: 'Fetching weights' }).waitFor({ timeout: 5_000 });
    await shot(page, 'weights-download-row');
    await row.getByRole('link', { name: 'e2e-weights' }).click();

    await page.locator('h1 [data-testid="status-badge"][data-state="ready"]').waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('weights-progress').count()).toBe(0);
    await page.getByRole('list', { name: 'Timeline' }).getByText('Fetching weights').first().waitFor();
  });

  it('shows the cached repo on the Weights screen and removes it after a confirm step', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Weights', exact: true }).click();
    await page.getByRole('heading', { name: 'Weights', exact: true }).waitFor();
    expect(await page.getByTestId('weights-cache-dir').innerText()).toBe(cacheDir);
    const table = page.getByRole('table', { name: 'Cached weights' });
    const row = page.getByTestId(`weights-row-${REPO}`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getByTestId('weights-size').innerText()).toBe('24.0 MB');
    const rowText = await row.innerText();
    expect(rowText).toMatch(/\b3\b/);
    expect(rowText).toContain('main');
    // The config is open, so "used by" links to it.
    await row.getByTestId('weights-used-by').getByRole('link', { name: 'e2e-weights' }).waitFor();
    expect(await page.getByTestId('weights-total').innerText()).toBe('1 repo · 24.0 MB');
    await shot(page, 'weights-screen');

    // Cancel first: nothing is removed.
    await row.getByRole('button', { name: `Remove ${REPO}` }).click();
    const confirm = page.getByRole('alertdialog', { name: `Remove ${REPO}?` });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(existsSync(join(cacheDir, 'models--org--e2e-model'))).toBe(true);

    await row.getByRole('button', { name: `Remove ${REPO}` }).click();
    await confirm.waitFor();
    const text = await confirm.innerText();
    expect(text).toContain(`Remove ${REPO} (24.0 MB`);
    expect(text).toMatch(/Used by e2e-weights/);
    await shot(page, 'weights-remove-confirm');
    await confirm.getByRole('button', { name: 'Remove 24.0 MB' }).click();
    await page.getByRole('status').getByText(`Removed ${REPO}`).waitFor();
    await row.waitFor({ state: 'detached' });
    await expect.poll(() => table.count()).toBe(0);
    await page.getByText('Nothing cached yet.').waitFor();
    expect(existsSync(join(cacheDir, 'models--org--e2e-model'))).toBe(false);
    expect(consoleErrors).toEqual([]);
  });
});
