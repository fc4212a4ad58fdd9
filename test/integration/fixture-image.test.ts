// Proves the test infrastructure other suites build on: the fixture image runs and speaks
// its APIs over a 127.0.0.1-published port, secrets are reported by hash only, and the
// local registry helper (no auth and htpasswd) round-trips an image through push, local
// removal and pull on the real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { docker, dockerCli, followProgress, imageExists, removeContainersByLabel, removeTag, runFixture, testLabels, MODEL_SERVER_IMAGE, type FixtureContainer } from '../helpers/docker.js';
import { collectSse, getJson, postJson, waitForHttp } from '../helpers/http.js';
import { startRegistry, type LocalRegistry } from '../helpers/registry.js';
import { tmpDir, type TempDir } from '../helpers/tmp.js';
import WebSocket from 'ws';

const AREA = 'fixtures-ci';

describe('fixture model-server image', () => {
  let fx: FixtureContainer;
  let secrets: TempDir;
  const secretValue = `s3cret-${crypto.randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    secrets = tmpDir('fixtures-ci-secrets-');
    // The container runs as uid 1000: it must be able to read what it is given.
    fs.chmodSync(secrets.dir, 0o755);
    fs.writeFileSync(path.join(secrets.dir, 'hf_access_token'), secretValue, { mode: 0o400 });
    fs.chownSync(path.join(secrets.dir, 'hf_access_token'), 1000, 1000);
    fx = await runFixture({
      area: AREA,
      user: '1000',
      env: { FIXTURE_TOKENS_PER_SEC: '500', FIXTURE_STARTUP_DELAY_S: '3' },
      binds: [`${secrets.dir}:/secrets:ro`],
    });
  });
  afterAll(async () => {
    await fx?.remove();
    secrets?.cleanup();
    await removeContainersByLabel(testLabels(AREA));
  });

  it('is not ready during the startup delay, then logs FIXTURE_READY_AT once ready', async () => {
    await waitForHttp(`${fx.url}/live`, { timeoutMs: 15_000 });
    const early = await getJson(`${fx.url}/health`);
    expect(early.status).toBe(503);
    const t0 = Date.now();
    await waitForHttp(`${fx.url}/health`, { timeoutMs: 15_000, intervalMs: 50 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    // The engine collects stdout asynchronously: wait for the line rather than race it.
    const logs = await fx.waitForLog(/FIXTURE_READY_AT \d{13}/);
    expect(logs.match(/FIXTURE_READY_AT/g)).toHaveLength(1);
  });

  it('streams chat completions as SSE at the configured token rate', async () => {
    const t0 = Date.now();
    const res = await fetch(`${fx.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi there' }], max_tokens: 50, stream: true, stream_options: { include_usage: true } }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await collectSse(res);
    const elapsed = Date.now() - t0;
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text.split(' ')).toHaveLength(50);
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 2, completion_tokens: 50, total_tokens: 52 });
    // 50 tokens at 500/s is 100 ms of pacing: proves the knob without making the test slow.
    expect(elapsed).toBeGreaterThanOrEqual(90);
  });

  it('answers non-streaming chat, models, embeddings and rerank', async () => {
    const chat = await postJson(`${fx.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }], max_tokens: 3 });
    expect(chat.body.choices[0].message).toEqual({ role: 'assistant', content: 'berth runs truss' });
    const models = await getJson(`${fx.url}/v1/models`);
    expect(models.body.data[0].id).toBe('berth-fixture-model');
    const emb = await postJson(`${fx.url}/v1/embeddings`, { input: ['a', 'b'] });
    expect(emb.body.data).toHaveLength(2);
    expect(emb.body.data[0].embedding).toHaveLength(16);
    const rr = await postJson(`${fx.url}/rerank`, { query: 'gpu', texts: ['cpu only', 'a gpu box'] });
    expect(rr.body[0]).toMatchObject({ index: 1 });
  });

  it('reports secrets by hash only, with the uid it runs as', async () => {
    const { body } = await getJson(`${fx.url}/secrets-report`);
    expect(body.uid).toBe(1000);
    expect(body.files).toEqual([
      expect.objectContaining({ name: 'hf_access_token', readable: true, size: secretValue.length, sha256: crypto.createHash('sha256').update(secretValue).digest('hex') }),
    ]);
    expect(JSON.stringify(body)).not.toContain(secretValue);
    expect(body.envNames).toContain('FIXTURE_TOKENS_PER_SEC');
  });

  it('counts in-flight and aborted requests in /stats', async () => {
    await postJson(`${fx.url}/stats/reset`, {});
    const slow = [1, 2, 3].map(() => fetch(`${fx.url}/slow?ms=400`).then((r) => r.json()));
    const aborted = fetch(`${fx.url}/slow?ms=5000`, { signal: AbortSignal.timeout(150) }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    const mid = await getJson(`${fx.url}/stats`);
    expect(mid.body.inFlight).toBe(4);
    expect(await aborted).toBe('aborted');
    await Promise.all(slow);
    await new Promise((r) => setTimeout(r, 50));
    const end = await getJson(`${fx.url}/stats`);
    expect(end.body).toMatchObject({ inFlight: 0, maxInFlight: 4, total: 4, completed: 3, aborted: 1 });
  });
});

describe('fixture fault knobs', () => {
  const started: FixtureContainer[] = [];
  afterAll(async () => {
    for (const c of started) await c.remove();
  });

  it('echoes and streams over WebSocket /ws', async () => {
    const fx = await runFixture({ area: AREA });
    started.push(fx);
    await waitForHttp(`${fx.url}/health`, { timeoutMs: 15_000 });
    const ws = new WebSocket(`ws://127.0.0.1:${fx.port}/ws`);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => {
        ws.send('hello');
        ws.send(JSON.stringify({ stream: 3, interval_ms: 5 }));
      });
      ws.on('message', (d) => {
        got.push(d.toString());
        if (got.at(-1)!.includes('"done"')) resolve();
      });
    });
    ws.close();
    expect(got[0]).toBe('hello');
    expect(got.slice(1).map((m) => JSON.parse(m))).toEqual([
      { index: 0, token: 'berth' }, { index: 1, token: ' runs' }, { index: 2, token: ' truss' }, { done: true, count: 3 },
    ]);
  });

  it('prints exactly FIXTURE_LOG_LINES lines, flaps readiness and hangs liveness on cue', async () => {
    const fx = await runFixture({
      area: AREA,
      env: { FIXTURE_LOG_LINES: '3000', FIXTURE_READY_FLAP_S: '1', FIXTURE_LIVENESS_HANG_AFTER_S: '2', FIXTURE_LOG_FLOOD_LPS: '200' },
    });
    started.push(fx);
    await waitForHttp(`${fx.url}/health`, { timeoutMs: 15_000, intervalMs: 50 });
    const seen = new Set<number>();
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline && seen.size < 2) {
      seen.add((await getJson(`${fx.url}/health`)).status);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen].sort()).toEqual([200, 503]);
    // /live answers until 2 s after start, then never again.
    let hung = false;
    const liveDeadline = Date.now() + 6_000;
    while (!hung && Date.now() < liveDeadline) {
      const res = await fetch(`${fx.url}/live`, { signal: AbortSignal.timeout(700) }).catch(() => null);
      if (res) expect(res.status).toBe(200);
      hung = res === null;
    }
    expect(hung).toBe(true);
    const logs = await fx.waitForLog(/LOG_LINE 3000\/3000/);
    const lines = logs.split('\n').filter((l) => l.startsWith('LOG_LINE '));
    expect(lines).toHaveLength(3000);
    expect(lines.at(-1)).toMatch(/^LOG_LINE 3000\/3000 /);
    expect(logs).toMatch(/\u001b\[3\dmflood \d+/);
  });

  it('crashes with FIXTURE_CRASH_CODE after FIXTURE_CRASH_AFTER_S', async () => {
    const fx = await runFixture({ area: AREA, env: { FIXTURE_CRASH_AFTER_S: '1', FIXTURE_CRASH_CODE: '7' } });
    started.push(fx);
    const t0 = Date.now();
    const exit = await fx.container.wait();
    expect(exit.StatusCode).toBe(7);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await fx.logs()).toContain('crashing on purpose');
  });

  it('exits promptly on docker stop (SIGTERM as PID 1)', async () => {
    const fx = await runFixture({ area: AREA });
    started.push(fx);
    await waitForHttp(`${fx.url}/health`, { timeoutMs: 15_000 });
    const t0 = Date.now();
    await fx.container.stop({ t: 10 });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await fx.container.inspect()).State.ExitCode).toBe(0);
  });
});

