// `npm run bench`: runs every bench/*.mjs in a fixed order, each as its own process so one
// benchmark's memory and sockets cannot skew the next. Each writes bench/results/<name>.json.
import { readdirSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const ORDER = ['gateway', 'stream-relay', 'readiness', 'start-overhead', 'log-pipeline', 'idle-cost'];
const only = process.argv.slice(2);
mkdirSync('bench/results', { recursive: true });
const present = new Set(readdirSync('bench').filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)));
const names = [...ORDER.filter((n) => present.has(n)), ...[...present].filter((n) => !ORDER.includes(n)).sort()]
  .filter((n) => only.length === 0 || only.includes(n));

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
