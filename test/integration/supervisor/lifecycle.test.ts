// The supervisor on the real Docker engine with the fixture model server: startup, startup
// failure, readiness flapping through the real gateway, liveness restarts, crash back-off and
// crash loop, and a container killed from outside. Nothing is mocked except that this machine
// has no GPU (the trusses ask for none). The long waits run concurrently: the health
// thresholds' minimum is 10 s.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineConnection } from '../../../electron/engine/docker/connection.js';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { type EngineSupervisor } from '../../../electron/engine/supervisor/default-env.js';
import type { Deployment } from '../../../electron/engine/supervisor/deployment.js';
import { docker } from '../../helpers/docker.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { engineSupervisor, instanceContainers, leftoverSecretFiles, removeInstance, waitForState, writeFastSettings, writeTruss, type TrussSpec } from './support.js';


let tmp: TempDir;
let dataDir: string;
let conn: EngineConnection;
let es: EngineSupervisor;
let secrets: SecretStore;

beforeAll(async () => {
  tmp = tmpDir('berth-sv2-');
  dataDir = path.join(tmp.dir, 'home');
  writeFastSettings(dataDir);
  const made = await engineSupervisor(dataDir, { supervisor: { backoff: { baseMs: 1500, capMs: 6000, resetAfterMs: 60_000 }, pollMs: 1000, stopTimeoutS: 2 } });
  es = made;
  conn = made.connection;
  secrets = made.secrets;
  await es.supervisor.init({ removeUnknown: true });
});

afterAll(async () => {
  await es?.supervisor.shutdown({ keepRunning: false });
  conn?.stop();
  await removeInstance(dataDir);
  tmp?.cleanup();
});

async function open(spec: TrussSpec): Promise<Deployment> {
  const d = await es.supervisor.open(writeTruss(path.join(tmp.dir, 'trusses'), spec));
  expect(d.plan, JSON.stringify(d.issues)).not.toBeNull();
  return d;
}

function gatewayGet(d: Deployment, route = '/production/sync/v1/models'): Promise<number> {
  return fetch(`${d.gatewayUrl}${route}`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.arrayBuffer().then(() => r.status),
    () => -1,
  );
}

