// The app and `berth secrets set` are two processes writing one secrets.json: each
// read-modify-write must hold a lock the other process sees, or one update is lost.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretStore } from '../../../electron/engine/secrets/store.js';
import { withFileLock } from '../../../electron/engine/store/file-lock.js';

let home: string;
let child: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'berth-secrets-xproc-'));
  child = join(home, 'writer.mjs');
  // A writer process: sets `count` secrets named <prefix>_<i>, one read-modify-write each.
  await build({
    stdin: {
      contents: `import { SecretStore } from ${JSON.stringify(resolve('electron/engine/secrets/store.ts'))};
        const [file, prefix, count] = process.argv.slice(2);
        const s = new SecretStore({ file });
        for (let i = 0; i < Number(count); i++) await s.set(prefix + '_' + i, 'value-' + prefix + '-' + i);`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    outfile: child,
    // Bundled CommonJS dependencies require() Node built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function runWriter(file: string, prefix: string, count: number): Promise<number> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [child, file, prefix, String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b) => (err += b));
    p.on('error', rej);
    p.on('exit', (code) => (code === 0 ? res(0) : rej(new Error(`writer ${prefix} exited ${code}: ${err}`))));
  });
}

describe('SecretStore across processes', () => {
  it('two processes setting different names at the same time: every name is kept', async () => {
    const file = join(home, 'a', 'secrets.json');
    const count = 40;
    await Promise.all([runWriter(file, 'app', count), runWriter(file, 'cli', count)]);
    const names = (await new SecretStore({ file }).list()).map((l) => l.name);
    expect(names).toHaveLength(2 * count);
    expect(await new SecretStore({ file }).get('cli_7')).toBe('value-cli-7');
  });

  it('a lock left by a process that died is taken over, not waited on forever', async () => {
    const file = join(home, 'b', 'secrets.json');
    const s = new SecretStore({ file });
    await s.set('first', 'one');
    // A writer killed while holding the lock: its pid no longer runs.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 99_999_999, host: (await import('node:os')).hostname(), token: 'dead' }));
    const t0 = Date.now();
    await s.set('second', 'two');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await s.list()).map((l) => l.name)).toEqual(['first', 'second']);
  });

  it('withFileLock serializes holders and leaves no lock file behind', async () => {
    const lock = join(home, 'c.lock');
    let inside = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withFileLock(lock, async () => {
          inside++;
          max = Math.max(max, inside);
          await new Promise((r) => setTimeout(r, 10));
          inside--;
        }),
      ),
    );
    expect(max).toBe(1);
    expect((await import('node:fs')).existsSync(lock)).toBe(false);
  });
});
