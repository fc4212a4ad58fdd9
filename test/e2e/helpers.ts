// e2e plumbing: a real `berth serve` child process, Debian Chromium via playwright-core,
// temp truss dirs, and screenshots. Nothing here is mocked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SHOTS = join(ROOT, 'test/e2e/screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const FIXTURE_IMAGE = 'berth-fixture/model-server:latest';

/** Builds what the tests need when missing: the CLI (node side) and the renderer. */
export function ensureBuilt(): void {
  if (process.env.BERTH_E2E_URL) return;
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('node build failed: run `node scripts/build.mjs` to see why');
  }
  const built = join(ROOT, 'dist/renderer/index.html');
  if (!existsSync(built) || newestMtime(join(ROOT, 'renderer')) > statSync(built).mtimeMs) {
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('renderer build failed: run `npx vite build` to see why');
  }
}

// A stale UI bundle would test old code: rebuild when any renderer source is newer.
function newestMtime(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return max;
}

export interface Serve { url: string; home: string; proc: ChildProcess; output: () => string; stop(): Promise<void> }

/** BERTH_E2E_URL points the tests at an already running `berth serve` (for development). */
export async function startServe(extraEnv: Record<string, string> = {}): Promise<Serve> {
  const given = Object.keys(extraEnv).length ? undefined : process.env.BERTH_E2E_URL;
  if (given) return { url: given.replace(/\/$/, ''), home: '', proc: null as unknown as ChildProcess, output: () => '', async stop() {} };
  const home = mkdtempSync(join(tmpdir(), 'berth-e2e-home-'));
  const proc = spawn(process.execPath, ['bin/berth.js', 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT, env: { ...process.env, BERTH_HOME: home, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const url = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`berth serve did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /Berth is serving on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(t); res(m[1].replace(/\/$/, '')); }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => { clearTimeout(t); rej(new Error(`berth serve exited ${code}:\n${out}`)); });
  });
  return {
    url, home, proc, output: () => out,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export function tempTruss(name: string, configYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-e2e-${name}-`));
  writeFileSync(join(dir, 'config.yaml'), configYaml);
  return dir;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export function publishScreenshot(file: string): void {
  mkdirSync(join(ROOT, 'docs/screenshots'), { recursive: true });
  copyFileSync(file, join(ROOT, 'docs/screenshots/berth.png'));
}

/** Removes containers Berth made for configs under the given dirs (only ours, by label). */
export async function removeContainersFor(dirs: string[]): Promise<void> {
  const docker = new Docker();
  const list = await docker.listContainers({ all: true, filters: { label: ['dev.berth.managed=true'] } });
  for (const c of list) {
    const cfg = c.Labels['dev.berth.config-path'] ?? '';
    if (dirs.some((d) => cfg.startsWith(d))) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  try { await new Docker().getImage(ref).inspect(); return true; } catch { return false; }
}

/** One API command over the real HTTP transport (used for cleanup, not for assertions). */
export async function apiCall(base: string, name: string, input?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: input === undefined ? '' : JSON.stringify(input) });
  const body = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!body.ok) throw new Error(body.error?.message ?? `${name} failed`);
  return body.result;
}
