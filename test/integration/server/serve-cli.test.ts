// `berth serve` as a real process: prints its URL, serves, and on Ctrl-C (SIGINT) stops the
// containers it started and exits 0.
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
let child: ChildProcess | null = null;

function runCli(args: string[]): { proc: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...home.env, BERTH_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (child && child.exitCode === null) child.kill('SIGKILL');
  const left = await docker.listContainers({ all: true, filters: { label: ['dev.berth.managed=true'] } });
  for (const c of left) if (c.Labels['dev.berth.config-path']?.startsWith(work.dir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  work.cleanup();
  home.cleanup();
  rmSync(dirname(cli), { recursive: true, force: true });
});

describe('berth serve (process)', () => {
  it('documents the key requirement for non-loopback hosts in --help', async () => {
    const r = runCli(['serve', '--help']);
    expect(await r.exit).toBe(0);
    expect(r.output()).toMatch(/--host H/);
    expect(r.output()).toMatch(/API key is then required/);
    expect(r.output()).toMatch(/default 7870/);
  });

  it('rejects a bad port with a clear message', async () => {
    const r = runCli(['serve', '--port', 'abc']);
    expect(await r.exit).toBe(2);
    expect(r.output()).toMatch(/--port must be a whole number/);
  });

  it('serves, runs a model, and stops it on Ctrl-C', async () => {
    const r = runCli(['serve', '--port', '0', trussDir]);
    child = r.proc;
    const url = await until('the URL line', () => /Berth is serving on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(r.output())?.[1], 30_000);
    expect(r.output()).toContain(`opened ${trussDir}`);
    const post = async (name: string, body: unknown) =>
      (await (await fetch(`${url}api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as any;
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
