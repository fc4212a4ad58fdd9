// Benchmark 5: log pipeline. A fixture container prints LINES lines as fast as it can
// (FIXTURE_LOG_LINES). Measured side by side, each on a fresh container:
//   1. engine:    the raw engine log stream (dockerode logs follow, demuxed, newlines
//                 counted): the most any client of this engine could get. The baseline.
//   2. LogBuffer: Berth's followLogs -> LogBuffer -> a subscriber, in this process
//                 (electron/engine/docker/logs.ts bundled from source).
//   3. API:       `berth serve` with the deployment started over HTTP; lines counted at a
//                 WebSocket /api/events subscriber (deployment.log batches).
// lines/s = lines received / (last line's arrival - first line's arrival). Lines a slow
// subscriber lost are reported (`dropped`), never counted as received.
// Each arm also reports the engine's ingest rate (its own timestamps of the first and last
// line: how fast the container's output got into the engine, a bound for any live reader)
// and the CPU of dockerd / this process / berth serve while it ran, to show what bounds it.
// Peak RSS of the serve process: VmHWM from /proc/<pid>/status, sampled at the end.
// Targets: API >= 100k lines/s, serve peak RSS < 300 MB.
import { PassThrough } from 'node:stream';
import { main, verdict, writeResults, round, sleep } from './lib/common.mjs';
import { startServe, waitReady } from './lib/berth-serve.mjs';
import { benchWorkDir, writeTruss, requireFixtureImage, removeBenchContainers, removeWorkDir, docker, FIXTURE_IMAGE, FIXTURE_CMD } from './lib/trusses.mjs';
import { importEngine } from './lib/engine-bundle.mjs';
import { memMb, cpuMs, pidOf } from './lib/proc-stats.mjs';

const LINES = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const TARGET_LPS = 100_000;
const TARGET_RSS_MB = 300;
const LABEL = 'bench.log-pipeline';
const STALL_MS = 10_000;
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 3);

let work = null;
let serve = null;
let tap = null;

/** Counts lines; resolves when `total` arrived or nothing arrived for STALL_MS. */
function lineCounter(total) {
  const c = { count: 0, dropped: 0, firstAt: 0, lastAt: 0, firstEngineTime: 0, lastEngineTime: 0 };
  let done;
  c.finished = new Promise((r) => (done = r));
  let last = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - last > STALL_MS) done('stalled');
  }, 250);
  c.add = (n, dropped = 0, engineTime = 0) => {
    const now = Date.now();
    if (engineTime) {
      if (!c.firstEngineTime) c.firstEngineTime = engineTime;
      c.lastEngineTime = Math.max(c.lastEngineTime, engineTime);
    }
    if (n > 0) {
      if (!c.firstAt) c.firstAt = now;
      c.lastAt = now;
    }
    c.count += n;
    c.dropped += dropped;
    last = now;
    if (c.count + c.dropped >= total) done('complete');
  };
  c.finished.then(() => clearInterval(watchdog));
  c.rate = () => (c.lastAt > c.firstAt ? c.count / ((c.lastAt - c.firstAt) / 1000) : NaN);
  // How fast the engine took the lines in from the container (its own timestamps): the
  // producer side bound that no subscriber of a live container can beat.
  c.ingestRate = () => (c.lastEngineTime > c.firstEngineTime ? c.count / ((c.lastEngineTime - c.firstEngineTime) / 1000) : NaN);
  return c;
}

async function fixtureContainer(tag) {
  const c = await docker.createContainer({
    name: `bench-log-pipeline-${tag}-${process.pid}`,
    Image: FIXTURE_IMAGE,
    Entrypoint: ['sh'],
    Cmd: ['-c', FIXTURE_CMD],
    Env: [`FIXTURE_LOG_LINES=${LINES}`],
    Labels: { [LABEL]: String(process.pid) },
  });
  return c;
}

const isLogLine = (text) => text.startsWith('LOG_LINE ');

async function engineArm() {
  const c = await fixtureContainer('engine');
  const counter = lineCounter(LINES);
  await c.start();
  const stream = await c.logs({ follow: true, stdout: true, stderr: true, timestamps: true });
  const out = new PassThrough();
  const err = new PassThrough();
  docker.modem.demuxStream(stream, out, err);
  // Only LOG_LINE lines count, as in the other arms: carry partial lines across chunks.
  let rest = '';
  out.setEncoding('utf8');
  out.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    let n = 0;
    let t = 0;
    for (const p of parts) {
      if (!p.includes(' LOG_LINE ')) continue;
      n++;
      if (!counter.firstEngineTime || n === 1) t = engineTime(p);
    }
    if (n) t = Math.max(t, engineTime(parts.findLast((p) => p.includes(' LOG_LINE '))));
    counter.add(n, 0, t);
  });
  const cpu = cpuWindow();
  const how = await counter.finished;
  const cpuLive = cpu.end();
  stream.destroy();
  // Replay: the whole log read back once all of it is written (no live producer): the most
  // the engine can hand any client on this machine.
  const t0 = Date.now();
  const all = await c.logs({ follow: false, stdout: true, stderr: true, timestamps: true });
  const replayMs = Date.now() - t0;
  let replayLines = 0;
  for (let i = all.indexOf('LOG_LINE '); i >= 0; i = all.indexOf('LOG_LINE ', i + 9)) replayLines++;
  await c.remove({ force: true });
  recorded = all;
  return { how, ...counter, linesPerSec: counter.rate(), ingestPerSec: counter.ingestRate(), replayLinesPerSec: replayLines / (replayMs / 1000), replayLines, cpu: cpuLive };
}