describe('local registry helper', () => {
  const registries: LocalRegistry[] = [];
  const pushed: string[] = [];
  afterAll(async () => {
    for (const ref of pushed) await removeTag(ref);
    for (const r of registries) await r.stop();
  });

  it('pushes to a no-auth registry, removes the local tag and pulls it back with the docker CLI', async () => {
    const reg = await startRegistry();
    registries.push(reg);
    const ref = reg.ref(`fixtures-ci/model-server:${process.pid}`);
    pushed.push(ref);
    await docker.getImage(MODEL_SERVER_IMAGE).tag({ repo: ref.slice(0, ref.lastIndexOf(':')), tag: String(process.pid) });
    await dockerCli(['push', ref]);
    const local = await docker.getImage(ref).inspect();
    await removeTag(ref);
    expect(await imageExists(ref)).toBe(false);
    await dockerCli(['pull', ref]);
    const back = await docker.getImage(ref).inspect();
    expect(back.Id).toBe(local.Id);
    expect(back.RepoDigests.some((d) => d.startsWith(`${reg.address}/fixtures-ci/model-server@sha256:`))).toBe(true);
  });

  it('requires credentials on the htpasswd registry and accepts them through dockerode', async () => {
    const auth = { username: 'berth', password: `pw-${crypto.randomBytes(6).toString('hex')}` };
    const reg = await startRegistry({ auth });
    registries.push(reg);
    const repo = reg.ref('fixtures-ci/busy');
    const ref = `${repo}:${process.pid}`;
    pushed.push(ref);
    await docker.getImage('berth-fixture/busybox:latest').tag({ repo, tag: String(process.pid) });

    // Wrong credentials are refused: proves auth is really on.
    const wrong = { username: auth.username, password: 'wrong', serveraddress: reg.address };
    await expect(docker.getImage(ref).push({ authconfig: wrong }).then(followProgress)).rejects.toThrow(/auth|unauthorized|denied/i);
    const anon = await fetch(`${reg.url}/v2/_catalog`);
    expect(anon.status).toBe(401);

    await followProgress(await docker.getImage(ref).push({ authconfig: reg.authconfig }));
    await removeTag(ref);
    expect(await imageExists(ref)).toBe(false);
    await expect(docker.pull(ref, { authconfig: wrong }).then(followProgress)).rejects.toThrow(/auth|unauthorized|denied|no basic auth/i);
    await followProgress(await docker.pull(ref, { authconfig: reg.authconfig }));
    expect(await imageExists(ref)).toBe(true);

    const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    const catalog = await getJson(`${reg.url}/v2/_catalog`, { headers: { authorization: `Basic ${basic}` } });
    expect(catalog.body.repositories).toContain('fixtures-ci/busy');
  });
});
