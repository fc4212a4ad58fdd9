// Bad input against real processes: mutated configs through `berth serve`'s validate
// command and the `berth validate` CLI, malformed HTTP on raw sockets at the gateway and
// at `berth serve`, an unreachable engine, and a disk that fills up during a build.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBerthHome, tmpDir, writeTree } from '../helpers/tmp.js';
import { bundleCli, removeBundle, runCli, startServe, type Berth } from './helpers/berth-process.js';
import { fixtureTruss } from './helpers/truss.js';
import { leftovers, sweep } from './helpers/leftovers.js';
import { mutatedConfigs } from '../helpers/config-mutations.js';
import { rawRequest, slowloris, type Slowloris } from './helpers/raw-http.js';

const MIB = 1024 * 1024;
const home = makeBerthHome('berth-rel-bad-home-');
const truss = fixtureTruss({ name: 'rel-bad', predictEndpoint: '/predict' });
const work = tmpDir('berth-rel-bad-work-');
let cli = '';
let berth: Berth;
let id = '';
let gatewayPort = 0;
let servePort = 0;
const slow: Array<{ target: string; s: Slowloris }> = [];
// A stack frame in user-facing output means an error escaped unexplained.
const STACK = /\n\s+at .+[(:]\d+/;

beforeAll(async () => {
  cli = await bundleCli();
  berth = await startServe(cli, { home: home.dir, paths: [truss.dir] });
  servePort = Number(new URL(berth.url).port);
  id = (await berth.api('deployments.list')).body.result[0].id;
  expect((await berth.api('deployments.start', { id })).status).toBe(200);
  const ready = await berth.waitState(id, 'ready', 60_000);
  gatewayPort = Number(new URL(ready.summary.gatewayUrl).port);
  // Opened first so the servers' header timeouts run while the rest of the file does.
  slow.push({ target: 'berth serve', s: slowloris(servePort, '/api/app.info') });
  slow.push({ target: 'gateway', s: slowloris(gatewayPort, '/production/predict') });
});

afterAll(async () => {
  for (const x of slow) x.s.destroy();
  await berth?.stop().catch(() => undefined);
  await sweep(home.dir);
  if (cli) removeBundle(cli);
  truss.cleanup();
  work.cleanup();
  home.cleanup();
});

function checkIssues(issues: any[], file: string): void {
  for (const i of issues) {
    expect(i.line).toBeGreaterThanOrEqual(1);
    expect(i.col).toBeGreaterThanOrEqual(1);
    expect(i.file).toBe(file);
    expect(typeof i.message).toBe('string');
    expect(i.message.length).toBeGreaterThan(0);
    expect(i.message).not.toMatch(STACK);
  }
}

async function alive(): Promise<void> {
  const info = await berth.api('app.info');
  expect(info.status).toBe(200);
  expect(berth.proc.exitCode).toBeNull();
  const res = await fetch(`http://127.0.0.1:${gatewayPort}/production/predict`, { method: 'POST', body: '{"prompt":"ok"}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).model_output).toBe('ko');
}

describe('config fuzzer through the real API and CLI', () => {
  it('1,200 mutated configs via deployments.validateText: each a plan or positioned errors; the server stays up', async () => {
    const configs = mutatedConfigs(1200);
    const file = path.join(work.dir, 'config.yaml');
    let invalid = 0;
    // A few in flight at a time: realistic for an editor, and the server must not mind.
    for (let n = 0; n < configs.length; n += 8) {
      const batch = configs.slice(n, n + 8);
      const results = await Promise.all(batch.map((text) => berth.api('deployments.validateText', { text, path: file })));
      for (const [k, r] of results.entries()) {
        expect(r.status, `config #${n + k}: ${JSON.stringify(r.body).slice(0, 300)}\n${batch[k]}`).toBe(200);
        const { issues, plan, dockerRun } = r.body.result;
        const errors = issues.filter((i: any) => i.severity === 'error');
        if (plan === null) {
          expect(errors.length, `config #${n + k} has no plan and no error:\n${batch[k]}`).toBeGreaterThan(0);
          invalid++;
        } else {
          expect(errors).toEqual([]);
          expect(dockerRun).toMatch(/^docker run /);
        }
        checkIssues(issues, file);
      }
    }
    // The mutations must break configs most of the time, or this proves nothing.
    expect(invalid).toBeGreaterThan(500);
    await alive();
  });

  it('150 mutated configs via `berth validate --json`: exit 0/1, every result positioned, no stack', async () => {
    const configs = mutatedConfigs(150, 7);
    const dirs = configs.map((text, i) => writeTree(path.join(work.dir, `c${i}`), { 'config.yaml': text }));
    const r = runCli(cli, ['validate', '--json', ...dirs], { BERTH_HOME: home.dir });
    const exit = await Promise.race([r.exit, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('berth validate hung')), 60_000))]);
    expect([0, 1], r.output().slice(-2000)).toContain(exit.code);
    expect(r.output()).not.toMatch(STACK);
    const out = JSON.parse(r.output());
    expect(out.results).toHaveLength(150);
    let invalid = 0;
    for (const [i, res] of out.results.entries()) {
      if (res.error) {
        expect(res.error.message, `#${i}`).toBeTruthy();
        invalid++;
        continue;
      }
      const errors = res.issues.filter((x: any) => x.severity === 'error');
      if (res.valid) expect(errors).toEqual([]);
      else {
        expect(errors.length, `#${i}:\n${configs[i]}`).toBeGreaterThan(0);
        invalid++;
      }
      checkIssues(res.issues, path.join(dirs[i], 'config.yaml'));
    }
    expect(invalid).toBeGreaterThan(50);
    expect(exit.code).toBe(invalid > 0 ? 1 : 0);
  });
});

