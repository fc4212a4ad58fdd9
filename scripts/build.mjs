// Builds the Node side with esbuild (fast, one file per entry) and the renderer with Vite.
// `--node-only` skips the renderer (used by tests that only need the CLI).
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const t0 = Date.now();
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, packages: 'external', logLevel: 'warning' };
const entries = [
  { entryPoints: ['electron/cli/main.ts'], outfile: 'dist/cli/main.js', format: 'esm' },
];
if (existsSync('electron/app/main.ts')) {
  entries.push({ entryPoints: ['electron/app/main.ts'], outfile: 'dist/app/main.cjs', format: 'cjs', external: ['electron'] });
}
if (existsSync('electron/app/preflight.ts')) {
  // `npm start` runs it with plain Node before `electron .` (Electron binary, Linux sandbox).
  entries.push({ entryPoints: ['electron/app/preflight.ts'], outfile: 'dist/app/preflight.mjs', format: 'esm' });
}
if (existsSync('electron/app/preload.ts')) {
  // The preload runs sandboxed: it may only require('electron'), so it is bundled whole.
  entries.push({ entryPoints: ['electron/app/preload.ts'], outfile: 'dist/app/preload.cjs', format: 'cjs', packages: 'bundle', external: ['electron'] });
}
await Promise.all(entries.map((e) => build({ ...common, ...e })));
console.log(`built node side in ${Date.now() - t0} ms`);

if (!process.argv.includes('--node-only') && existsSync('renderer/index.html')) {
  const t1 = Date.now();
  mkdirSync('dist', { recursive: true });
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`built renderer in ${Date.now() - t1} ms`);
}
