// Faults against a real `berth serve` process and real containers, each with the recovery
// Truss documents and nothing orphaned afterwards:
//  - `docker kill` of the model container: restarted at once, back to ready;
//  - the server process frozen with SIGSTOP (host pid from `docker top`): liveness hangs,
//    the container is restarted after restart_threshold_seconds, back to ready;
//  - a server that keeps exiting (FIXTURE_CRASH_AFTER_S): crash_loop with a back-off;
//  - Berth itself SIGKILLed and started again on the same BERTH_HOME: the running container
//    is re-adopted (same id) and stopping it leaves nothing behind.
// The dockerd restart lives in zz-dockerd-restart.test.ts (it must run alone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/plan.js';
import { docker, dockerCli } from '../helpers/docker.js';
import { makeBerthHome, type TempDir } from '../helpers/tmp.js';
import { bundleCli, eventsOf, removeBundle, startServe, until, type Berth } from './helpers/berth-process.js';
import { fixtureTruss, type FixtureTrussOptions } from './helpers/truss.js';
import { leftovers, sweep } from './helpers/leftovers.js';

const home = makeBerthHome('berth-rel-faults-home-');
const trusses: TempDir[] = [];
let cli = '';
let berth: Berth;

beforeAll(async () => {
  cli = await bundleCli();
  berth = await startServe(cli, { home: home.dir });
  // Probe every second (the platform's 10 s would make these tests slow, not different).
  const s = await berth.api('settings.update', { patch: { probePeriodMs: 1000 } });
  expect(s.status, JSON.stringify(s.body)).toBe(200);
});

afterAll(async () => {
  await berth?.stop().catch(() => undefined);
  await sweep(home.dir);
  if (cli) removeBundle(cli);
  for (const t of trusses) t.cleanup();
  home.cleanup();
});

async function openAndStart(b: Berth, o: FixtureTrussOptions): Promise<{ id: string; path: string }> {
  const t = fixtureTruss(o);
  trusses.push(t);
  const opened = await b.api('deployments.open', { path: t.dir });
  expect(opened.status, JSON.stringify(opened.body)).toBe(200);
  const id = opened.body.result.id as string;
  const started = await b.api('deployments.start', { id });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return { id, path: t.dir };
}

async function predictOk(gatewayUrl: string): Promise<void> {
  const res = await fetch(`${gatewayUrl}/production/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'abc' }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).model_output).toBe('cba');
}

async function containersOf(id: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`, `${LABELS.deployment}=${id}`] } });
  return list.map((c) => c.Id);
}

async function stopAndCheck(b: Berth, id: string, containerId: string): Promise<void> {
  const stopped = await b.api('deployments.stop', { id });
  expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
  expect(stopped.body.result.state.name).toBe('stopped');
  await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  expect(await containersOf(id)).toEqual([]);
}

function statesOf(b: Berth, id: string): string[] {
  return eventsOf(b, 'deployment.state').filter((p) => p.id === id).map((p) => p.state.name);
}