/** Engine timestamp (RFC 3339 with ns) at the start of a `timestamps: true` line, in ms. */
function engineTime(line) {
  const sp = line.indexOf(' ');
  return Date.parse(line.slice(0, Math.min(sp, 23)) + 'Z');
}

/** CPU time of dockerd, this process and (if given) berth serve over a window, as % of one core. */
function cpuWindow(servePid) {
  const dockerd = pidOf('dockerd');
  const pids = { dockerd, bench: process.pid, ...(servePid ? { serve: servePid } : {}) };
  const t0 = Date.now();
  const c0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuMs(p) : NaN]));
  return {
    end() {
      const ms = Date.now() - t0;
      return Object.fromEntries(Object.entries(pids).map(([k, p]) => [`${k}Pct`, p ? round(((cpuMs(p) - c0[k]) / ms) * 100, 0) : null]));
    },
  };
}

let recorded = null;

/**
 * Berth's own capacity, engine taken out: the engine's recorded bytes (multiplexed frames
 * with timestamps) fed in 64 KiB chunks through DockerLogParser -> LogBuffer -> subscriber,
 * the path followLogs runs for every chunk.
 */
function parserCapacity(engineMod) {
  const buffer = new engineMod.LogBuffer();
  let n = 0;
  buffer.subscribe((l) => {
    if (isLogLine(l.text)) n++;
  });
  const parser = new engineMod.DockerLogParser(true, true, (stream, text, time) => void buffer.push(stream, text, time));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < recorded.length; i += 65536) parser.push(recorded.subarray(i, i + 65536));
  parser.end();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { lines: n, ms: round(ms, 1), linesPerSec: n / (ms / 1000) };
}

async function logBufferArm(logs) {
  const c = await fixtureContainer('logbuffer');
  const counter = lineCounter(LINES);
  const buffer = new logs.LogBuffer();
  buffer.subscribe((l) => {
    if (isLogLine(l.text)) counter.add(1, 0, l.time);
  });
  await c.start();
  const cpu = cpuWindow();
  const follower = await logs.followLogs(docker, c.id, buffer);
  const how = await counter.finished;
  const cpuLive = cpu.end();
  follower.stop();
  await c.remove({ force: true });
  return { how, ...counter, linesPerSec: counter.rate(), ingestPerSec: counter.ingestRate(), cpu: cpuLive };
}

let api = null;

/** One `berth serve` for every API round; a hook forwards its log events to the round's counter. */
async function apiSetup() {
  const truss = writeTruss(work, 'bench-logs', { FIXTURE_LOG_LINES: LINES });
  serve = await startServe({ paths: [truss] });
  tap = await serve.subscribe();
  const [dep] = (await serve.api('deployments.list')).filter((d) => d.configPath.startsWith(work));
  if (!dep) throw new Error(`berth serve did not open ${truss}:\n${serve.output()}`);
  api = { id: dep.id, counter: null, lastSeen: '', rssBeforeMb: round(memMb(serve.pid).rss) };
  tap.onEvent((msg) => {
    const counter = api.counter;
    if (!counter || msg.channel !== 'deployment.log' || msg.payload.id !== api.id) return;
    let n = 0;
    let t = 0;
    for (const l of msg.payload.lines) {
      if (!isLogLine(l.text)) continue;
      n++;
      t = Math.max(t, l.time);
      if (n === 1 && !counter.firstEngineTime) counter.add(0, 0, l.time);
    }
    if (msg.payload.lines.length) api.lastSeen = msg.payload.lines.at(-1).text;
    counter.add(n, msg.payload.dropped, t);
  });
}

async function apiArm() {
  const counter = (api.counter = lineCounter(LINES));
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memMb(serve.pid).rss);
    } catch {}
  }, 50);
  const from = tap.events.length;
  const t0 = Date.now();
  const cpu = cpuWindow(serve.pid);
  await serve.api('deployments.start', { id: api.id });
  const how = await counter.finished;
  const cpuLive = cpu.end();
  clearInterval(sampler);
  api.counter = null;
  const ready = await waitReady(tap, api.id, 10_000, from).catch((e) => ({ error: e.message }));
  const mem = memMb(serve.pid);
  await serve.api('deployments.stop', { id: api.id });
  return {
    how,
    ...counter,
    linesPerSec: counter.rate(),
    ingestPerSec: counter.ingestRate(),
    cpu: cpuLive,
    startToLastLineMs: counter.lastAt - t0,
    lastLine: api.lastSeen,
    readyDuringFlood: ready.error ? `not ready: ${ready.error}` : 'ready',
    rssBeforeMb: api.rssBeforeMb,
    peakRssSampledMb: round(peakRss),
    vmHwmMb: round(mem.hwm),
  };
}

