// The real truss-examples configs that use model_cache or weights, with only their image
// swapped for the stand-in, run from the UI in real Chromium against `berth serve`: opened,
// started with "Start on CPU instead" (they ask for H100s and this machine has no GPU),
// through "Fetching weights" to Ready. The stand-in server in each container checks the
// files its config promised (see test/fixtures/model-server/README.md, --model-check).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { startHub } from '../fixtures/hub/server.mjs';
import { conformanceRepos } from '../fixtures/hub/conformance-repos.mjs';
import { SecretStore } from '../../electron/engine/secrets/store.js';
import { FIXTURE_IMAGE, ROOT, apiCall, ensureBuilt, imageExists, launch, openUrl, closeAndStop, shot, startServe, tempTruss, openConfig, type Serve } from './helpers.js';

const EXAMPLES = resolve(ROOT, '../shared/conformance/truss-examples');
const TOKEN = 'hf_berth_e2e_accepted_token';
const repos = conformanceRepos(TOKEN);
type Hub = Awaited<ReturnType<typeof startHub>>;

describe('the real weights configs reach Ready from the UI', () => {
  let hub: Hub;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(EXAMPLES)) throw new Error(`the real configs are missing: ${EXAMPLES} (../shared beside the checkout)`);
    if (!(await imageExists(FIXTURE_IMAGE))) throw new Error(`${FIXTURE_IMAGE} is missing: run \`npm run fixtures\` first`);
    ensureBuilt();
    hub = await startHub({ perConnBytesPerSec: 20e6 });
    for (const r of Object.values(repos)) hub.addRepo(r);
    tmp = mkdtempSync(join(tmpdir(), 'berth-e2e-real-'));
    chmodSync(tmp, 0o755);
    serve = await startServe({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(tmp, 'hf', 'hub') });
    // Two of the configs declare hf_access_token (one repo is gated): set it in serve's store.
    await new SecretStore({ file: join(serve.home, 'secrets.json') }).set('hf_access_token', TOKEN);
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark' })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) await closeAndStop(serve, dirs);
    await hub?.close();
    for (const d of [...dirs, tmp]) if (d) rmSync(d, { recursive: true, force: true });
  });

  for (const file of Object.keys(repos)) {
    it(file, async () => {
      const doc = parseDocument(readFileSync(join(EXAMPLES, file), 'utf8'));
      doc.setIn(['base_image', 'image'], FIXTURE_IMAGE);
      const dir = tempTruss(file.replace(/\.yaml$/, '').slice(0, 40), doc.toString());
      dirs.push(dir);
      const name = String(doc.get('model_name'));
      await page.goto(openUrl(serve));
      await openConfig(page, dir, name);
      // Start is disabled (no GPU here); the CPU run is offered instead.
      await page.locator('.screen-head').getByRole('button', { name: 'Start on CPU instead' }).click();
      await page.locator('h1 [data-testid="status-badge"][data-state="ready"]').waitFor({ timeout: 120_000 });
      await page.getByRole('list', { name: 'Timeline' }).getByText('Fetching weights').first().waitFor();
      if (file.startsWith('11-embeddings')) await shot(page, 'weights-real-config-ready');
      await page.locator('.screen-head').getByRole('button', { name: `Stop ${name}` }).click();
      await page.locator('h1 [data-testid="status-badge"][data-state="stopped"]').waitFor({ timeout: 30_000 });
      const list = (await apiCall(serve, 'deployments.list')) as Array<{ id: string; configPath: string }>;
      const id = list.find((d) => d.configPath.startsWith(dir))!.id;
      const tasks = (await apiCall(serve, 'tasks.list', { deployment: id })) as Array<{ kind: string; state: string }>;
      expect(tasks.map((t) => [t.kind, t.state])).toEqual([['pull', 'succeeded'], ...(doc.get('requirements') ? [['build', 'succeeded']] : []), ['weights', 'succeeded']]);
    });
  }
});
