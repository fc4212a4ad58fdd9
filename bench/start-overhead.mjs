// Benchmark 4: container start overhead. Berth's start of a deployment whose image is
// present, against `docker run -d` of the same image, entrypoint, command, port, volume and
// shm size (the line Berth itself prints as its docker-run equivalent), alternating, RUNS
// each. Both are timed from the moment the start is asked for:
//   - Berth:      t0 = just before POST /api/deployments.start to `berth serve`.
//   - docker run: t0 = just before spawning the `docker run -d ...` process.
// to two points:
//   - running: the engine's own `start` event for the container (timeNano, same clock);
//   - ready:   Berth: the deployment.state `ready` event arriving at an API subscriber.
//              docker run: first 200 from GET /health polled every 100 ms (Berth's startup
//              poll period) from when `docker run -d` returns (the container is running).
// Target: Berth <= 1.15x docker run (p50 of each, both points reported).
// Also reported, as the floor: the same container created and started straight through
// the engine API (dockerode createContainer + start; no CLI process), timed the same way.
import { spawn } from 'node:child_process';
import { main, summarize, fmtSummary, verdict, writeResults, round } from './lib/common.mjs';
import { startServe, waitReady } from './lib/berth-serve.mjs';
import { benchWorkDir, writeTruss, requireFixtureImage, removeBenchContainers, removeWorkDir, docker, FIXTURE_IMAGE, FIXTURE_CMD } from './lib/trusses.mjs';
import { pollUntil200 } from './lib/side-poller.mjs';
import { freePort } from './lib/procs.mjs';
import { watchStarts } from './lib/engine-events.mjs';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 8);
const TARGET_RATIO = 1.15;
const LABEL = 'bench.start-overhead';

let work = null;
let serve = null;
let tap = null;
let events = null;

