// The machine switcher in real Chromium (issue 14): the local `berth serve` drives a remote
// Berth through a real sshd on 127.0.0.1 (the "GPU box" is this machine with its own
// BERTH_HOME). The remote side runs the nvidia-smi TEST DOUBLE (no GPU here) so the GPU
// screen has cards; Docker, SSH, the tunnel, the upload and the UI are all real.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { tmpDir } from '../helpers/tmp.js';
import { apiCall, ensureBuilt, FIXTURE_IMAGE, launch, openUrl, removeContainersFor, ROOT, shot, startServe, tempTruss, watchConsoleErrors, type Serve } from './helpers.js';

const CONFIG = `model_name: remote-minimal
base_image:
  image: ${FIXTURE_IMAGE}
docker_server:
  start_command: node /srv/model-server/server.mjs --port 8000
  server_port: 8000
  predict_endpoint: /predict
  readiness_endpoint: /health
  liveness_endpoint: /live
`;

describe('machine switcher (remote machine over SSH)', () => {
  const tmp = tmpDir('berth-e2e-remote-');
  const remoteHome = join(tmp.dir, 'remote-berth');
  let sshd: TestSshd;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureBuilt();
    sshd = await startSshd(tmp.dir);
    // The local serve signs in with the test's key and trusts only the test's known_hosts.
    serve = await startServe({ HOME: sshd.laptopHome, SSH_AUTH_SOCK: '' });
    const command = `env BERTH_HOME=${remoteHome} BERTH_REMOTE_NO_SYSTEMD=1 PATH=${join(ROOT, 'test/fixtures/bin')}:$PATH ${process.execPath} ${join(ROOT, 'bin/berth.js')}`;
    await apiCall(serve, 'machines.add', { name: 'gpu1', url: sshd.url, command });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'dark' })).newPage();
    errors = watchConsoleErrors(page);
  }, 60_000);

  afterAll(async () => {
    await apiCall(serve, 'machines.call', { machine: 'gpu1', name: 'deployments.list' })
      .then(async (r) => {
        for (const d of ((r as { result?: Array<{ id: string }> }).result ?? [])) await apiCall(serve, 'machines.call', { machine: 'gpu1', name: 'deployments.close', input: { id: d.id } });
      })
      .catch(() => {});
    await browser?.close();
    await serve?.stop();
    try {
      process.kill((JSON.parse(readFileSync(join(remoteHome, 'remote', 'serve.json'), 'utf8')) as { pid: number }).pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 3000));
    } catch {
      // never started
    }
    await removeContainersFor([join(remoteHome, 'uploads')]);
    await sshd?.stop();
    tmp.cleanup();
  }, 90_000);

  it('switches to the remote machine, shows it connected, and lists its GPUs', async () => {
    await page.goto(openUrl(serve));
    const select = page.getByLabel('Machine', { exact: true });
    await select.waitFor();
    expect(await select.locator('option').allInnerTexts()).toEqual(['This computer', 'gpu1 (disconnected)']);
    await select.selectOption('gpu1');
    await page.waitForLoadState('load');
    await page.getByTestId('machine-status').getByText('connected').waitFor({ timeout: 60_000 });
    await page.goto(openUrl(serve, '#/gpus'));
    await page.getByRole('region', { name: /^GPU 0: / }).waitFor({ timeout: 30_000 });
  }, 120_000);

  it('copies a local truss to the machine, starts it there and shows it ready', async () => {
    const local = tempTruss('remote-e2e', CONFIG);
    await page.goto(openUrl(serve, '#/'));
    await page.getByLabel('Local truss folder to copy').fill(local);
    await page.getByRole('button', { name: 'Copy & open' }).click();
    await page.getByRole('button', { name: 'Start remote-minimal', exact: true }).click({ timeout: 30_000 });
    await page.getByText('Ready', { exact: true }).first().waitFor({ timeout: 120_000 });
    // The gateway URL shown is the local forward of the remote gateway.
    const body = await page.locator('main').innerText();
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(body)?.[0];
    expect(url).toBeTruthy();
    const r = await fetch(`${url}/environments/production/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"hi"}' });
    expect(r.status).toBe(200);
    // The deployment runs from the uploaded copy on the remote side.
    const list = (await apiCall(serve, 'machines.call', { machine: 'gpu1', name: 'deployments.list' })) as { result: Array<{ configPath: string }> };
    expect(list.result[0].configPath).toContain(join(remoteHome, 'uploads'));
    // Nothing opened on this computer's own Berth.
    expect(await apiCall(serve, 'deployments.list')).toEqual([]);
    await shot(page, 'remote-machine-deployment');
    await page.goto(openUrl(serve, '#/secrets'));
    await page.getByTestId('secrets-machine').getByText('Stored on machine gpu1').waitFor();
    await page.getByRole('button', { name: 'Add machine' }).click();
    await page.getByRole('form', { name: 'Add machine' }).waitFor();
    await shot(page, 'remote-machine-switcher');
    expect(errors).toEqual([]);
  }, 240_000);
});
