// Bundles electron/engine/gateway with esbuild into a temp .mjs so the benchmarks run the
// real gateway code under plain node, without a project build.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function bundleGateway() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-'));
  const outfile = path.join(dir, 'gateway.mjs');
  await build({
    entryPoints: [path.join(root, 'electron/engine/gateway/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
