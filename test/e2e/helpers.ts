// e2e plumbing: a real `berth serve` child process (its printed URL carries the token, and
// the browser opens that URL), Chromium via playwright-core (found as `npm test` finds it:
// chromium.mjs; none is a failure, never a skip), temp truss dirs under one folder the serve
// may open (`--allow`), and screenshots. Nothing here is mocked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireChromium } from './chromium.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SHOTS = join(ROOT, 'test/e2e/screenshots');
export const FIXTURE_IMAGE = 'berth-fixture/model-server:latest';
/** Every temp truss of this run lives here, and each serve is started with `--allow` on it. */
export const TRUSS_ROOT = mkdtempSync(join(tmpdir(), 'berth-e2e-trusses-'));
process.once('exit', () => {
  try { rmSync(TRUSS_ROOT, { recursive: true, force: true }); } catch { /* left in the temp dir */ }
});

/** Builds what the tests need when missing or older than its sources: the CLI (node side) and the renderer. */
export function ensureBuilt(): void {
  if (process.env.BERTH_E2E_URL) return;
  const cli = join(ROOT, 'dist/cli/main.js');
  // A stale CLI would test old server code, as a stale UI bundle would test old UI code.
  if (!existsSync(cli) || Math.max(newestMtime(join(ROOT, 'electron')), newestMtime(join(ROOT, 'shared'))) > statSync(cli).mtimeMs) {
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

export interface Serve {
  /** The server's root, no trailing slash and no token: after `signIn` the browser needs none. */
  url: string;
  /** The URL `berth serve` printed, with `?token=`: what a user opens. */
  tokenUrl: string;
  token: string;
  home: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** The printed URL with a client-side route after it, e.g. `openUrl(serve, '#/gpus')`. */
export function openUrl(serve: Serve, hash = ''): string {
  return `${serve.tokenUrl}${hash}`;
}

/**
 * BERTH_E2E_URL points the tests at an already running `berth serve` (for development): give
 * the URL it printed, token included, and start it with `--allow` on the temp dir.
 */
export async function startServe(extraEnv: Record<string, string> = {}): Promise<Serve> {
  const given = Object.keys(extraEnv).length ? undefined : process.env.BERTH_E2E_URL;
  if (given) {
    const u = new URL(given);
    const token = u.searchParams.get('token') ?? '';
    return { url: u.origin, tokenUrl: `${u.origin}/?token=${token}`, token, home: '', proc: null as unknown as ChildProcess, output: () => '', async stop() {} };
  }
  const home = mkdtempSync(join(tmpdir(), 'berth-e2e-home-'));
  const proc = spawn(process.execPath, ['bin/berth.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--allow', TRUSS_ROOT], {
    cwd: ROOT, env: { ...process.env, BERTH_HOME: home, BERTH_SERVE_TOKEN: '', BERTH_API_KEY: '', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const tokenUrl = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`berth serve did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /Berth is serving on (http:\/\/\S+\?token=[0-9a-f]+)/.exec(out);
      if (m) { clearTimeout(t); res(m[1]); }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => { clearTimeout(t); rej(new Error(`berth serve exited ${code}:\n${out}`)); });
  });
  const u = new URL(tokenUrl);
  return {
    url: u.origin, tokenUrl, token: u.searchParams.get('token')!, home, proc, output: () => out,
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

/** Chromium from chromium.mjs (CHROMIUM_PATH, the usual paths, PATH); throws when there is none. */
export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: requireChromium(), args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Opens a config by path from the Deployments screen and waits for its detail heading. */
export async function openConfig(page: Page, dir: string, heading: string | RegExp): Promise<void> {
  await page.getByLabel('Config path').fill(dir);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByRole('heading', { name: heading }).waitFor();
}

/** A truss dir under TRUSS_ROOT, which every serve started here may open. */
export function tempTruss(name: string, configYaml: string): string {
  const dir = mkdtempSync(join(TRUSS_ROOT, `${name}-`));
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

/** One API command over the real HTTP transport with the serve's token (used for cleanup, not for assertions). */
export async function apiCall(serve: Serve, name: string, input?: unknown): Promise<unknown> {
  const res = await fetch(`${serve.url}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serve.token}` }, body: input === undefined ? '' : JSON.stringify(input) });
  const body = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!body.ok) throw new Error(body.error?.message ?? `${name} failed`);
  return body.result;
}

/**
 * Console errors and page errors of `page`, collected as they happen. API error replies
 * (4xx/5xx) are logged by Chromium as failed loads: those are expected and left out.
 */
export function watchConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/**
 * Closes the deployments opened from `dirs` through the API (stopping their containers),
 * stops the server, then removes any container of ours left once nothing manages it.
 */
export async function closeAndStop(serve: Serve, dirs: string[]): Promise<void> {
  const list = (await apiCall(serve, 'deployments.list').catch(() => [])) as Array<{ id: string; configPath: string }>;
  for (const d of list.filter((x) => dirs.some((dir) => x.configPath.startsWith(dir)))) {
    await apiCall(serve, 'deployments.close', { id: d.id }).catch(() => {});
  }
  await serve.stop();
  if (serve.proc) await removeContainersFor(dirs);
}
