// Benchmark 6: idle cost. `berth serve` holding one ready deployment (default probe period
// 10 s, a WebSocket subscriber attached as the UI would be) over WINDOW_S seconds:
// CPU = (utime + stime) delta from /proc/<pid>/stat as % of one core; RSS = VmRSS (and the
// peak VmHWM). Measured side by side in the same window, for scale:
//   - `berth serve` with nothing opened (also with a subscriber): the server's own floor;
//   - `berth serve` with nothing opened and no subscriber: what a subscriber costs (the
//     GPU sampler runs only while someone listens);
//   - a bare `node` process doing nothing: the runtime's floor.
// Children's CPU (cutime + cstime: e.g. nvidia-smi runs of the GPU sampler) is reported
// apart; on this machine there is no nvidia-smi.
// Targets: CPU < 1% of one core, RSS < 200 MB.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { main, verdict, writeResults, round, sleep } from './lib/common.mjs';
import { startServe, waitReady } from './lib/berth-serve.mjs';
import { benchWorkDir, writeTruss, requireFixtureImage, removeBenchContainers, removeWorkDir } from './lib/trusses.mjs';
import { cpuMs, memMb } from './lib/proc-stats.mjs';

const WINDOW_S = Number(process.env.BENCH_IDLE_S ?? 60);
const SETTLE_MS = 3000;
const TARGET_CPU_PCT = 1;
const TARGET_RSS_MB = 200;

let work = null;
let withDep = null;
let empty = null;
let unwatched = null;
let bare = null;
const taps = [];

/** cutime + cstime (waited-for children) of pid, in clock ticks -> ms (100 Hz assumed as in cpuMs). */
function childCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

function watch(pid) {
  const c0 = cpuMs(pid);
  const k0 = childCpuMs(pid);
  const t0 = Date.now();
  let rssMax = 0;
  let rssSum = 0;
  let samples = 0;
  const timer = setInterval(() => {
    const m = memMb(pid);
    rssMax = Math.max(rssMax, m.rss);
    rssSum += m.rss;
    samples++;
  }, 1000);
  return () => {
    clearInterval(timer);
    const ms = Date.now() - t0;
    const m = memMb(pid);
    return {
      cpuPct: round(((cpuMs(pid) - c0) / ms) * 100, 3),
      childCpuPct: round(((childCpuMs(pid) - k0) / ms) * 100, 3),
      rssMb: round(m.rss),
      rssMaxMb: round(Math.max(rssMax, m.rss)),
      rssMeanMb: round(samples ? rssSum / samples : m.rss),
      vmHwmMb: round(m.hwm),
    };
  };
}

await main(
  'idle-cost',
  async () => {
    await requireFixtureImage();
    work = benchWorkDir('idle-cost');
    const truss = writeTruss(work, 'bench-idle');
    [withDep, empty, unwatched] = await Promise.all([startServe({ paths: [truss] }), startServe(), startServe()]);
    bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    const tap = await withDep.subscribe();
    taps.push(tap, await empty.subscribe());
    const [dep] = (await withDep.api('deployments.list')).filter((d) => d.configPath.startsWith(work));
    if (!dep) throw new Error(`berth serve did not open ${truss}:\n${withDep.output()}`);
    await withDep.api('deployments.start', { id: dep.id });
    await waitReady(tap, dep.id, 30_000);
    await sleep(SETTLE_MS);

    let probes = 0;
    let events = 0;
    tap.onEvent((msg) => {
      events++;
      if (msg.channel === 'deployment.probe') probes++;
    });
    console.log(`idle-cost: ${WINDOW_S} s with one ready deployment (serve pid ${withDep.pid}), beside an empty serve and a bare node`);
    const stops = [watch(withDep.pid), watch(empty.pid), watch(unwatched.pid), watch(bare.pid)];
    await sleep(WINDOW_S * 1000);
    const [a, b, u, c] = stops.map((s) => s());
    const detail = await withDep.api('deployments.get', { id: dep.id });
    const stillReady = detail.summary.state.name === 'ready';

    const line = (name, r) => console.log(`  ${name.padEnd(42)} CPU ${String(r.cpuPct).padStart(6)}% of a core (children ${r.childCpuPct}%), RSS ${r.rssMb} MB (max ${r.rssMaxMb}, peak VmHWM ${r.vmHwmMb})`);
    line('berth serve, one ready deployment', a);
    line('berth serve, nothing open', b);
    line('berth serve, nothing open, no subscriber', u);
    line('bare node', c);
    console.log(`  a subscriber costs +${round(b.cpuPct - u.cpuPct, 3)}% CPU on an empty serve (the GPU sampler runs while anyone listens)`);
    console.log(`  the deployment costs +${round(a.cpuPct - b.cpuPct, 3)}% CPU and +${round(a.rssMb - b.rssMb)} MB over an empty serve; serve is ${round(a.rssMb / c.rssMb, 2)}x a bare node's RSS`);
    console.log(`  events at the subscriber in the window: ${events} (${probes} probe results); deployment ${stillReady ? 'still ready' : `now ${detail.summary.state.name}`}`);
    const verdicts = [
      verdict('idle CPU of berth serve with one ready deployment', a.cpuPct, 'lower', TARGET_CPU_PCT, '% of a core'),
      verdict('idle RSS of berth serve with one ready deployment', a.rssMaxMb, 'lower', TARGET_RSS_MB, 'MB'),
    ];
    writeResults('idle-cost', {
      definition: 'CPU = (utime+stime) delta / wall time over the window, % of one core; RSS = VmRSS sampled each second (max reported)',
      windowS: WINDOW_S,
      serveWithDeployment: a,
      serveEmpty: b,
      serveEmptyNoSubscriber: u,
      bareNode: c,
      eventsInWindow: events,
      probesInWindow: probes,
      stillReady,
      verdicts,
    });
  },
  async () => {
    for (const t of taps) t.close();
    bare?.kill();
    await Promise.all([withDep?.stop(), empty?.stop(), unwatched?.stop()]);
    await removeBenchContainers(work);
    removeWorkDir(work);
  },
);
