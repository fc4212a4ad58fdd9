#!/usr/bin/env node
// `npm run check:package`: packages Berth for Linux as an unpacked dir with electron-builder,
// using a stub Electron (the real binary cannot be downloaded or run here: it is a small
// file carrying Electron's fuse sentinel so the hardened fuses can be flipped and read
// back), then inspects the result: app.asar holds the built app and resources, and no
// sources, tests or secrets; every path the main process computes for a packaged build
// (electron/app/app-paths.ts, compiled here with esbuild) exists there; the fuses are set as
// electron-builder.yml asks, including the macOS ad-hoc re-signing after the flip.
// Slow (tens of seconds), so it is not part of `npm test`. Needs `npm run build` first
// (dist/app/main.cjs, dist/app/preload.cjs, dist/renderer/index.html).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's shipped defaults for fuses 0..7 ('1' on, '0' off).
const STOCK_WIRE = '10110001';
const EXPECTED = { 0: '0', 1: '1', 2: '0', 3: '0', 4: '1', 5: '1', 7: '0' };
const problems = [];
const t0 = Date.now();

// The same path computations main.ts uses, not a copy of them.
const bundled = await build({ entryPoints: [join(root, 'electron/app/app-paths.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'error' });
const { appPaths } = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`);

const builderConfig = parseYaml(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
// @electron/fuses re-signs ad hoc only for a .app (macOS), so this run cannot exercise it:
// check that the flag reaches electron-builder, which hands it to @electron/fuses.
if (builderConfig.electronFuses?.resetAdHocDarwinSignature !== true) problems.push('electronFuses.resetAdHocDarwinSignature is not true: unsigned macOS arm64 builds would be killed at launch after the fuse flip');

for (const f of ['dist/app/main.cjs', 'dist/app/preload.cjs', 'dist/renderer/index.html']) {
  if (!existsSync(join(root, f))) {
    console.error(`check:package: ${f} is missing. Run 'npm run build' first.`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'berth-pack-'));
try {
  const stub = join(work, 'electron-stub');
  mkdirSync(join(stub, 'resources'), { recursive: true });
  const bin = join(stub, 'electron');
  writeFileSync(bin, Buffer.concat([Buffer.from('#!/bin/sh\necho "stub electron for packaging checks"\n# '), Buffer.from(SENTINEL), Buffer.from([1, STOCK_WIRE.length]), Buffer.from(STOCK_WIRE), Buffer.from('\n')]));
  chmodSync(bin, 0o755);
  writeFileSync(join(stub, 'LICENSE'), 'stub');
  writeFileSync(join(stub, 'version'), require(join(root, 'node_modules/electron/package.json')).version);

  const out = join(work, 'out');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/electron-builder/cli.js'), '--linux', 'dir', '--config', 'electron-builder.yml', `-c.electronDist=${stub}`, `-c.directories.output=${out}`, '--publish', 'never'],
    { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
  );
  if (r.status !== 0) {
    console.error(`check:package: electron-builder failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-4000)}`);
    process.exit(1);
  }
  const unpacked = join(out, 'linux-unpacked');
  const asarPath = join(unpacked, 'resources', 'app.asar');
  if (!existsSync(asarPath)) problems.push(`no ${asarPath}`);
  const asar = require('@electron/asar');
  const files = asar.listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
  const has = (p) => files.includes(p);
  for (const p of ['/dist/app/main.cjs', '/dist/app/preload.cjs', '/dist/renderer/index.html', '/package.json', '/resources/icons/512x512.png']) if (!has(p)) problems.push(`app.asar lacks ${p}`);
  if (!files.some((f) => f.startsWith('/resources/examples/'))) problems.push('app.asar lacks resources/examples/');
  const unpackedExamples = join(unpacked, 'resources', 'app.asar.unpacked', 'resources', 'examples');
  if (existsSync(join(root, 'resources/examples')) && !existsSync(unpackedExamples)) problems.push('resources/examples is not unpacked beside app.asar (Docker cannot mount from inside it)');
  // Every path main computes when packaged: inside app.asar (read through Electron's fs) or on disk.
  const resourcesPath = join(unpacked, 'resources');
  const computed = Object.entries(appPaths({ isPackaged: true, appPath: asarPath, resourcesPath }));
  for (const [name, p] of computed) {
    let ok;
    if (p.inAsar) {
      const inner = p.path.slice(asarPath.length).replace(/\\/g, '/');
      ok = p.path.startsWith(asarPath) && (has(inner) || files.some((f) => f.startsWith(`${inner}/`)));
    } else ok = existsSync(p.path);
    if (!ok) problems.push(`${name} (${p.purpose}) is not in the package: ${p.path}${p.inAsar ? ' (inside app.asar)' : ''}`);
  }
  console.log(`check:package: ${computed.length} packaged paths main computes: ${computed.filter(([, p]) => !p.inAsar).map(([, p]) => p.path.slice(unpacked.length + 1)).join(', ')} on disk; the rest in app.asar`);
  const bad = files.filter(
    (f) =>
      f.startsWith('/test/') ||
      f.startsWith('/electron/') ||
      f.startsWith('/renderer/src/') ||
      f.startsWith('/shared/') ||
      f.startsWith('/bench/') ||
      (/\.tsx?$/.test(f) && !f.endsWith('.d.ts')) ||
      /\.map$/.test(f) && f.startsWith('/dist/') ||
      /(^|\/)(secrets\.json|\.env|id_rsa|.*\.pem|\.npmrc)$/.test(f),
  );
  if (bad.length) problems.push(`app.asar holds files it must not: ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ` (+${bad.length - 10})` : ''}`);
  const devOnly = ['vitest', 'electron-builder', 'typescript', 'vite', 'playwright-core', 'esbuild'];
  for (const d of devOnly) if (files.some((f) => f.startsWith(`/node_modules/${d}/`))) problems.push(`app.asar bundles the dev dependency ${d}`);
  for (const d of ['zod', 'dockerode', 'ws', 'yaml']) if (!files.some((f) => f.startsWith(`/node_modules/${d}/`))) problems.push(`app.asar lacks the runtime dependency ${d}`);

  const exe = ['berth-app', 'Berth', 'berth'].map((n) => join(unpacked, n)).find(existsSync);
  if (!exe) problems.push('no executable in linux-unpacked');
  else {
    const buf = readFileSync(exe);
    const at = buf.indexOf(SENTINEL) + SENTINEL.length;
    const wire = buf.subarray(at + 2, at + 2 + STOCK_WIRE.length).toString('latin1');
    console.log(`check:package: fuse wire ${wire} (stock ${STOCK_WIRE})`);
    for (const [i, want] of Object.entries(EXPECTED)) if (wire[i] !== want) problems.push(`fuse ${i} is '${wire[i]}', expected '${want}' (wire ${wire})`);
  }
  console.log(`check:package: ${files.length} entries in app.asar, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (problems.length) {
  console.error(`check:package FAILED:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log('check:package OK: app.asar contents and fuses are as configured');
