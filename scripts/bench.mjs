// `npm run bench`: runs every bench/*.mjs in a fixed order, each as its own process so one
// benchmark's memory and sockets cannot skew the next. Each writes bench/results/<name>.json.
import { readdirSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { missingTools } from '../bench/lib/prereqs.mjs';

const ORDER = ['gateway', 'stream-relay', 'readiness', 'start-overhead', 'log-pipeline', 'idle-cost', 'weights-download'];
// Programs a benchmark runs as its baseline or load generator; checked before anything runs.
const TOOLS = { gateway: ['wrk', 'nginx'], 'weights-download': ['aria2c', 'curl'] };
const only = process.argv.slice(2);
mkdirSync('bench/results', { recursive: true });
const present = new Set(readdirSync('bench').filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)));
const names = [...ORDER.filter((n) => present.has(n)), ...[...present].filter((n) => !ORDER.includes(n)).sort()]
  .filter((n) => only.length === 0 || only.includes(n));

const missing = missingTools([...new Set(names.flatMap((n) => TOOLS[n] ?? []))]);
if (missing.length) {
  const pkgs = missing.map((t) => ({ aria2c: 'aria2' })[t] ?? t);
  console.error(`npm run bench: ${missing.join(', ')} not found on PATH: install with \`apt-get install -y ${pkgs.join(' ')}\` (bash .ci/run installs every benchmark prerequisite)`);
  process.exit(1);
}

const t0 = Date.now();
const failed = [];
for (const name of names) {
  const t = Date.now();
  console.log(`\n=== bench: ${name}`);
  const r = spawnSync(process.execPath, [`bench/${name}.mjs`], { stdio: 'inherit' });
  console.log(`=== ${name}: ${r.status === 0 ? 'done' : 'FAILED'} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed.push(name);
}
console.log(`\nbench finished in ${((Date.now() - t0) / 1000).toFixed(1)} s; results in bench/results/`);
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
