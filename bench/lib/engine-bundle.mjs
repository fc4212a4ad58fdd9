// Bundles one engine module from source (esbuild, packages external) into
// node_modules/.cache/berth-bench/ and imports it, so a benchmark can drive Berth's real
// code in-process under plain node without a project build.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './common.mjs';

export async function importEngine(entry) {
  const dir = path.join(root, 'node_modules/.cache/berth-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${path.basename(entry, '.ts')}-${process.pid}.mjs`);
  await build({ entryPoints: [path.join(root, entry)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'error' });
  process.once('exit', () => rmSync(outfile, { force: true }));
  return import(pathToFileURL(outfile).href);
}