describe('malformed HTTP', () => {
  const targets = () => [
    { name: 'berth serve', port: servePort, path: '/api/app.info' },
    { name: 'gateway', port: gatewayPort, path: '/production/predict' },
  ];

  it('garbage request lines, huge headers and invalid chunked bodies get a 4xx', async () => {
    for (const t of targets()) {
      const host = `Host: 127.0.0.1:${t.port}`;
      const garbage = await rawRequest(t.port, ['GARBAGE \u0001\u0002 NOT HTTP\r\n\r\n']);
      expect(garbage.status, `${t.name} garbage: ${garbage.text.slice(0, 200)}`).toBe(400);

      // (A line without a version is HTTP/0.9 to Node's parser and served: not malformed.)
      const badMethod = await rawRequest(t.port, [`P@ST ${t.path} HTTP/1.1\r\n${host}\r\n\r\n`]);
      expect(badMethod.status, `${t.name} bad method: ${badMethod.text.slice(0, 200)}`).toBe(400);

      const huge = await rawRequest(t.port, [`POST ${t.path} HTTP/1.1\r\n${host}\r\nX-Big: ${'b'.repeat(256 * 1024)}\r\n\r\n`]);
      expect(huge.status, `${t.name} huge header: ${huge.text.slice(0, 200)}`).toBe(431);

      const chunked = await rawRequest(t.port, [`POST ${t.path} HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n`]);
      expect(chunked.status, `${t.name} bad chunk size: ${chunked.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(chunked.status).toBeLessThan(500);

      const both = await rawRequest(t.port, [`POST ${t.path} HTTP/1.1\r\n${host}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`]);
      expect(both.status, `${t.name} CL+TE: ${both.text.slice(0, 300)}`).toBe(400);
    }
    await alive();
  });

  it('bodies over the limit get 413 (gateway: 100 MiB, berth serve: its API limit)', async () => {
    const declared = await rawRequest(gatewayPort, [`POST /production/predict HTTP/1.1\r\nHost: 127.0.0.1:${gatewayPort}\r\nContent-Type: application/json\r\nContent-Length: ${100 * MIB + 1}\r\n\r\n{"prompt":`]);
    expect(declared.status, declared.text.slice(0, 300)).toBe(413);
    expect(declared.text).toMatch(/100 MiB/);

    // Chunked: no length up front, so the limit must be enforced while the body streams.
    const block = Buffer.alloc(MIB, 'a');
    const chunk = Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]);
    const streamed = await rawRequest(
      gatewayPort,
      [`POST /production/predict HTTP/1.1\r\nHost: 127.0.0.1:${gatewayPort}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, ...Array(110).fill(chunk), '0\r\n\r\n'],
      60_000,
    );
    expect(streamed.status, streamed.text.slice(0, 300)).toBe(413);

    // The API's limit is far below 100 MiB; the whole declared body is offered, as a client would.
    const api = await rawRequest(
      servePort,
      [`POST /api/deployments.validateText HTTP/1.1\r\nHost: 127.0.0.1:${servePort}\r\nAuthorization: Bearer ${berth.token}\r\nContent-Type: application/json\r\nContent-Length: ${101 * MIB}\r\n\r\n`, ...Array(101).fill(block)],
      60_000,
    );
    expect(api.status, api.text.slice(0, 300)).toBe(413);
    const apiStreamed = await rawRequest(
      servePort,
      [`POST /api/deployments.validateText HTTP/1.1\r\nHost: 127.0.0.1:${servePort}\r\nAuthorization: Bearer ${berth.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, ...Array(8).fill(chunk), '0\r\n\r\n'],
      30_000,
    );
    expect(apiStreamed.status, apiStreamed.text.slice(0, 300)).toBe(413);
    await alive();
  });

  it('slowloris (a request head trickled byte by byte) is cut off by a timeout; others are served meanwhile', async () => {
    for (let i = 0; i < 5; i++) await alive();
    for (const x of slow) {
      const ms = await x.s.closed.catch((e: Error) => {
        throw new Error(`${x.target}: ${e.message}`);
      });
      // Both servers give a request head 20 s (electron/engine/http/client-errors.ts), swept every 2 s.
      expect(ms, x.target).toBeLessThan(30_000);
    }
    await alive();
  }, 150_000);
});

describe('an unreachable engine', () => {
  it('engine.status says unavailable with a hint, start fails clearly, nothing crashes', async () => {
    const home2 = makeBerthHome('berth-rel-noengine-home-');
    const t = fixtureTruss({ name: 'rel-noengine' });
    const b = await startServe(cli, { home: home2.dir, paths: [t.dir], env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    try {
      expect(b.output()).toMatch(/Docker is not reachable/);
      const st = await b.api('engine.status');
      expect(st.status).toBe(200);
      expect(st.body.result.up).toBe(false);
      expect(st.body.result.reason).toMatch(/nonexistent\.sock/);
      expect(st.body.result.hint).toBeTruthy();
      const list = await b.api('deployments.list');
      const depId = list.body.result[0].id;
      const started = await b.api('deployments.start', { id: depId });
      // Either the command fails with ENGINE_UNAVAILABLE or the deployment lands in failed: both say what to do.
      if (started.status !== 200) {
        expect(started.body.error.code).toBe('ENGINE_UNAVAILABLE');
        expect(started.body.error.hint).toBeTruthy();
      } else {
        const failed = await b.waitState(depId, 'failed', 20_000);
        expect(failed.summary.state.reason).toMatch(/Docker|engine/i);
      }
      expect(JSON.stringify(started.body)).not.toMatch(STACK);
      expect((await b.api('app.info')).status).toBe(200);
      expect(b.proc.exitCode).toBeNull();
      expect(await b.stop()).toBe(0);
      expect(b.output()).not.toMatch(STACK);
    } finally {
      await b.kill9().catch(() => undefined);
      t.cleanup();
      home2.cleanup();
    }
  });
});

describe('a full disk during a build', () => {
  // A true full host disk cannot be simulated on a shared engine; the build container's
  // /dev/shm is a real 64 MiB tmpfs, so writing 128 MiB there hits a real ENOSPC.
  it('fails with BUILD_FAILED naming the step and "No space left on device"', async () => {
    const t = fixtureTruss({ name: 'rel-fulldisk', buildCommands: ['dd if=/dev/zero of=/dev/shm/fill bs=1M count=128'] });
    try {
      const opened = await berth.api('deployments.open', { path: t.dir });
      const depId = opened.body.result.id;
      const started = await berth.api('deployments.start', { id: depId });
      let reason = '';
      if (started.status !== 200) {
        expect(started.body.error.code).toBe('BUILD_FAILED');
        reason = `${started.body.error.message} ${started.body.error.hint ?? ''}`;
      } else {
        const failed = await berth.waitState(depId, 'failed', 90_000);
        reason = failed.summary.state.reason;
      }
      expect(reason).toMatch(/No space left on device/);
      expect(reason).toMatch(/dd if=\/dev\/zero|build command|step/i);
      expect(reason).not.toMatch(STACK);
      await berth.api('deployments.close', { id: depId });
      await alive();
      const left = await leftovers(home.dir);
      expect(left.containers.filter((c) => c.includes('fulldisk'))).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
