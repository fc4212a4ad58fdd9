// The Docker engine itself restarts under a running deployment: dockerd is stopped (SIGTERM,
// which also stops its containers) and started again exactly as .ci/run starts it
// (`setsid dockerd >> LOG 2>&1 < /dev/null &`, then wait for /_ping). Berth must notice the
// engine going away, reconnect by itself, and bring the deployment back to ready.
//
// This disturbs every other test that uses Docker, so it must run alone: it is in its own
// file, named to sort last, and the reliability project runs files one at a time
// (fileParallelism: false) after every other suite in `npm test`. Do not run it while
// other suites run against the same engine.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, engineAnswers } from '../helpers/docker.js';
import { makeBerthHome } from '../helpers/tmp.js';
import { bundleCli, eventsOf, removeBundle, startServe, until, type Berth } from './helpers/berth-process.js';
import { fixtureTruss } from './helpers/truss.js';
import { leftovers, sweep } from './helpers/leftovers.js';

const DOCKERD_LOG = process.env.BERTH_CI_DOCKERD_LOG || '/var/log/berth-ci-dockerd.log';
const home = makeBerthHome('berth-rel-dockerd-home-');
const truss = fixtureTruss({ name: 'rel-dockerd', predictEndpoint: '/predict' });
let cli = '';
let berth: Berth;
let dockerdArgs: string[] = [];

/** The local dockerd process (pid and argv), found through /proc. */
function findDockerd(): { pid: number; argv: string[] } | null {
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      if (fs.readFileSync(`/proc/${ent}/comm`, 'utf8').trim() !== 'dockerd') continue;
      const argv = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return { pid: Number(ent), argv };
    } catch {
      /* the process went away while we looked */
    }
  }
  return null;
}

function startDockerd(args: string[]): void {
  fs.mkdirSync(path.dirname(DOCKERD_LOG), { recursive: true });
  const log = fs.openSync(DOCKERD_LOG, 'a');
  // setsid: its own session, so it outlives this test process like the CI-started one.
  const child = spawn('setsid', ['dockerd', ...args], { stdio: ['ignore', log, log], detached: true });
  child.unref();
  fs.closeSync(log);
}

async function waitForEngine(ms: number): Promise<void> {
  await until('dockerd to answer /_ping', async () => ((await engineAnswers(2_000)) ? true : undefined), ms, 500);
}

beforeAll(async () => {
  const d = findDockerd();
  if (!d) throw new Error('no local dockerd process found: this test restarts the engine and needs it on this machine, started as .ci/run does');
  if (process.getuid?.() !== 0) throw new Error('restarting dockerd needs root: run the reliability suite as root (as .ci/run does)');
  dockerdArgs = d.argv.slice(1);
  cli = await bundleCli();
  berth = await startServe(cli, { home: home.dir, paths: [truss.dir] });
});

afterAll(async () => {
  // Whatever happened, leave an engine running for whoever comes next.
  if (!findDockerd()) startDockerd(dockerdArgs);
  await waitForEngine(60_000).catch(() => undefined);
  await berth?.stop().catch(() => undefined);
  await sweep(home.dir).catch(() => undefined);
  if (cli) removeBundle(cli);
  truss.cleanup();
  home.cleanup();
});

describe('dockerd restart', () => {
  it('Berth reconnects and the deployment returns to ready; stop leaves nothing', async () => {
    const id = (await berth.api('deployments.list')).body.result[0].id;
    expect((await berth.api('deployments.start', { id })).status).toBe(200);
    const ready = await berth.waitState(id, 'ready', 60_000);
    const containerId = ready.summary.containerId;

    const d = findDockerd()!;
    process.kill(d.pid, 'SIGTERM');
    await until('dockerd to exit', () => (fs.existsSync(`/proc/${d.pid}`) ? undefined : true), 60_000, 200);

    // Berth sees the engine go away: status down, the deployment out of ready, still up itself.
    await until(
      'engine.status to say down',
      async () => ((await berth.api('engine.status')).body.result?.up === false ? true : undefined),
      20_000,
      250,
    );
    const down = await berth.api('engine.status');
    expect(down.body.result.hint).toBeTruthy();
    await berth.waitState(id, ['not_ready', 'restarting', 'failed', 'waiting_for_startup'], 20_000).catch((e) => {
      // failed is acceptable mid-outage only if it resumes; waitState treats it as terminal
      if (!/failed/.test(String(e))) throw e;
    });
    expect(berth.proc.exitCode).toBeNull();

    startDockerd(dockerdArgs);
    await waitForEngine(60_000);

    await until('engine.status to say up', async () => ((await berth.api('engine.status')).body.result?.up === true ? true : undefined), 30_000, 250);
    const back = await until(
      'the deployment to be ready again',
      async () => {
        const g = await berth.api('deployments.get', { id });
        return g.body.result?.summary.state.name === 'ready' ? g.body.result : undefined;
      },
      90_000,
      250,
    );
    const engineEvents = eventsOf(berth, 'engine.status').map((s) => s.up);
    expect(engineEvents).toContain(false);
    expect(engineEvents.at(-1)).toBe(true);
    const res = await fetch(`${back.summary.gatewayUrl}/production/predict`, { method: 'POST', body: '{"prompt":"up"}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).model_output).toBe('pu');
    expect(back.summary.containerId).toBe(containerId);

    expect((await berth.api('deployments.stop', { id })).status).toBe(200);
    await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await leftovers(home.dir)).toEqual({ containers: [], volumes: [], secretDirs: [] });
  }, 240_000);
});
