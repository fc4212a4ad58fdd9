// Benchmark: model weights download. A repo of 4 shards of 256 MiB on the Hub stand-in
// (test/fixtures/hub/server.mjs, its own process) behaving like a CDN: each connection
// capped at 40 MB/s, all together at 400 MB/s, so parallel ranged downloads matter as they
// do against the real Hub. Same server, same run, alternating:
//   - Berth:  its weights stage (electron/engine/weights, run in a child process of its own
//             so its RSS is its own) into an empty Hugging Face cache, sha256 checked;
//   - aria2c: `aria2c -Z -x 16 -s 16 -j 4` of the four resolve URLs (Debian's aria2), no check;
//   - curl:   one file at a time (`curl -sSL -o`), no check.
// Targets: Berth >= 0.9x aria2c's throughput and >= 0.8x the total cap; Berth's peak RSS
// during the download < 250 MB.
// Then the second start: `berth serve` starts a config whose weights are all cached, and a
// config without weights (same image, same command), alternating; time to Ready p50 of the
// first within 1.1x of the second.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main, summarize, fmtSummary, verdict, writeResults, round, root } from './lib/common.mjs';
import { startServe, waitReady } from './lib/berth-serve.mjs';
import { requireFixtureImage, removeBenchContainers, FIXTURE_IMAGE } from './lib/trusses.mjs';
import { requireTools } from './lib/prereqs.mjs';

const MiB = 1 << 20;
const SHARDS = Number(process.env.BENCH_WEIGHTS_SHARDS ?? 4);
const SHARD_MIB = Number(process.env.BENCH_WEIGHTS_SHARD_MIB ?? 256);
const RUNS = Number(process.env.BENCH_WEIGHTS_RUNS ?? 3);
const START_RUNS = Number(process.env.BENCH_WEIGHTS_START_RUNS ?? 6);
const PER_CONN_MBPS = 40;
const TOTAL_MBPS = 400;
const LABEL = 'bench.weights';
const REPO = 'bench/sharded-model';

let work = null;
let hub = null;
let serve = null;

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

