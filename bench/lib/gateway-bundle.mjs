// Bundles electron/engine/gateway with esbuild into a temp .mjs so the benchmarks run the
// real gateway code under plain node, without a project build. Packages stay external (as
// in scripts/build.mjs), so the bundle lives under node_modules/.cache to resolve them.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function bundleGateway() {
  const cache = path.join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'gateway-bench-'));
  const outfile = path.join(dir, 'gateway.mjs');
  await build({
    entryPoints: [path.join(root, 'electron/engine/gateway/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}
