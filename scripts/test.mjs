#!/usr/bin/env node
// `npm test`: checks what the suites need (one clear line per missing thing, never a silent
// skip), builds, then runs the vitest projects in order: unit, integration, e2e,
// reliability. Prints per-suite timing and ends with `N passed, N failed`.
//
//   npm test                      all suites
//   npm test -- unit integration  only those (prerequisites checked for those only)
//   BERTH_TEST_SKIP_BUILD=1       do not rebuild dist/ first
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const ALL = ['unit', 'integration', 'e2e', 'reliability'];
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !ALL.includes(a));
if (unknown.length) {
  console.error(`test: unknown suite ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}
const suites = asked.length ? ALL.filter((s) => asked.includes(s)) : ALL;
const needsEngine = suites.some((s) => s !== 'unit');

// ---- prerequisites
function die(line) {
  console.error(`test: ${line}`);
  process.exit(1);
}

function engineRequest(p, timeoutMs = 3000) {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const opts = { path: p, method: 'GET', timeout: timeoutMs };
  if (host.startsWith('unix://')) opts.socketPath = host.slice('unix://'.length);
  else if (host.startsWith('tcp://')) {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    opts.hostname = u.hostname;
    opts.port = u.port || 2375;
  } else return Promise.resolve({ status: 0, body: `unsupported DOCKER_HOST ${host}` });
  return new Promise((resolve) => {
    const req = http.request(opts, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}

function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

if (!fs.existsSync('node_modules/vitest/vitest.mjs')) die('dependencies are not installed: run `npm ci` (or `npm install`)');

if (needsEngine) {
  const ping = await engineRequest('/_ping');
  if (ping.status !== 200) {
    die(`the Docker engine is not answering (${ping.body || `HTTP ${ping.status}`}): start dockerd, or run \`bash .ci/run\``);
  }
  const { MODEL_SERVER_IMAGE, BUSYBOX_IMAGE, HASH_LABEL, fixtureInputHash } = await import('../test/fixtures/images.mjs');
  const want = fixtureInputHash();
  for (const ref of [MODEL_SERVER_IMAGE, BUSYBOX_IMAGE]) {
    const res = await engineRequest(`/images/${encodeURIComponent(ref)}/json`);
    if (res.status === 404) die(`fixture image ${ref} is missing: run \`npm run fixtures\``);
    if (res.status !== 200) die(`cannot inspect fixture image ${ref} (${res.body.trim()}): check the Docker engine, then run \`npm run fixtures\``);
    if (JSON.parse(res.body).Config?.Labels?.[HASH_LABEL] !== want) die(`fixture image ${ref} is older than its sources: run \`npm run fixtures\``);
  }
  if (!fs.existsSync(process.env.BERTH_TEST_REGISTRY_BIN || '/usr/bin/docker-registry')) {
    die('docker-registry is missing (the registry tests run it): apt-get install -y docker-registry');
  }
  if (!onPath('htpasswd')) die('htpasswd is missing (the registry auth tests use it): apt-get install -y apache2-utils');
}
if (suites.includes('e2e')) {
  // The same detection as the e2e suite itself (test/e2e/chromium.mjs).
  const { findChromium, CHROMIUM_HINT } = await import('../test/e2e/chromium.mjs');
  const found = findChromium();
  if (!found.path) die(`chromium is missing (the e2e suite drives it): ${found.why}. Fix: ${CHROMIUM_HINT}`);
}

// ---- build: e2e and integration tests run the built CLI and server from dist/
const results = [];
const t0 = Date.now();
if (needsEngine && !process.env.BERTH_TEST_SKIP_BUILD && fs.existsSync('scripts/build.mjs')) {
  const t = Date.now();
  console.log('test: building (node scripts/build.mjs)');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const secs = (Date.now() - t) / 1000;
  if (r.status !== 0) {
    console.error(`test: build failed (exit ${r.status}); suites that need dist/ will fail: fix the build error above`);
    results.push({ name: 'build', passed: 0, failed: 0, skipped: 0, secs, error: 'build failed' });
  } else {
    results.push({ name: 'build', passed: 0, failed: 0, skipped: 0, secs, build: true });
  }
}

// ---- suites
// CI keeps only the tail of the output, so the summary repeats which tests failed and why.
function failuresOf(report) {
  const out = [];
  for (const file of report?.testResults ?? []) {
    for (const a of file.assertionResults ?? []) {
      if (a.status !== 'failed') continue;
      const why = String(a.failureMessages?.[0] ?? '').split('\n').find((l) => l.trim()) ?? '';
      out.push(`${path.relative(process.cwd(), file.name)} > ${a.fullName}\n      ${why.slice(0, 400)}`);
    }
  }
  return out;
}

function hasTests(dir) {
  if (!fs.existsSync(dir)) return false;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory() && hasTests(p)) return true;
    if (ent.isFile() && /\.test\.tsx?$/.test(ent.name)) return true;
  }
  return false;
}

function runVitest(name, jsonFile, passWithNoTests) {
  const args = ['node_modules/vitest/vitest.mjs', 'run', '--project', name, '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`];
  if (passWithNoTests) args.push('--passWithNoTests');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-results-'));
for (const name of suites) {
  const empty = !hasTests(path.join('test', name));
  const t = Date.now();
  console.log(`\n===== ${name}${empty ? ' (no test files yet)' : ''} =====`);
  const jsonFile = path.join(outDir, `${name}.json`);
  const code = await runVitest(name, jsonFile, empty);
  const secs = (Date.now() - t) / 1000;
  let report = null;
  try {
    report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch {
    /* vitest died before writing it */
  }
  const passed = report?.numPassedTests ?? 0;
  const failed = report?.numFailedTests ?? 0;
  const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  // A non-zero exit with no failed test means a setup error, a failed-to-load file or an
  // unhandled error: still a failure, named as such.
  const error = code !== 0 && failed === 0 ? `vitest exited ${code} (setup or load error: see output above)` : undefined;
  results.push({ name, passed, failed, skipped, secs, code, empty, error, failures: failuresOf(report) });
}
fs.rmSync(outDir, { recursive: true, force: true });

// ---- summary
console.log('\n===== summary =====');
for (const r of results) {
  if (r.name === 'build') {
    console.log(`  ${'build'.padEnd(12)} ${r.secs.toFixed(1).padStart(6)} s  ${r.error ?? 'ok'}`);
    continue;
  }
  const detail = r.empty ? 'no test files' : `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
  console.log(`  ${r.name.padEnd(12)} ${r.secs.toFixed(1).padStart(6)} s  ${detail}${r.error ? `  [${r.error}]` : ''}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const errored = results.filter((r) => r.error).map((r) => r.name);
console.log(`  total        ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`);
if (errored.length) console.log(`errors in: ${errored.join(', ')}`);
for (const r of results) for (const f of r.failures ?? []) console.log(`  FAILED ${r.name}: ${f}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || errored.length > 0 ? 1 : 0);