/** The round with the median lines/s (rounds absorb load drift on a shared machine). */
function median(rounds) {
  const s = [...rounds].sort((a, b) => a.linesPerSec - b.linesPerSec);
  return s[Math.floor((s.length - 1) / 2)];
}

function show(name, r) {
  const cpu = Object.entries(r.cpu ?? {}).map(([k, v]) => `${k.replace(/Pct$/, '')} ${v}%`).join(', ');
  console.log(`  ${name.padEnd(10)} ${String(Math.round(r.linesPerSec)).padStart(8)} lines/s  (${r.count} lines${r.dropped ? `, ${r.dropped} dropped` : ''} in ${r.lastAt - r.firstAt} ms; ${r.how}); engine took them in at ${Math.round(r.ingestPerSec)} lines/s; CPU ${cpu}`);
}

await main(
  'log-pipeline',
  async () => {
    await requireFixtureImage();
    work = benchWorkDir('log-pipeline');
    const logs = await importEngine('electron/engine/docker/index.ts');
    console.log(`log-pipeline: ${LINES} lines printed as fast as the fixture can; ${ROUNDS} rounds of engine, LogBuffer, API`);
    await apiSetup();
    const rounds = { engine: [], logBuffer: [], api: [] };
    for (let r = 0; r < ROUNDS; r++) {
      console.log(` round ${r + 1}/${ROUNDS}`);
      rounds.engine.push(await engineArm());
      show('engine', rounds.engine.at(-1));
      rounds.logBuffer.push(await logBufferArm(logs));
      show('LogBuffer', rounds.logBuffer.at(-1));
      await sleep(300);
      rounds.api.push(await apiArm());
      show('API (WS)', rounds.api.at(-1));
      await sleep(300);
    }
    const engine = median(rounds.engine);
    const inProc = median(rounds.logBuffer);
    const apiRes = median(rounds.api);
    const replay = Math.max(...rounds.engine.map((e) => e.replayLinesPerSec));
    const capacity = parserCapacity(logs);
    console.log(` medians of ${ROUNDS} rounds: engine ${Math.round(engine.linesPerSec)}, LogBuffer ${Math.round(inProc.linesPerSec)}, API ${Math.round(apiRes.linesPerSec)} lines/s`);
    console.log(`  engine replay of a finished log (no live producer), best: ${Math.round(replay)} lines/s`);
    console.log(`  Berth parser + LogBuffer on the recorded engine bytes (engine taken out): ${Math.round(capacity.linesPerSec)} lines/s (${capacity.lines} lines in ${capacity.ms} ms)`);
    console.log(`  ratio to the engine stream: LogBuffer ${round(inProc.linesPerSec / engine.linesPerSec, 2)}x, API ${round(apiRes.linesPerSec / engine.linesPerSec, 2)}x`);
    const hwm = round(memMb(serve.pid).hwm);
    console.log(`  berth serve RSS: ${apiRes.rssBeforeMb} MB before, peak ${hwm} MB (VmHWM over all rounds); deployment ${apiRes.readyDuringFlood} during the flood`);
    // The target is for the API subscriber; the in-process LogBuffer figure is shown for
    // locating a loss between the engine, the supervisor and the transport.
    console.log(`  (in-process LogBuffer subscriber, median round: ${Math.round(inProc.linesPerSec)} lines/s)`);
    const verdicts = [
      verdict('lines/s at the API subscriber (median round)', apiRes.linesPerSec, 'higher', TARGET_LPS, 'lines/s'),
      verdict('berth serve peak RSS (VmHWM)', hwm, 'lower', TARGET_RSS_MB, 'MB'),
    ];
    for (const r of rounds.api) if (r.count < LINES) console.log(`  note: an API round got ${r.count} of ${LINES} lines (${r.dropped} reported dropped).`);
    const strip = ({ add, finished, rate, ingestRate, replayLinesPerSec, ...r }) => ({ ...r, linesPerSec: round(r.linesPerSec, 0) });
    writeResults('log-pipeline', {
      definition: 'lines/s = LOG_LINE lines received / (last arrival - first arrival) at each subscriber; RSS = VmHWM of the berth serve process',
      lines: LINES,
      rounds: ROUNDS,
      engine: strip(engine),
      engineReplayBestLinesPerSec: round(replay, 0),
      berthParserCapacity: { ...capacity, linesPerSec: round(capacity.linesPerSec, 0) },
      logBuffer: strip(inProc),
      api: strip(apiRes),
      servePeakRssMb: hwm,
      allRounds: Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, v.map((r) => round(r.linesPerSec, 0))])),
      verdicts,
    });
  },
  async () => {
    tap?.close();
    await serve?.stop();
    await removeBenchContainers(work, LABEL);
    removeWorkDir(work);
  },
);
