// The UI's failure banners against real conditions: a `berth serve` whose Docker engine is
// unreachable (DOCKER_HOST names a socket that does not exist), and a server that goes away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, launch, shot, openUrl, startServe, tempTruss, openConfig, type Serve } from './helpers.js';

describe('failure banners', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureBuilt();
    const missing = join(mkdtempSync(join(tmpdir(), 'berth-e2e-nodocker-')), 'docker.sock');
    serve = await startServe({ DOCKER_HOST: `unix://${missing}` });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('shows the engine-down banner with its reason and hint, and Start fails with an actionable message', async () => {
    await page.goto(openUrl(serve));
    const banner = page.getByTestId('engine-banner');
    await banner.waitFor({ timeout: 30_000 });
    const text = await banner.innerText();
    expect(text).toMatch(/Docker engine unavailable/);
    expect(text.length).toBeGreaterThan(40); // reason and hint, not just a title
    expect(text).not.toMatch(/\bat \S+:\d+:\d+/); // no stack frames

    const dir = tempTruss('nodocker', `model_name: e2e-nodocker
base_image:
  image: berth-fixture/model-server:latest
docker_server:
  start_command: node /srv/model-server/server.mjs --port 8000
  server_port: 8000
  predict_endpoint: /predict
  readiness_endpoint: /health
  liveness_endpoint: /live
`);
    await openConfig(page, dir, /e2e-nodocker/);
    await page.locator('.screen-head').getByRole('button', { name: 'Start e2e-nodocker', exact: true }).click();
    // Either the call is refused (error note by the button) or the Overview explains, next to
    // the state, that the engine is away and what to do: both must be readable.
    const note = page.locator('.screen-head').getByTestId('error-note');
    await note.or(page.getByTestId('engine-note')).first().waitFor({ timeout: 30_000 });
    const shown = (await note.count()) ? await note.innerText() : await page.getByTestId('engine-note').innerText();
    expect(shown).toMatch(/engine/i);
    expect(shown.length).toBeGreaterThan(60); // what happened and what to do
    expect(shown).not.toMatch(/\bat \S+:\d+:\d+/);
    await shot(page, '11-engine-down');
  });

  it('shows the disconnected banner when the Berth service goes away', async () => {
    await page.goto(openUrl(serve, '#/'));
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    expect(await page.getByTestId('disconnected-banner').count()).toBe(0);
    await serve.stop();
    await page.getByTestId('disconnected-banner').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('disconnected-banner').innerText()).toMatch(/Reconnecting/);
    await shot(page, '12-disconnected');
  });
});
