// Runs the real `berth` CLI (bin/berth.js over the esbuild bundle) as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURE_BIN = fileURLToPath(new URL('../../fixtures/bin', import.meta.url));

let entry: string | null = null;

/**
 * `node scripts/build.mjs --node-only`, once per test file. While sibling commands are still being
 * written in parallel (the build then fails only on `./commands/<x>.js` not resolving), the CLI is
 * bundled with those left external into .berth-test/ instead, so `gpus`/`secrets` can still be
 * exercised as a real process. Any other build error fails the test.
 */
export async function buildCli(): Promise<void> {
  if (entry) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0) {
    entry = 'bin/berth.js';
    return;
  }
  const out = `${r.stdout}\n${r.stderr}`;
  const unresolved = [...out.matchAll(/ERROR: Could not resolve "([^"]+)"/g)].map((m) => m[1]);
  if (!unresolved.length || unresolved.some((u) => !/^\.\/commands\/[a-z-]+\.js$/.test(u))) {
    throw new Error(`CLI build failed (node scripts/build.mjs --node-only):\n${out}`);
  }
  console.warn(`CLI build: sibling commands not written yet (${unresolved.join(', ')}); bundling without them.`);
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(ROOT, 'electron/cli/main.ts')],
    outfile: join(ROOT, '.berth-test/gss-cli/main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    external: unresolved,
  });
  entry = '.berth-test/gss-cli/main.js';
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function berth(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry ?? 'bin/berth.js', ...args], { cwd: ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
