// `berth serve` end to end: the real runtime on the real Docker engine, driven over real
// HTTP and a real WebSocket with the serve's token. Opens a fixture truss, starts it, waits
// for ready through events, reads logs, stops it; then the error paths, the token, the
// paths the API may open, and the static UI.
import net from 'node:net';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LABELS } from '../../../shared/plan.js';
import type { DeploymentSummary } from '../../../shared/deployment.js';
import type { ServerMessage } from '../../../shared/api/index.js';
import { startServe, type Serving } from '../../../electron/cli/commands/serve.js';
import { startBerthServer } from '../../../electron/engine/server/berth-server.js';
import { docker } from '../../helpers/docker.js';
import { makeBerthHome, tmpDir } from '../../helpers/tmp.js';

const repo = resolve(__dirname, '../../..');
const home = makeBerthHome('berth-serve-home-');
const work = tmpDir('berth-serve-');
const trussDir = join(work.dir, 'minimal');
cpSync(join(repo, 'test/fixtures/trusses/minimal'), trussDir, { recursive: true });
// `berth serve --allow DIR`: configs under it may be opened from the UI.
const allowedDir = join(work.dir, 'allowed');
mkdirSync(allowedDir);
// Not given, not allowed, not recent: the API must not open it.
const outsideDir = join(work.dir, 'outside');
cpSync(join(repo, 'test/fixtures/trusses/minimal'), outsideDir, { recursive: true });
const uiDir = join(work.dir, 'ui');
mkdirSync(join(uiDir, 'assets'), { recursive: true });
writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Berth UI</title>');
writeFileSync(join(uiDir, 'assets', 'app-1234.js'), 'console.log("berth")');

let serving: Serving;
let base: string;
const messages: ServerMessage[] = [];
let ws: WebSocket;

/** A command with the serve's token (a header set to '' in `headers` is left out). */
async function api(name: string, body?: unknown, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}) {
  const { headers: extra, ...rest } = init;
  const headers = Object.fromEntries(Object.entries({ 'content-type': 'application/json', authorization: `Bearer ${serving.token}`, ...extra }).filter(([, v]) => v !== ''));
  const res = await fetch(`${base}api/${name}`, {
    method: 'POST',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
    ...rest,
    headers,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  serving = await startServe({ paths: [trussDir], allow: [allowedDir], port: 0, host: '127.0.0.1', staticDir: uiDir, dataDir: home.dir, resourcesDir: join(repo, 'resources') });
  base = serving.server.url;
  ws = new WebSocket(`${base.replace('http', 'ws')}api/events`, { headers: { authorization: `Bearer ${serving.token}` } });
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
});

afterAll(async () => {
  ws?.close();
  await serving?.stop({ keepRunning: false });
  // Belt and braces: nothing this test's data dir created may outlive it.
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } });
  for (const c of left) if (c.Labels[LABELS.configPath]?.startsWith(work.dir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  work.cleanup();
  home.cleanup();
});

describe('berth serve under a resetting client', () => {
  it('a refused WebSocket upgrade whose client resets does not take the server down', async () => {
    const { port } = new URL(base);
    for (let i = 0; i < 3; i++) {
      const s = net.connect({ port: Number(port), host: '127.0.0.1' });
      s.on('error', () => undefined);
      s.write('GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      await new Promise<void>((r) => s.once('data', () => r()));
      s.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await api('app.info')).status).toBe(200);
  });
});

