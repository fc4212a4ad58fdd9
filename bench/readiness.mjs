// Benchmark 3: readiness detection. How long after the model server first answers 200 on
// its readiness endpoint does an API subscriber of `berth serve` see the deployment turn
// `ready`? Over RUNS starts of a fixture truss that becomes ready ~1 s after start (so
// Berth's startup poller, not a lucky first probe, finds it).
//
// The moment of readiness is the fixture's `FIXTURE_READY_AT <epoch ms>` line, logged at its
// first 200 on /health. A side poller (every 5 ms, lib/side-poller.mjs) keeps that first
// 200 from being Berth's own probe. Container and host share the clock.
//
// Target: p95 of (ready event seen by the subscriber - FIXTURE_READY_AT) <= 250 ms.
import { main, summarize, fmtSummary, verdict, writeResults, round } from './lib/common.mjs';
import { startServe, waitReady } from './lib/berth-serve.mjs';
import { benchWorkDir, writeTruss, requireFixtureImage, removeBenchContainers, removeWorkDir } from './lib/trusses.mjs';
import { publishedPort, pollUntil200 } from './lib/side-poller.mjs';

const RUNS = Number(process.env.BENCH_READINESS_RUNS ?? 20);
const TARGET_P95_MS = 250;

let work = null;
let serve = null;
let tap = null;

await main(
  'readiness',
  async () => {
    await requireFixtureImage();
    work = benchWorkDir('readiness');
    const truss = writeTruss(work, 'bench-readiness', { FIXTURE_STARTUP_DELAY_S: 1 });
    serve = await startServe({ paths: [truss] });
    tap = await serve.subscribe();
    const [dep] = (await serve.api('deployments.list')).filter((d) => d.configPath.startsWith(work));
    if (!dep) throw new Error(`berth serve did not open ${truss}:\n${serve.output()}`);
    const id = dep.id;

    // FIXTURE_READY_AT lines and Berth's own successful startup probes, as they arrive.
    const readyAts = [];
    const probes = [];
    tap.onEvent((msg) => {
      if (msg.payload?.id !== id) return;
      if (msg.channel === 'deployment.log') {
        for (const l of msg.payload.lines) {
          const m = /FIXTURE_READY_AT (\d+)/.exec(l.text);
          if (m) readyAts.push(Number(m[1]));
        }
      } else if (msg.channel === 'deployment.probe' && msg.payload.probe.ok && msg.payload.probe.kind === 'startup') {
        probes.push(msg.payload.probe);
      }
    });

    console.log(`readiness: ${RUNS} starts of a fixture that is ready ~1 s after start (berth serve pid ${serve.pid})`);
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const from = tap.events.length;
      const t0 = Date.now();
      await serve.api('deployments.start', { id });
      // The side poller needs the container's published port: wait for Berth to create it.
      const withContainer = await tap.waitFor('a container id', (e) => e.channel === 'deployment.state' && e.payload.id === id && e.payload.summary.containerId, 30_000, from);
      const port = await publishedPort(withContainer.payload.summary.containerId);
      const sideP = pollUntil200(port, { intervalMs: 5, timeoutMs: 30_000 });
      const ready = await waitReady(tap, id, 30_000, from);
      const side200 = await sideP;
      // The log line can trail the state event by a batch interval.
      const end = Date.now() + 5000;
      let readyAt;
      while (!(readyAt = readyAts.find((t) => t >= t0)) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      if (!readyAt) throw new Error(`run ${i + 1}: no FIXTURE_READY_AT line reached the subscriber within 5 s of ready`);
      const probe = probes.find((p) => p.time >= t0);
      const run = {
        eventMs: ready.at - readyAt,
        sinceMs: ready.payload.state.since - readyAt,
        // Decomposition: waiting for Berth's next startup poll, then probe -> state -> WebSocket.
        pollWaitMs: probe ? probe.time - readyAt : null,
        pipelineMs: probe ? ready.at - probe.time : null,
        sidePollerMs: side200 - readyAt,
        startToReadyMs: ready.at - t0,
      };
      runs.push(run);
      readyAts.length = 0;
      probes.length = 0;
      await serve.api('deployments.stop', { id });
    }

    const ev = summarize(runs.map((r) => r.eventMs));
    const since = summarize(runs.map((r) => r.sinceMs));
    const poll = summarize(runs.filter((r) => r.pollWaitMs !== null).map((r) => r.pollWaitMs));
    const pipe = summarize(runs.filter((r) => r.pipelineMs !== null).map((r) => r.pipelineMs));
    const side = summarize(runs.map((r) => r.sidePollerMs));
    console.log(`  ready event at the API subscriber - FIXTURE_READY_AT: ${fmtSummary(ev)}`);
    console.log(`  state.since - FIXTURE_READY_AT:                      ${fmtSummary(since)}`);
    console.log(`    of which wait for Berth's startup poll:            ${fmtSummary(poll)}`);
    console.log(`    of which probe 200 -> event at subscriber:         ${fmtSummary(pipe)}`);
    console.log(`  side poller (5 ms) 200 seen - FIXTURE_READY_AT:      ${fmtSummary(side)}`);
    // Berth polls every 100 ms while starting: an ideal poller at that period waits 50 ms on average.
    console.log(`  Berth mean vs an ideal 100 ms poller (mean 50 ms): ${round(ev.mean / 50, 2)}x`);
    const v = verdict('readiness p95 (ready event at subscriber)', ev.p95, 'lower', TARGET_P95_MS, 'ms');
    writeResults('readiness', {
      definition: 'ms from the fixture FIXTURE_READY_AT (first 200 on /health, side poller every 5 ms) to the deployment.state ready event arriving at a WebSocket /api/events subscriber of berth serve',
      runs: RUNS,
      readyEventMs: ev,
      stateSinceMs: since,
      pollWaitMs: poll,
      probeToEventMs: pipe,
      sidePollerMs: side,
      verdicts: [v],
      samples: runs,
    });
  },
  async () => {
    tap?.close();
    await serve?.stop();
    await removeBenchContainers(work);
    removeWorkDir(work);
  },
);