function dockerRun(args) {
  return new Promise((resolve, reject) => {
    const p = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', (e) => reject(new Error(`cannot run the docker CLI (${e.message}); install it to get the baseline`)));
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker run failed (${code}): ${out.trim()}`))));
  });
}

async function berthOnce(id) {
  const from = tap.events.length;
  const t0 = Date.now();
  await serve.api('deployments.start', { id });
  const ready = await waitReady(tap, id, 30_000, from);
  const start = await events.find((s) => (s.attributes['dev.berth.config-path'] ?? '').startsWith(work), t0);
  // Where the time went: when each state was first seen by the subscriber, ms after t0.
  const states = {};
  for (const e of tap.events.slice(from)) {
    if (e.channel === 'deployment.state' && e.payload.id === id && e.at >= t0) states[e.payload.state.name] ??= e.at - t0;
  }
  await serve.api('deployments.stop', { id });
  return { runningMs: start.timeMs - t0, readyMs: ready.at - t0, states };
}

async function dockerOnce(i) {
  const port = await freePort();
  const name = `bench-start-overhead-${process.pid}-${i}`;
  const t0 = Date.now();
  const cid = await dockerRun([
    'run', '-d', '--name', name, '--label', `${LABEL}=${process.pid}`,
    '-p', `127.0.0.1:${port}:8000`, '-v', 'berth-hf-cache:/root/.cache/huggingface', '--shm-size', '8g',
    '--entrypoint', 'sh', FIXTURE_IMAGE, '-c', FIXTURE_CMD,
  ]);
  const readyAt = await pollUntil200(port, { intervalMs: 100, timeoutMs: 30_000 });
  const start = await events.find((s) => s.id === cid, t0);
  await docker.getContainer(cid).remove({ force: true });
  return { runningMs: start.timeMs - t0, readyMs: readyAt - t0 };
}

async function apiOnce(i) {
  const port = await freePort();
  const t0 = Date.now();
  const c = await docker.createContainer({
    name: `bench-start-overhead-api-${process.pid}-${i}`,
    Image: FIXTURE_IMAGE,
    Entrypoint: ['sh'],
    Cmd: ['-c', FIXTURE_CMD],
    Labels: { [LABEL]: String(process.pid) },
    ExposedPorts: { '8000/tcp': {} },
    HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Binds: ['berth-hf-cache:/root/.cache/huggingface'], ShmSize: 8 * 1024 ** 3 },
  });
  await c.start();
  const readyAt = await pollUntil200(port, { intervalMs: 100, timeoutMs: 30_000 });
  const start = await events.find((s) => s.id === c.id, t0);
  await c.remove({ force: true });
  return { runningMs: start.timeMs - t0, readyMs: readyAt - t0 };
}

await main(
  'start-overhead',
  async () => {
    await requireFixtureImage();
    work = benchWorkDir('start-overhead');
    const truss = writeTruss(work, 'bench-start');
    serve = await startServe({ paths: [truss] });
    tap = await serve.subscribe();
    events = await watchStarts();
    const [dep] = (await serve.api('deployments.list')).filter((d) => d.configPath.startsWith(work));
    if (!dep) throw new Error(`berth serve did not open ${truss}:\n${serve.output()}`);

    console.log(`start-overhead: ${RUNS} Berth starts and ${RUNS} docker run -d, alternating (one warm-up each, not counted)`);
    await berthOnce(dep.id);
    await dockerOnce('warmup');
    await apiOnce('warmup');
    const berth = [];
    const plain = [];
    const api = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first so drift on the shared machine hits both alike.
      if (i % 2 === 0) {
        berth.push(await berthOnce(dep.id));
        plain.push(await dockerOnce(i));
      } else {
        plain.push(await dockerOnce(i));
        berth.push(await berthOnce(dep.id));
      }
      api.push(await apiOnce(i));
    }
    const s = {
      berthRunning: summarize(berth.map((r) => r.runningMs)),
      dockerRunning: summarize(plain.map((r) => r.runningMs)),
      berthReady: summarize(berth.map((r) => r.readyMs)),
      dockerReady: summarize(plain.map((r) => r.readyMs)),
      apiRunning: summarize(api.map((r) => r.runningMs)),
      apiReady: summarize(api.map((r) => r.readyMs)),
    };
    console.log(`  to running  Berth:      ${fmtSummary(s.berthRunning)}`);
    console.log(`  to running  docker run: ${fmtSummary(s.dockerRunning)}`);
    console.log(`  to running  engine API: ${fmtSummary(s.apiRunning)}`);
    console.log(`  to ready    Berth:      ${fmtSummary(s.berthReady)}`);
    console.log(`  to ready    docker run: ${fmtSummary(s.dockerReady)}`);
    const phase = (a, b) => summarize(berth.filter((r) => r.states[a] !== undefined && r.states[b] !== undefined).map((r) => r.states[b] - r.states[a]));
    s.berthPhases = {
      askToStarting: summarize(berth.filter((r) => r.states.starting !== undefined).map((r) => r.states.starting)),
      startingToWaiting: phase('starting', 'waiting_for_startup'),
      waitingToReady: phase('waiting_for_startup', 'ready'),
    };
    console.log(`  Berth phases (p50): asked -> starting ${round(s.berthPhases.askToStarting.p50)} ms, starting -> waiting_for_startup (create + start) ${round(s.berthPhases.startingToWaiting.p50)} ms, -> ready ${round(s.berthPhases.waitingToReady.p50)} ms`);
    const ratioRunning = s.berthRunning.p50 / s.dockerRunning.p50;
    const ratioReady = s.berthReady.p50 / s.dockerReady.p50;
    console.log(`  to ready    engine API: ${fmtSummary(s.apiReady)}`);
    console.log(`  ratio Berth / docker run (p50): running ${round(ratioRunning, 2)}x, ready ${round(ratioReady, 2)}x`);
    console.log(`  ratio Berth / engine API (p50): running ${round(s.berthRunning.p50 / s.apiRunning.p50, 2)}x, ready ${round(s.berthReady.p50 / s.apiReady.p50, 2)}x`);
    const verdicts = [
      verdict('start to ready, Berth / docker run (p50)', ratioReady, 'lower', TARGET_RATIO, 'x'),
      verdict('start to running, Berth / docker run (p50)', ratioRunning, 'lower', TARGET_RATIO, 'x'),
    ];
    writeResults('start-overhead', {
      definition: 'ms from asking for the start (POST deployments.start / spawning docker run -d) to the engine start event (running) and to readiness (Berth: ready event at an API subscriber; docker run: first /health 200 polled every 100 ms)',
      runs: RUNS,
      ...s,
      ratioRunningP50: round(ratioRunning, 3),
      ratioReadyP50: round(ratioReady, 3),
      verdicts,
      ratioVsEngineApiRunningP50: round(s.berthRunning.p50 / s.apiRunning.p50, 3),
      ratioVsEngineApiReadyP50: round(s.berthReady.p50 / s.apiReady.p50, 3),
      samples: { berth, dockerRun: plain, engineApi: api },
    });
  },
  async () => {
    events?.close();
    tap?.close();
    await serve?.stop();
    await removeBenchContainers(work, LABEL);
    removeWorkDir(work);
  },
);
