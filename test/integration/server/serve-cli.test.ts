// `berth serve` as a real process: prints its URL (with the token), serves, and on Ctrl-C
// (SIGINT) stops the containers it started and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../helpers/docker.js';
import { makeBerthHome, tmpDir } from '../../helpers/tmp.js';

const repo = resolve(__dirname, '../../..');
// Bundled beside the repo (in the git-ignored .berth-test/) so the CLI resolves the repo's
// node_modules and resources exactly as dist/cli does, without racing others' dist/ builds.
const cli = join(repo, '.berth-test', `serve-cli-${process.pid}`, 'main.js');
const home = makeBerthHome('berth-serve-cli-home-');
const work = tmpDir('berth-serve-cli-');
const trussDir = join(work.dir, 'minimal');
cpSync(join(repo, 'test/fixtures/trusses/minimal'), trussDir, { recursive: true });
// Every process started here, so a failed assertion cannot leave one running.
const started: ChildProcess[] = [];

function runCli(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...home.env, BERTH_API_KEY: '', BERTH_SERVE_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, output: () => out, exit };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  await build({ entryPoints: [join(repo, 'electron/cli/main.ts')], outfile: cli, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' });
});

afterAll(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  const left = await docker.listContainers({ all: true, filters: { label: ['dev.berth.managed=true'] } });
  for (const c of left) if (c.Labels['dev.berth.config-path']?.startsWith(work.dir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  work.cleanup();
  home.cleanup();
  rmSync(dirname(cli), { recursive: true, force: true });
});

describe('berth serve (process)', () => {
  it('documents the token, --no-token, --allow and the non-loopback rule in --help', async () => {
    const r = runCli(['serve', '--help']);
    expect(await r.exit).toBe(0);
    expect(r.output()).toMatch(/--host H/);
    expect(r.output()).toMatch(/token is then always required/);
    expect(r.output()).toMatch(/--token T/);
    expect(r.output()).toMatch(/--no-token/);
    expect(r.output()).toMatch(/--allow DIR/);
    expect(r.output()).toMatch(/\/\?token=/);
    expect(r.output()).toMatch(/default 7870/);
  });

  it('refuses --no-token beyond loopback', async () => {
    const r = runCli(['serve', '--port', '0', '--host', '0.0.0.0', '--no-token']);
    expect(await r.exit).toBe(2);
    expect(r.output()).toMatch(/--no-token is refused/);
  });

  it('--no-token serves without authentication, after a loud warning', async () => {
    const r = runCli(['serve', '--port', '0', '--no-token']);
    const url = await until('the URL line', () => /Berth is serving on (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(r.output())?.[1], 30_000);
    expect(r.output()).toMatch(/WARNING: --no-token: the Berth API has NO authentication/);
    const res = await fetch(`${url}api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    r.proc.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  it('`berth PATH` prints a URL with a fresh token; BERTH_SERVE_TOKEN is used but not printed', async () => {
    const r = runCli([trussDir, '--port', '0']);
    const m = await until('the URL line', () => /Berth is serving on (http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]{48})$/m.exec(r.output()) ?? undefined, 30_000);
    const [, url, token] = m;
    const call = (auth?: string) => fetch(`${url}api/deployments.list`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: '{}' });
    expect((await call()).status).toBe(401);
    const list = (await (await call(`Bearer ${token}`)).json()) as any;
    expect(list.result.map((d: any) => d.configPath)).toEqual([trussDir]);
    r.proc.kill('SIGINT');
    expect(await r.exit).toBe(0);

    const given = 'my-own-serve-token-42';
    const g = runCli(['serve', '--port', '0'], { BERTH_SERVE_TOKEN: given });
    const gurl = await until('the URL line', () => /Berth is serving on (http:\/\/127\.0\.0\.1:\d+\/)\?token=\.\.\.$/m.exec(g.output())?.[1], 30_000);
    expect(g.output()).not.toContain(given);
    expect((await fetch(`${gurl}api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${given}` }, body: '{}' })).status).toBe(200);
    g.proc.kill('SIGINT');
    expect(await g.exit).toBe(0);
  });

  it('rejects a bad port with a clear message', async () => {
    const r = runCli(['serve', '--port', 'abc']);
    expect(await r.exit).toBe(2);
    expect(r.output()).toMatch(/--port must be a whole number/);
  });

  it('serves, runs a model, and stops it on Ctrl-C', async () => {
    const r = runCli(['serve', '--port', '0', trussDir]);
    const [, url, token] = await until('the URL line', () => /Berth is serving on (http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)/.exec(r.output()) ?? undefined, 30_000);
    // The opened lines follow the URL line; the pipe may hand them over in a later chunk.
    await until('the opened line', () => (r.output().includes(`opened ${trussDir}`) ? true : undefined), 10_000);
    const post = async (name: string, body: unknown) =>
      (await (await fetch(`${url}api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })).json()) as any;
    const list = await post('deployments.list', {});
    const id = list.result[0].id as string;
    expect((await post('deployments.start', { id })).ok).toBe(true);
    const containerId = await until(
      'ready',
      async () => {
        const d = await post('deployments.get', { id });
        return d.result.summary.state.name === 'ready' ? (d.result.summary.containerId as string) : undefined;
      },
      90_000,
    );
    expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);
    r.proc.kill('SIGINT');
    const code = await Promise.race([r.exit, new Promise((res) => setTimeout(() => res('timeout'), 45_000))]);
    expect(code, r.output()).toBe(0);
    expect(r.output()).toContain('Stopping');
    await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