describe('berth serve', () => {
  let id: string;

  it('opens the paths given at start and says hello on the WebSocket', async () => {
    expect(serving.opened).toEqual([{ path: trussDir, ok: true }]);
    await waitFor('hello', () => messages.find((m) => m.type === 'hello'), 5000);
    const list = await api('deployments.list');
    expect(list.status).toBe(200);
    const mine = (list.body.result as DeploymentSummary[]).find((d) => d.configPath.startsWith(trussDir));
    expect(mine).toBeDefined();
    expect(mine!.modelName).toBe('minimal');
    expect(mine!.errors.filter((e) => e.severity === 'error')).toEqual([]);
    id = mine!.id;
  });

  it('starts the deployment, streams state until ready, serves logs, and stops it', async () => {
    const started = await api('deployments.start', { id });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const ready = await waitFor(
      'ready state event',
      () => messages.find((m) => m.type === 'event' && m.channel === 'deployment.state' && m.payload.id === id && m.payload.state.name === 'ready'),
      90_000,
    );
    expect(ready).toBeDefined();
    const states = messages.filter((m) => m.type === 'event' && m.channel === 'deployment.state' && m.payload.id === id).map((m) => (m as any).payload.state.name);
    expect(states[states.length - 1]).toBe('ready');
    expect(states.indexOf('ready')).toBeGreaterThan(0); // something came before ready

    const detail = await api('deployments.get', { id });
    expect(detail.status).toBe(200);
    expect(detail.body.result.summary.state.name).toBe('ready');
    expect(detail.body.result.plan.modelName).toBe('minimal');
    expect(detail.body.result.dockerRun).toMatch(/^docker run /);
    expect(detail.body.result.timeline.length).toBeGreaterThan(0);
    const containerId = detail.body.result.summary.containerId as string;
    expect(containerId).toBeTruthy();

    // Container output reaches the buffer shortly after ready: poll, bounded.
    let tail: any;
    const end = Date.now() + 15_000;
    do {
      tail = await api('logs.tail', { id, n: 200 });
      if (tail.body.result.lines.some((l: any) => l.stream !== 'system')) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < end);
    expect(tail.status).toBe(200);
    expect(tail.body.result.lines.length).toBeGreaterThan(0);
    expect(tail.body.result.lastSeq).toBeGreaterThanOrEqual(tail.body.result.lines.at(-1).seq);
    const since = await api('logs.since', { id, seq: tail.body.result.lines[0].seq });
    expect(since.body.result.lines.length).toBe(tail.body.result.lines.length - 1);
    await waitFor('a deployment.log event', () => messages.find((m) => m.type === 'event' && m.channel === 'deployment.log' && m.payload.id === id), 5000);

    const stopped = await api('deployments.stop', { id });
    expect(stopped.status).toBe(200);
    expect(['stopped', 'idle']).toContain(stopped.body.result.state.name);
    await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('opens a broken config as a deployment carrying positioned errors', async () => {
    const broken = join(allowedDir, 'broken-values');
    cpSync(join(repo, 'test/fixtures/trusses/broken-values'), broken, { recursive: true });
    const r = await api('deployments.open', { path: broken });
    expect(r.status).toBe(200);
    const errors = r.body.result.errors as Array<{ line: number; col: number; severity: string; message: string }>;
    expect(errors.filter((e) => e.severity === 'error').length).toBeGreaterThan(0);
    for (const e of errors) expect(e.line).toBeGreaterThan(0);
    const start = await api('deployments.start', { id: r.body.result.id });
    expect(start.status).toBe(422);
    expect(start.body.error.code).toBe('CONFIG_INVALID');
    expect((await api('deployments.close', { id: r.body.result.id })).status).toBe(200);
  });

  it('needs its token on loopback too, and prints a URL that carries it', async () => {
    expect(serving.token).toMatch(/^[0-9a-f]{48}$/);
    expect(serving.server.openUrl).toBe(`${base}?token=${serving.token}`);
    const none = await api('deployments.list', {}, { headers: { authorization: '' } });
    expect(none.status).toBe(401);
    expect(none.body.error.hint).toMatch(/\?token=/);
    const wrong = await api('deployments.list', {}, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const refused = await new Promise<number>((res) => {
      const w = new WebSocket(`${base.replace('http', 'ws')}api/events`);
      w.on('unexpected-response', (_req, r) => res(r.statusCode!));
      w.on('open', () => res(101));
      w.on('error', () => {});
    });
    expect(refused).toBe(401);
    // The browser flow: ?token= becomes the cookie, which then opens the API.
    const page = await fetch(serving.server.openUrl, { redirect: 'manual' });
    expect(page.status).toBe(303);
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    expect((await api('deployments.list', {}, { headers: { authorization: '', cookie } })).status).toBe(200);
  });

  it('opens only paths given at start, under --allow folders, recent or examples; saves only open configs', async () => {
    for (const path of [outsideDir, join(outsideDir, 'config.yaml'), '/etc/passwd', join(allowedDir, '..', 'outside')]) {
      const r = await api('deployments.open', { path });
      expect(r.status, path).toBe(400);
      expect(r.body.error.message).toContain('not in the folders');
      expect(r.body.error.hint).toContain('berth serve --allow');
    }
    const saved = await api('deployments.saveConfig', { path: join(outsideDir, 'config.yaml'), text: 'model_name: overwritten\n' });
    expect(saved.status).toBe(400);
    expect(readFileSync(join(outsideDir, 'config.yaml'), 'utf8')).not.toContain('overwritten');
    // Given at start (by its folder or its file), and a bundled example.
    expect((await api('deployments.open', { path: join(trussDir, 'config.yaml') })).status).toBe(200);
    const example = (await api('examples.list')).body.result[0].path as string;
    const ex = await api('deployments.open', { path: example });
    expect(ex.status).toBe(200);
    expect((await api('deployments.close', { id: ex.body.result.id })).status).toBe(200);
  });

  it('answers an unknown command with 404 and a hint', async () => {
    const r = await api('deployments.explode', {});
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(r.body.error.message).toContain('deployments.explode');
    expect(r.body.error.hint).toBeTruthy();
  });

  it('answers invalid JSON with 400', async () => {
    const r = await api('deployments.start', '{"id": ');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(r.body.error.message).toMatch(/not valid JSON/);
  });

  it('answers a schema failure with 400 naming the field', async () => {
    const r = await api('deployments.start', { id: 42 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BAD_REQUEST');
    expect(r.body.error.message).toMatch(/^Invalid input for 'deployments\.start': id: /);
    const extra = await api('deployments.stop', { id: 'x', now: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain('now');
  });

  it('reports a missing deployment as 404 and never a stack', async () => {
    const r = await api('deployments.get', { id: 'no-such-deployment' });
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
  });

  it('refuses non-POST, non-JSON bodies, foreign Host and cross-origin calls', async () => {
    const auth = { authorization: `Bearer ${serving.token}` };
    expect((await fetch(`${base}api/deployments.list`, { headers: auth })).status).toBe(405);
    const textBody = await fetch(`${base}api/deployments.list`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: '{}' });
    expect(textBody.status).toBe(415);
    const cross = await api('deployments.list', {}, { headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    const host = await new Promise<number>((res, rej) => {
      const req = http.request(`${base}api/deployments.list`, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } }, (r) => {
        r.resume();
        res(r.statusCode!);
      });
      req.on('error', rej);
      req.end('{}');
    });
    expect(host).toBe(421);
  });

  it('serves the UI with the right types and cache headers, falling back to index.html', async () => {
    const index = await fetch(base);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('Berth UI');
    const asset = await fetch(`${base}assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const route = await fetch(`${base}deployments/abc`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('Berth UI');
    expect((await fetch(`${base}assets/nope.js`)).status).toBe(404);
    const traversal = await fetch(`${base}..%2f..%2fpackage.json`);
    expect(await traversal.text()).not.toContain('"devDependencies"');
  });
});

describe('berth serve with a given token', () => {
  it('requires the token on /api and the WebSocket', async () => {
    const s = await startBerthServer({ service: serving.runtime.service, host: '127.0.0.1', port: 0, staticDir: null, token: 'sekret-key', version: 't' });
    try {
      const call = (headers: Record<string, string>) => fetch(`${s.url}api/engine.status`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      const none = await call({});
      expect(none.status).toBe(401);
      expect(((await none.json()) as any).error.hint).toMatch(/x-berth-key/);
      expect((await call({ 'x-berth-key': 'wrong' })).status).toBe(401);
      expect((await call({ 'x-berth-key': 'sekret-key' })).status).toBe(200);
      expect((await call({ authorization: 'Bearer sekret-key' })).status).toBe(200);
      const wsUrl = `${s.url.replace('http', 'ws')}api/events`;
      const refused = await new Promise<number>((res) => {
        const w = new WebSocket(wsUrl);
        w.on('unexpected-response', (_req, r) => res(r.statusCode!));
        w.on('open', () => res(101));
        w.on('error', () => {});
      });
      expect(refused).toBe(401);
      const hello = await new Promise<ServerMessage>((res, rej) => {
        const w = new WebSocket(`${wsUrl}?token=sekret-key`);
        w.once('message', (d) => {
          res(JSON.parse(String(d)));
          w.close();
        });
        w.once('error', rej);
      });
      expect(hello.type).toBe('hello');
    } finally {
      await s.close();
    }
  });
});
