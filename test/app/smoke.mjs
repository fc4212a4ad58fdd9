#!/usr/bin/env node
// `npm run test:app`: the built desktop app, launched with the real Electron binary through
// playwright-core's _electron. Not part of `npm test` (vitest never matches this file): it
// needs the Electron binary and a display, which CI here does not have. It is what the
// release checklist (README) runs on Linux, macOS and Windows before publishing.
//
// It drives the built app (dist/, `npm run build`) with the development Electron binary:
// Playwright attaches through --inspect, which the packaged app's fuses refuse (on purpose),
// so packaged layouts are covered by `npm run check:package` instead.
//
// Checks: the window shows the Deployments screen from berth://app; window.berth is the IPC
// API (app.info answers with transport 'ipc'); the CSP blocks eval; require and process are
// absent; the tray icon is not empty; a config.yaml dropped on the drop zone opens (a real
// file through the app's own drop handler and webUtils.getPathForFile); a fetch from the page
// the way the Playground sends it (POST with a JSON body from berth://app) reaches a gateway
// on 127.0.0.1 and gets its answer. That gateway is a stand-in HTTP server in this script,
// answering CORS for berth://app as Berth's gateway does: a real deployment's gateway needs
// Docker and the fixture images, which this test does not require.
//
// Never a silent pass: without the binary, the build or a display it prints one line and
// exits non-zero.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fail = (msg, code = 1) => {
  console.error(`test:app: ${msg}`);
  process.exit(code);
};

for (const f of ['dist/app/main.cjs', 'dist/app/preload.cjs', 'dist/app/preflight.mjs', 'dist/renderer/index.html']) {
  if (!existsSync(join(root, f))) fail(`${f} is missing: run 'npm run build' first.`, 2);
}
const { locateElectron, missingElectronMessage, preflightProblems } = await import(pathToFileURL(join(root, 'dist/app/preflight.mjs')).href);
const electron = locateElectron(join(root, 'node_modules', 'electron'));
if (!electron.exists) fail(missingElectronMessage(electron, process.version), 3);
const problems = preflightProblems(root);
if (problems.length) fail(problems.join(' '), 3);
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) fail("no display (DISPLAY and WAYLAND_DISPLAY are unset): run it under a desktop session or 'xvfb-run -a npm run test:app'.", 3);

const { _electron } = await import('playwright-core');
const work = mkdtempSync(join(tmpdir(), 'berth-smoke-'));
const userData = join(work, 'user-data');
const truss = join(work, 'dropped-truss');
mkdirSync(truss);
writeFileSync(
  join(truss, 'config.yaml'),
  'model_name: smoke-dropped\nbase_image:\n  image: berth-fixture/model-server:latest\ndocker_server:\n  start_command: node /srv/model-server/server.mjs --port 8000\n  server_port: 8000\n  predict_endpoint: /v1/chat/completions\n  readiness_endpoint: /health\n  liveness_endpoint: /live\n',
);

// The stand-in gateway: records what reached it, answers like a gateway would for berth://app.
const seen = [];
const gateway = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, origin: req.headers.origin ?? null, body });
    const cors = { 'access-control-allow-origin': 'berth://app', 'access-control-allow-headers': 'content-type, authorization', 'access-control-allow-methods': 'GET, POST, OPTIONS', vary: 'origin' };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'hello from the stand-in gateway' } }] }));
  });
});
await new Promise((r) => gateway.listen(0, '127.0.0.1', r));
const gatewayUrl = `http://127.0.0.1:${gateway.address().port}/v1/chat/completions`;

const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
};

let app;
try {
  app = await _electron.launch({
    executablePath: electron.path,
    args: [root, `--user-data-dir=${userData}`],
    cwd: root,
    env: { ...process.env, BERTH_HOME: userData, ELECTRON_ENABLE_LOGGING: '1' },
    timeout: 60_000,
  });
  const page = await app.firstWindow({ timeout: 60_000 });
  await page.waitForLoadState('domcontentloaded');

  await page.getByRole('heading', { name: 'Deployments' }).waitFor({ timeout: 30_000 });
  check('the window shows the Deployments screen from berth://app', page.url().startsWith('berth://app/'), page.url());

  const info = await page.evaluate(async () => (window.berth ? await window.berth.app.info() : null));
  check('window.berth is the IPC API (app.info answers with transport ipc)', info?.transport === 'ipc', info ? `transport ${info.transport}, Berth ${info.version}` : 'window.berth is missing');

  const evalResult = await page.evaluate(() => {
    try {
      return `ran: ${(0, eval)('1 + 1')}`;
    } catch (e) {
      return e instanceof Error ? e.name : String(e);
    }
  });
  check('the CSP blocks eval', evalResult === 'EvalError', evalResult);

  const globals = await page.evaluate(() => ({ require: typeof globalThis.require, process: typeof globalThis.process, module: typeof globalThis.module }));
  check('require, process and module are absent', Object.values(globals).every((t) => t === 'undefined'), JSON.stringify(globals));

  const shell = await app.evaluate(() => globalThis.berthShellState ?? null);
  const tray = shell?.trayIcon;
  check('the tray icon is not empty', !!tray && !tray.empty && tray.width > 0, tray ? `${tray.path} ${tray.width}x${tray.height}` : `no tray${shell?.trayError ? `: ${shell.trayError}` : ''}`);

  // A real file in a real FileList (setInputFiles), dropped on the drop zone: the app's own handler runs.
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'smoke-drop-file';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.setInputFiles('#smoke-drop-file', join(truss, 'config.yaml'));
  await page.evaluate(() => {
    const file = document.getElementById('smoke-drop-file').files[0];
    const dt = new DataTransfer();
    dt.items.add(file);
    const zone = document.querySelector('[data-testid="dropzone"]');
    zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
    zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  });
  let opened = null;
  for (let i = 0; i < 50 && !opened; i++) {
    const list = await page.evaluate(() => window.berth.deployments.list());
    opened = list.find((d) => d.modelName === 'smoke-dropped') ?? null;
    if (!opened) await new Promise((r) => setTimeout(r, 200));
  }
  check('a dropped config.yaml opens', !!opened && opened.configPath === join(truss, 'config.yaml'), opened ? opened.configPath : 'not in deployments.list after 10 s');

  const reply = await page.evaluate(async (url) => {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'smoke', messages: [{ role: 'user', content: 'hi' }] }) });
      return { status: r.status, body: await r.text() };
    } catch (e) {
      return { error: String(e) };
    }
  }, gatewayUrl);
  const post = seen.find((s) => s.method === 'POST');
  check(
    'a Playground-style request from berth://app reaches a gateway on 127.0.0.1',
    reply.status === 200 && /stand-in gateway/.test(reply.body ?? '') && post?.origin === 'berth://app' && /"hi"/.test(post.body),
    reply.error ?? `HTTP ${reply.status}, origin ${post?.origin ?? 'none'}`,
  );
} catch (err) {
  check('the app launched and answered', false, err instanceof Error ? err.message.split('\n')[0] : String(err));
} finally {
  await app?.close().catch(() => {});
  gateway.close();
  rmSync(work, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok);
console.log(`test:app: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