describe('faults', () => {
  it('docker kill of the model container: restarted, back to ready, serving again', async () => {
    const { id } = await openAndStart(berth, { name: 'rel-kill', predictEndpoint: '/predict' });
    const ready = await berth.waitState(id, 'ready', 60_000);
    const containerId = ready.summary.containerId as string;
    await predictOk(ready.summary.gatewayUrl);
    const before = statesOf(berth, id).length;

    await dockerCli(['kill', containerId]);
    await until('a restart after the kill', () => (statesOf(berth, id).slice(before).includes('restarting') ? true : undefined), 20_000);
    const back = await berth.waitState(id, 'ready', 30_000);
    expect(back.summary.containerId).toBe(containerId); // the same container, started again
    expect(back.timeline.some((e: any) => e.state === 'restarting' && /137|SIGKILL|killed/i.test(e.reason))).toBe(true);
    expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);
    await predictOk(back.summary.gatewayUrl);
    await stopAndCheck(berth, id, containerId);
  });

  it('SIGSTOP of the server process: liveness hangs, restart after the threshold, back to ready', async () => {
    const { id } = await openAndStart(berth, {
      name: 'rel-stop',
      predictEndpoint: '/predict',
      health: { restart_check_delay_seconds: 10, restart_threshold_seconds: 10, stop_traffic_threshold_seconds: 10 },
    });
    const ready = await berth.waitState(id, 'ready', 60_000);
    const containerId = ready.summary.containerId as string;
    const top = await docker.getContainer(containerId).top({ ps_args: '-o pid,args' });
    const pids = (top.Processes as string[][]).filter((p) => /server\.mjs/.test(p[1])).map((p) => Number(p[0]));
    expect(pids.length, JSON.stringify(top)).toBeGreaterThan(0);
    const frozenAt = Date.now();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');

    const restarting = await berth.waitState(id, 'restarting', 45_000);
    const afterS = (Date.now() - frozenAt) / 1000;
    expect(restarting.summary.state.reason).toMatch(/liveness \/live failed/);
    // Armed 10 s after ready, then 10 s of failures: never before the threshold.
    expect(afterS).toBeGreaterThanOrEqual(10);
    const back = await berth.waitState(id, 'ready', 45_000);
    expect(back.summary.containerId).toBe(containerId);
    await predictOk(back.summary.gatewayUrl);
    await stopAndCheck(berth, id, containerId);
  });

  it('a server that keeps crashing: crash_loop with back-off is visible', async () => {
    const { id } = await openAndStart(berth, { name: 'rel-crash', predictEndpoint: '/predict', env: { FIXTURE_CRASH_AFTER_S: '1', FIXTURE_CRASH_CODE: '3' } });
    const loop = await berth.waitState(id, 'crash_loop', 40_000);
    expect(loop.summary.state.reason).toMatch(/exit(ed)? (with )?(code )?3|code 3/i);
    expect(loop.summary.state.nextRestartAt).toBeGreaterThan(Date.now() - 1000);
    expect(loop.summary.state.restartCount).toBeGreaterThanOrEqual(2);
    // Also pushed to clients over the WebSocket, not only visible on request.
    await until('a crash_loop state event', () => (statesOf(berth, id).includes('crash_loop') ? true : undefined), 5_000);
    const containerId = loop.summary.containerId as string;
    await stopAndCheck(berth, id, containerId);
  });

  it('all deployments stopped: no containers, volumes or secrets dirs of this data dir remain', async () => {
    expect(await leftovers(home.dir)).toEqual({ containers: [], volumes: [], secretDirs: [] });
  });
});

describe('Berth killed with SIGKILL', () => {
  const home2 = makeBerthHome('berth-rel-kill9-home-');
  afterAll(async () => {
    await sweep(home2.dir);
    home2.cleanup();
  });

  it('re-adopts the running container (same id) on restart, and stop leaves nothing', async () => {
    const first = await startServe(cli, { home: home2.dir });
    const { id } = await openAndStart(first, { name: 'rel-adopt', predictEndpoint: '/predict' });
    const ready = await first.waitState(id, 'ready', 60_000);
    const containerId = ready.summary.containerId as string;
    await first.kill9();
    // Berth had no chance to clean up: the container keeps running.
    expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);

    const second = await startServe(cli, { home: home2.dir });
    try {
      const list = await until(
        'the leftover deployment to be re-opened',
        async () => {
          const l = await second.api('deployments.list');
          return l.body.result?.find((d: any) => d.id === id);
        },
        30_000,
      );
      expect(list.configPath).toContain('rel-adopt');
      const back = await second.waitState(id, 'ready', 30_000);
      expect(back.summary.containerId).toBe(containerId);
      expect(back.timeline.some((e: any) => /re-adopted/.test(e.reason))).toBe(true);
      await predictOk(back.summary.gatewayUrl);
      expect(await second.stop()).toBe(0); // Ctrl-C: stops what it runs
      await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(await leftovers(home2.dir)).toEqual({ containers: [], volumes: [], secretDirs: [] });
    } finally {
      await second.kill9().catch(() => undefined);
    }
  });
});
