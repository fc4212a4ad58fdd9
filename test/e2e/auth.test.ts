// Signing in to `berth serve` in real Chromium: without the token the UI says how to get in;
// the printed URL (with ?token=) sets an HttpOnly SameSite=Strict cookie and leaves the
// address without the token; and the UI opens only configs the serve may open (--allow).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, launch, openUrl, shot, startServe, tempTruss, openConfig, type Serve } from './helpers.js';

const CONFIG = `model_name: e2e-auth
base_image:
  image: berth-fixture/model-server:latest
docker_server:
  start_command: node /srv/model-server/server.mjs --port 8000
  server_port: 8000
  predict_endpoint: /predict
  readiness_endpoint: /health
  liveness_endpoint: /live
`;

describe('signing in to berth serve', () => {
  let serve: Serve;
  let browser: Browser;
  let outside: string;

  beforeAll(async () => {
    ensureBuilt();
    serve = await startServe();
    browser = await launch();
    outside = mkdtempSync(join(tmpdir(), 'berth-e2e-outside-'));
    writeFileSync(join(outside, 'config.yaml'), CONFIG.replace('e2e-auth', 'e2e-outside'));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    if (outside) rmSync(outside, { recursive: true, force: true });
  });

  it('without the token shows how to open Berth with it', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
    await page.goto(serve.url);
    const screen = page.getByTestId('signin-screen');
    await screen.waitFor({ timeout: 15_000 });
    const text = await screen.innerText();
    expect(text).toMatch(/Open the URL with the token printed by berth serve/);
    expect(text).toContain(`${serve.url}/?token=`);
    expect(await page.getByRole('alertdialog').count()).toBe(1);
    await shot(page, '13-sign-in');
    await page.context().close();
  });

  it('the printed URL signs in with an HttpOnly SameSite=Strict cookie, and the token leaves the address', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await ctx.newPage();
    await page.goto(openUrl(serve));
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    expect(page.url()).not.toContain('token');
    expect(page.url()).toBe(`${serve.url}/`);
    expect(await page.getByTestId('signin-screen').count()).toBe(0);
    const cookie = (await ctx.cookies(serve.url)).find((c) => c.name === `berth_token_${new URL(serve.url).port}`);
    expect(cookie).toBeDefined();
    expect(cookie!.httpOnly).toBe(true);
    expect(cookie!.sameSite).toBe('Strict');
    // Scripts in the page cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain(serve.token);
    // Reloading without the token stays signed in.
    await page.goto(`${serve.url}/#/`);
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    expect(await page.getByTestId('signin-screen').count()).toBe(0);

    // A config outside what this serve may open is refused, saying how to allow it ...
    await page.getByLabel('Config path').fill(outside);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const note = page.getByTestId('error-note');
    await note.waitFor();
    expect(await note.innerText()).toContain('berth serve --allow');
    await shot(page, '14-open-not-allowed');
    // ... and one under an --allow folder opens.
    const dir = tempTruss('auth', CONFIG);
    await openConfig(page, dir, /e2e-auth/);
    await ctx.close();
  });
});