async function startHubProcess() {
  const files = { 'config.json': '{"model_type":"bench"}' };
  for (let i = 1; i <= SHARDS; i++) files[`model-0000${i}-of-0000${SHARDS}.safetensors`] = { size: SHARD_MIB * MiB, seed: i };
  const spec = path.join(work, 'hub-spec.json');
  writeFileSync(spec, JSON.stringify({ repos: [{ id: REPO, commits: [{ files }] }] }));
  const child = spawn(process.execPath, [path.join(root, 'test/fixtures/hub/server.mjs'), '--spec', spec, '--per-conn-mbps', String(PER_CONN_MBPS), '--total-mbps', String(TOTAL_MBPS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`the Hub stand-in exited ${code}`)));
  });
  return { child, url: info.url, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

const shardPaths = () => Array.from({ length: SHARDS }, (_, i) => `model-0000${i + 1}-of-0000${SHARDS}.safetensors`);
const totalBytes = () => SHARDS * SHARD_MIB * MiB;

async function berthOnce(i) {
  const cache = path.join(work, `berth-${i}`, 'hub');
  const t0 = performance.now();
  const out = await run(process.execPath, [path.join(root, 'bench/lib/weights-child.mjs'), hub.url, cache, REPO, ...shardPaths()], { cwd: root });
  const ms = performance.now() - t0;
  const r = JSON.parse(out.trim().split('\n').at(-1));
  rmSync(path.dirname(cache), { recursive: true, force: true });
  if (r.bytes !== totalBytes() + 22) throw new Error(`Berth moved ${r.bytes} bytes, expected ${totalBytes() + 22}`);
  // The stage's own time (resolve, download, sha256 of every shard, cache links): the
  // child's node start-up and the benchmark's bundling of the engine code are left out.
  return { ms: r.ms, processMs: ms, peakRssMb: r.peakRssMb, bytes: r.bytes };
}

async function aria2Once(i) {
  const dir = path.join(work, `aria2-${i}`);
  mkdirSync(dir, { recursive: true });
  const urls = shardPaths().map((p) => `${hub.url}/${REPO}/resolve/main/${p}`);
  const t0 = performance.now();
  await run('aria2c', ['-Z', '-x', '16', '-s', '16', '-j', '4', '--console-log-level=warn', '--summary-interval=0', '--allow-overwrite=true', '--auto-file-renaming=false', '-d', dir, ...urls]);
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return { ms };
}

async function curlOnce(i) {
  const dir = path.join(work, `curl-${i}`);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  for (const p of shardPaths()) await run('curl', ['-sSfL', '-o', path.join(dir, p), `${hub.url}/${REPO}/resolve/main/${p}`]);
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return { ms };
}

const mbps = (ms) => totalBytes() / 1e6 / (ms / 1000);

function truss(name, withWeights) {
  const dir = path.join(work, 'trusses', name);
  mkdirSync(dir, { recursive: true });
  const lines = [
    `model_name: ${name}`,
    'base_image:',
    `  image: ${FIXTURE_IMAGE}`,
    'docker_server:',
    `  start_command: sh -c "truss-transfer-cli && node /srv/model-server/server.mjs --port 8000"`,
    '  server_port: 8000',
    '  predict_endpoint: /v1/chat/completions',
    '  readiness_endpoint: /health',
    '  liveness_endpoint: /health',
  ];
  if (withWeights) lines.push('weights:', `  - source: hf://${REPO}@main`, '    mount_location: /models/bench');
  writeFileSync(path.join(dir, 'config.yaml'), `${lines.join('\n')}\n`);
  return dir;
}

let tap = null;
async function readyOnce(id) {
  const from = tap.events.length;
  const t0 = Date.now();
  await serve.api('deployments.start', { id });
  const ready = await waitReady(tap, id, 60_000, from);
  // Where the time went: when each state was first seen, ms after the start was asked for.
  const states = {};
  for (const e of tap.events.slice(from)) {
    if (e.channel === 'deployment.state' && e.payload.id === id && e.at >= t0) states[e.payload.state.name] ??= e.at - t0;
  }
  if (process.env.BENCH_VERBOSE) console.log(`    ${id}: ${JSON.stringify(states)}`);
  await serve.api('deployments.stop', { id });
  return ready.at - t0;
}

await main('weights-download', async () => {
  requireTools(['aria2c', 'curl']);
  await requireFixtureImage();
  work = mkdtempSync(path.join(os.tmpdir(), 'bench-weights-'));
  hub = await startHubProcess();
  console.log(`repo: ${SHARDS} x ${SHARD_MIB} MiB; CDN caps ${PER_CONN_MBPS} MB/s per connection, ${TOTAL_MBPS} MB/s in total; ${RUNS} runs each, alternating`);

  const rows = { berth: [], aria2c: [], curl: [] };
  // Each download starts with the disk's writeback of the one before done (`sync`, not
  // timed), so no tool pays for another's 1 GiB.
  const settled = async (fn, i) => {
    await run('sync', []);
    return fn(i);
  };
  for (let i = 0; i < RUNS; i++) {
    rows.berth.push(await settled(berthOnce, i));
    rows.aria2c.push(await settled(aria2Once, i));
    rows.curl.push(await settled(curlOnce, i));
    console.log(`  run ${i + 1}: berth ${round(mbps(rows.berth[i].ms))} MB/s (peak RSS ${round(rows.berth[i].peakRssMb)} MB), aria2c ${round(mbps(rows.aria2c[i].ms))} MB/s, curl ${round(mbps(rows.curl[i].ms))} MB/s`);
  }
  const tp = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, summarize(v.map((r) => mbps(r.ms)))]));
  for (const [k, s] of Object.entries(tp)) console.log(`  ${k.padEnd(7)} ${fmtSummary(s, 'MB/s')}`);
  const peakRss = Math.max(...rows.berth.map((r) => r.peakRssMb));

  // Second start: everything cached (the Hub still answers the revision and tree calls).
  const cache = path.join(work, 'serve-cache', 'hub');
  await run(process.execPath, [path.join(root, 'bench/lib/weights-child.mjs'), hub.url, cache, REPO, ...shardPaths()], { cwd: root });
  // A second start happens after the first download's data has reached the disk; right after
  // it, the engine's container start waits for that writeback (seconds for 1 GiB), which
  // is not the weights stage's cost. `sync` puts the bench where a user's second start is.
  await run('sync', []);
  const withW = truss('with-weights', true);
  const without = truss('no-weights', false);
  serve = await startServe({ paths: [withW, without], env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache } });
  tap = await serve.subscribe();
  const list = await serve.api('deployments.list', {});
  const idOf = (dir) => list.find((d) => d.configPath.startsWith(dir)).id;
  const starts = { weights: [], none: [] };
  for (let i = 0; i < START_RUNS; i++) {
    starts.weights.push(await readyOnce(idOf(withW)));
    starts.none.push(await readyOnce(idOf(without)));
  }
  const sw = summarize(starts.weights);
  const sn = summarize(starts.none);
  console.log(`  second start, weights cached: ${fmtSummary(sw)}`);
  console.log(`  start, no weights:            ${fmtSummary(sn)}`);

  const verdicts = [
    verdict('Berth / aria2c throughput (p50)', tp.berth.p50 / tp.aria2c.p50, 'higher', 0.9, 'x'),
    verdict('Berth throughput / total cap (p50)', tp.berth.p50 / TOTAL_MBPS, 'higher', 0.8, 'x'),
    verdict('Berth peak RSS during the download', peakRss, 'lower', 250, 'MB'),
    verdict('second start to Ready / no-weights start (p50)', sw.p50 / sn.p50, 'lower', 1.1, 'x'),
  ];
  writeResults('weights-download', {
    setup: { shards: SHARDS, shardMiB: SHARD_MIB, perConnMBps: PER_CONN_MBPS, totalMBps: TOTAL_MBPS, runs: RUNS, startRuns: START_RUNS, cores: os.cpus().length },
    throughputMBps: tp,
    berthPeakRssMb: round(peakRss),
    secondStartMs: { weightsCached: sw, noWeights: sn },
    verdicts,
  });
}, async () => {
  tap?.close();
  await serve?.stop().catch(() => undefined);
  await removeBenchContainers(work, LABEL).catch(() => undefined);
  await hub?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});