describe('supervisor on the real engine', () => {
  it.concurrent('a slow startup reaches ready; stop removes the container and its secrets dir', async () => {
    await secrets.set('sv2_token', 'sv2-secret-value');
    const d = await open({ name: 'sv2-slow', env: { FIXTURE_STARTUP_DELAY_S: '3' }, secrets: ['sv2_token'], health: { startup_threshold_seconds: 10 } });
    const t0 = Date.now();
    await d.start();
    expect(await gatewayGet(d)).toBe(503);
    await waitForState(d, 'ready', 15_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect(d.state.reason).toMatch(/readiness \/health answered 200 after/);
    // The secret reached the container as a file, and never its env or labels.
    const report = (await (await fetch(`${d.gatewayUrl}/production/sync/secrets-report`)).json()) as { files: Array<{ name: string }>; env: string[] };
    expect(JSON.stringify(report)).toContain('sv2_token');
    const info = await docker.getContainer(d.containerId!).inspect();
    expect(JSON.stringify(info)).not.toContain('sv2-secret-value');
    expect(leftoverSecretFiles(dataDir).some((f) => f.endsWith('sv2_token'))).toBe(true);
    expect(await gatewayGet(d)).toBe(200);
    const id = d.containerId!;
    await d.stop();
    expect(d.state.name).toBe('stopped');
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(leftoverSecretFiles(dataDir).filter((f) => f.includes('sv2-slow'))).toEqual([]);
  });

  it.concurrent('startup threshold exceeded: failed with the reason, container removed', async () => {
    const d = await open({ name: 'sv2-never', env: { FIXTURE_STARTUP_DELAY_S: '120' }, health: { startup_threshold_seconds: 10 } });
    const t0 = Date.now();
    await d.start();
    const id = d.containerId!;
    expect(id).toBeTruthy();
    await waitForState(d, 'failed', 20_000);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(10_000);
    expect(took).toBeLessThan(14_000);
    expect(d.state.reason).toMatch(/10 s/);
    expect(d.state.reason).toMatch(/\/health/);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it.concurrent('flapping readiness stops traffic (gateway 503) and resumes it (200), without a restart', async () => {
    const d = await open({ name: 'sv2-flap', env: { FIXTURE_READY_FLAP_S: '13' }, health: { stop_traffic_threshold_seconds: 10 } });
    await d.start();
    await waitForState(d, 'ready', 10_000);
    const id = d.containerId;
    expect(await gatewayGet(d)).toBe(200);
    // Not ready from t=13 s; traffic stops 10 s later.
    await waitForState(d, 'not_ready', 30_000);
    expect(d.state.reason).toMatch(/readiness/);
    expect(await gatewayGet(d)).toBe(503);
    await waitForState(d, 'ready', 10_000);
    expect(await gatewayGet(d)).toBe(200);
    expect(d.containerId).toBe(id);
    expect(d.timeline().some((e) => e.state === 'restarting')).toBe(false);
    await d.stop();
  });

  it.concurrent('hanging liveness restarts the container after the restart threshold (within one probe period)', async () => {
    const d = await open({
      name: 'sv2-hang',
      env: { FIXTURE_LIVENESS_HANG_AFTER_S: '11' },
      health: { restart_check_delay_seconds: 10, restart_threshold_seconds: 10, stop_traffic_threshold_seconds: 600 },
    });
    await d.start();
    await waitForState(d, 'ready', 10_000);
    const id = d.containerId;
    const restartedAt = await waitForState(d, 'restarting', 35_000);
    const firstFail = d.probeHistory().find((p) => p.kind === 'liveness' && !p.ok);
    expect(firstFail).toBeDefined();
    const delay = restartedAt - firstFail!.time;
    // Threshold 10 s, probe period 1 s: decided on the first probe result past the threshold.
    expect(delay).toBeGreaterThanOrEqual(10_000);
    expect(delay).toBeLessThanOrEqual(10_000 + 1000 + 1500);
    expect(d.state.reason).toMatch(/liveness \/live failed/);
    await waitForState(d, 'ready', 15_000);
    expect(d.containerId).toBe(id);
    await d.stop();
  });

  it.concurrent('a crashing server restarts at once, then with back-off (crash_loop with the exit reason)', async () => {
    const d = await open({ name: 'sv2-crash', env: { FIXTURE_CRASH_AFTER_S: '2', FIXTURE_CRASH_CODE: '3' } });
    await d.start();
    await waitForState(d, 'restarting', 10_000);
    expect(d.state.reason).toMatch(/code 3/);
    const loopAt = await waitForState(d, 'crash_loop', 15_000);
    const s = d.state;
    expect(s.reason).toMatch(/code 3/);
    expect(s.reason).toMatch(/next restart in 1\.5 s/);
    expect(s.nextRestartAt! - loopAt).toBeGreaterThan(1000);
    expect(s.nextRestartAt! - loopAt).toBeLessThanOrEqual(1600);
    await waitForState(d, 'restarting', 5000);
    // The third crash waits twice as long.
    await waitForState(d, 'crash_loop', 15_000);
    expect(d.state.reason, d.timeline().map((e) => `${e.state}: ${e.reason}`).join('\n')).toMatch(/next restart in 3 s/);
    expect(d.state.restartCount).toBeGreaterThanOrEqual(3);
    await d.stop();
    expect((await instanceContainers(dataDir)).some((c) => c.Names.some((n) => n.includes('sv2-crash')))).toBe(false);
  });

  it.concurrent('`docker kill` from outside is detected and the container restarted', async () => {
    const d = await open({ name: 'sv2-kill' });
    await d.start();
    await waitForState(d, 'ready', 10_000);
    const id = d.containerId!;
    const killedAt = Date.now();
    await docker.getContainer(id).kill({ signal: 'SIGKILL' });
    const seenAt = await waitForState(d, ['restarting', 'crash_loop'], 5000);
    expect(seenAt - killedAt).toBeLessThan(2000);
    expect(d.state.reason).toMatch(/137|SIGKILL|killed/i);
    await waitForState(d, 'ready', 10_000);
    expect(d.containerId).toBe(id);
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);
    expect(await gatewayGet(d)).toBe(200);
    await d.stop();
  });
});

describe('leftovers', () => {
  it('no containers and no secrets files remain after the tests above', async () => {
    expect(await instanceContainers(dataDir)).toEqual([]);
    expect(leftoverSecretFiles(dataDir).filter((f) => fs.statSync(f).isFile())).toEqual([]);
  });
});
