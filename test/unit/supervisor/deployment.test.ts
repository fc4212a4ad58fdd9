import { describe, it, expect, afterEach } from 'vitest';
import { Deployment } from '../../../electron/engine/supervisor/deployment.js';
import type { DeploymentStateName } from '../../../shared/deployment.js';
import type { ContainerFacts } from '../../../electron/engine/supervisor/deployment-env.js';
import { FakeEnv, testPlan } from './fake-env.js';

const live: Deployment[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((d) => d.stop()));
});

function make(env: FakeEnv) {
  const d = new Deployment({ id: 'dep-1', configPath: '/x/config.yaml', env: env.env(), backoff: { baseMs: 100, capMs: 400, resetAfterMs: 60_000 } });
  env.events = (ev) => d.onContainerEvent(ev);
  live.push(d);
  return d;
}

function waitFor(d: Deployment, name: DeploymentStateName, ms = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (d.state.name === name) return resolve(Date.now());
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${name}; now ${d.state.name}: ${d.state.reason}`)), ms);
    const on = (s: { name: string }) => {
      if (s.name === name) {
        clearTimeout(t);
        d.off('state', on);
        resolve(Date.now());
      }
    };
    d.on('state', on);
  });
}

describe('Deployment lifecycle (fake container, real HTTP probes)', () => {
  // "Ready at the first 200" is checked by counting probes, not by a clock: a loaded CI
  // machine may delay the transition, but never add a probe between the 200 and ready.
  it('slow startup turns ready on the first 200 startup probe, gate opens', async () => {
    const env = new FakeEnv(testPlan(), { ready: (ms) => (ms > 400 ? 200 : 503), live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    expect(env.firstOkAt).toBeGreaterThan(0);
    expect(d.timeline().map((e) => e.state)).toEqual(['idle', 'pulling', 'starting', 'waiting_for_startup', 'ready']);
    expect(env.gates.at(-1)).toMatchObject({ ready: true, state: 'ready' });
    expect(env.upstreams.at(-1)).toEqual({ host: '127.0.0.1', port: env.port });
    const startup = d.probeHistory().filter((p) => p.kind === 'startup');
    expect(startup.at(-1)!.ok).toBe(true);
    expect(startup.filter((p) => p.ok)).toHaveLength(1);
    expect(startup.some((p) => p.status === 503)).toBe(true);
  });

  it('a config with weights passes through fetching_weights (progress, pinned commit in the reason) before the container', async () => {
    const env = new FakeEnv(testPlan({ weights: [{ key: 'weights', index: 0, repoId: 'org/m', revision: 'main', allowPatterns: [], ignorePatterns: [], dialect: 'glob', target: '/models/m', secretName: null }] }), { ready: () => 200, live: () => 200 });
    const d = make(env);
    const progress: string[] = [];
    d.on('progress', (p) => progress.push(p.kind));
    await d.start();
    await waitFor(d, 'ready');
    expect(d.timeline().map((e) => e.state)).toEqual(['idle', 'pulling', 'fetching_weights', 'starting', 'waiting_for_startup', 'ready']);
    expect(d.timeline().find((e) => e.state === 'starting')!.reason).toMatch(/weights fake@main \(all from the cache\)/);
    expect(progress).toContain('weights');
    expect(env.weightsFetches).toBe(1);
  });

  it('a config without weights skips the stage', async () => {
    const env = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    expect(env.weightsFetches).toBe(0);
  });

  it('Stop during fetching_weights cancels the download: stopped, no container, gateway closed', async () => {
    const env = new FakeEnv(testPlan({ weights: [{ key: 'model_cache', index: 0, repoId: 'org/m', revision: 'main', allowPatterns: [], ignorePatterns: [], dialect: 'truss', target: '/app/model_cache/m', secretName: 'hf_access_token' }] }), { ready: () => 200, live: () => 200 });
    env.weightsHang = true;
    const d = make(env);
    void d.start();
    await waitFor(d, 'fetching_weights');
    await d.stop();
    expect(d.state.name).toBe('stopped');
    expect(env.weightsAborted).toBe(true);
    expect(env.containersCreated).toBe(0);
    expect(env.gatewaysClosed).toBe(env.gatewaysOpened.length);
    await new Promise((r) => setTimeout(r, 50));
    expect(d.state.name).toBe('stopped');
  });

  it('startup threshold exceeded -> failed with the reason, container removed', async () => {
    const env = new FakeEnv(testPlan({ probes: { ...testPlan().probes, startupThresholdS: 0.5 } }), { ready: () => 503, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'failed');
    expect(d.state.reason).toMatch(/did not succeed within 0.5 s \(last answer: HTTP 503\)/);
    expect(env.removed).toBe(1);
    expect(env.gates.at(-1)!.ready).toBe(false);
  });

  it('missing secret fails before any container is created', async () => {
    const env = new FakeEnv(testPlan({ secrets: ['hf_token'] }), { ready: () => 200, live: () => 200 });
    env.secretsMissing = ['hf_token'];
    const d = make(env);
    await d.start();
    await waitFor(d, 'failed');
    expect(d.state.reason).toMatch(/hf_token.*berth secrets set/);
    expect(env.starts).toBe(0);
  });

  it('flapping readiness stops then resumes traffic', async () => {
    let bad = false;
    const env = new FakeEnv(testPlan(), { ready: () => (bad ? 503 : 200), live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    bad = true;
    await waitFor(d, 'not_ready');
    expect(env.gates.at(-1)).toMatchObject({ ready: false, state: 'not_ready' });
    expect(d.state.reason).toMatch(/readiness \/health failed for .* \(HTTP 503\): traffic stopped/);
    bad = false;
    await waitFor(d, 'ready');
    expect(env.gates.at(-1)!.ready).toBe(true);
  });

  it('hanging liveness restarts the same container', async () => {
    let hang = false;
    const env = new FakeEnv(testPlan(), { ready: () => 200, live: () => (hang ? 'hang' : 200) });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    hang = true;
    await waitFor(d, 'restarting');
    expect(d.state.reason).toMatch(/liveness \/live failed for .*no answer within .*restarting/);
    hang = false;
    await waitFor(d, 'ready');
    expect(env.starts).toBe(2);
  });

  it('after a GPU deployment starts, it checks which GPUs the container really sees (GPU faked: none here)', async () => {
    const env = new FakeEnv(testPlan({ gpu: { accelerator: 'A10G', count: 1, deviceIds: ['GPU-x'] } }), { ready: () => 200, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    expect(env.confirmed).toEqual([['c1', 1]]);
    expect(env.systemLines.some((l) => l.startsWith('[gpu] the container sees 1 GPU(s)'))).toBe(true);
    await d.stop();
    const cpu = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 });
    const d2 = make(cpu);
    await d2.start();
    await waitFor(d2, 'ready');
    expect(cpu.confirmed).toEqual([]);
    await d2.stop();
  });

  it('a deployment stopped while the engine is away stays stopped when it returns', async () => {
    const env = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    d.onEngineDown('socket gone');
    expect(d.state.name).toBe('not_ready');
    await d.stop();
    expect(d.state.name).toBe('stopped');
    const starts = env.starts;
    await d.onEngineUp();
    await new Promise((r) => setTimeout(r, 100));
    expect(d.state.name).toBe('stopped');
    expect(env.starts).toBe(starts);
  });

  it('each start opens a gateway for the current plan and closes the previous one', async () => {
    const env = new FakeEnv(testPlan({ probes: { ...testPlan().probes, startupThresholdS: 0.3 } }), { ready: () => 503, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'failed', 5_000);
    env.plan = testPlan({ gateway: { ...testPlan().gateway, predictEndpoint: '/v1/chat/completions' } });
    env.b.ready = () => 200;
    await d.start();
    await waitFor(d, 'ready');
    expect(env.gatewaysOpened).toEqual([testPlan().gateway.predictEndpoint, '/v1/chat/completions']);
    expect(env.gatewaysClosed).toBe(1);
    await d.stop();
    expect(env.gatewaysClosed).toBe(2);
  });

  it('a restart the engine refuses is retried with back-off instead of failing the deployment', async () => {
    const env = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    env.failStarts = 2;
    await env.crash(143);
    await waitFor(d, 'crash_loop');
    expect(d.state.reason).toMatch(/restart failed \(Docker could not run berth-dep-1: the engine is shutting down\)/);
    await waitFor(d, 'ready', 10_000);
    expect(env.starts).toBe(4);
    expect(d.timeline().some((e) => e.state === 'failed')).toBe(false);
    await d.stop();
  });

  it('crashes restart at once, then back off in crash_loop; stop cleans up', async () => {
    const env = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    await env.crash(3);
    await waitFor(d, 'restarting');
    await waitFor(d, 'ready');
    expect(d.timeline().some((e) => e.state === 'restarting' && /exited with code 3; last output: loading weights \| RuntimeError: boom/.test(e.reason))).toBe(true);
    await env.crash(137);
    await waitFor(d, 'crash_loop');
    const s = d.state;
    expect(s.reason).toMatch(/code 137.*next restart in 0.1 s/);
    expect(s.nextRestartAt! - Date.now()).toBeLessThanOrEqual(100);
    await waitFor(d, 'ready');
    expect(d.state.restartCount).toBe(2);
    await d.stop();
    expect(d.state.name).toBe('stopped');
    expect(env.removed).toBe(1);
    expect(env.server).toBeNull();
  });
});

// GPUs are faked (none here): FakeEnv describes two and holds them in the real GpuLedger.
describe('Deployment GPU lease (real ledger, described GPUs)', () => {
  const gpuPlan = () => testPlan({ gpu: { accelerator: 'H100', count: 1, deviceIds: [] } });
  const held = (env: FakeEnv) => env.ledger.held();
  const gate = () => {
    let open!: () => void;
    const p = new Promise<void>((r) => (open = r));
    return { p, open };
  };
  const until = async (cond: () => boolean, ms = 3000) => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('holds its GPU in the ledger while it runs, plans once with the granted UUID, and frees it on stop', async () => {
    const env = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 });
    const d = make(env);
    await d.start();
    await waitFor(d, 'ready');
    expect(env.prepares).toBe(1);
    expect(held(env)).toEqual({ 'dep-1': ['GPU-fake-0'] });
    expect(d.plan!.gpu!.deviceIds).toEqual(['GPU-fake-0']);
    expect(d.summary().gpuDeviceIds).toEqual(['GPU-fake-0']);
    await d.stop();
    expect(held(env)).toEqual({});
    expect(d.summary().gpuDeviceIds).toEqual([]);
  });

  it('Stop while the start is still planning (GPUs reserved, no container yet) releases them', async () => {
    const env = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 });
    const hold = gate();
    env.planningHold = hold.p;
    const d = make(env);
    const started = d.start();
    await until(() => !!held(env)['dep-1']);
    await d.stop();
    expect(held(env)).toEqual({});
    hold.open();
    await started;
    expect(held(env)).toEqual({});
    expect(env.containersCreated).toBe(0);
  });

  it('a start superseded while it pulls (the engine went away) releases its GPUs', async () => {
    const env = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 });
    const hold = gate();
    env.pullHold = hold.p;
    const d = make(env);
    const started = d.start();
    await waitFor(d, 'pulling');
    expect(held(env)).toEqual({ 'dep-1': ['GPU-fake-0'] });
    d.onEngineDown('socket gone');
    expect(d.state.name).toBe('failed');
    hold.open();
    await started;
    expect(held(env)).toEqual({});
    expect(env.containersCreated).toBe(0);
  });

  it('a failed start releases its GPUs', async () => {
    const env = new FakeEnv(testPlan({ gpu: { accelerator: 'H100', count: 1, deviceIds: [] }, secrets: ['hf_token'] }), { ready: () => 200, live: () => 200 });
    env.secretsMissing = ['hf_token'];
    const d = make(env);
    await d.start();
    await waitFor(d, 'failed');
    expect(held(env)).toEqual({});
  });

  it("re-adoption keeps the container's actual devices in the ledger, not what placement would pick", async () => {
    const env = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 });
    await env.listen();
    const d = make(env);
    const facts: ContainerFacts = { id: 'c1', name: 'berth-dep-1', running: true, exitCode: null, oomKilled: false, labels: { 'dev.berth.plan-hash': 'h1' }, hostPort: env.port, gpuDeviceIds: ['GPU-fake-1'], secretsDir: null };
    await d.start({}, facts);
    await waitFor(d, 'ready');
    expect(held(env)).toEqual({ 'dep-1': ['GPU-fake-1'] });
    expect(d.plan!.gpu!.deviceIds).toEqual(['GPU-fake-1']);
    expect(env.containersCreated).toBe(0);
  });

  it('two deployments on one ledger get different GPUs; a third is refused until one stops', async () => {
    const a = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 });
    const b = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 }, { ledger: a.ledger, id: 'dep-2' });
    const c = new FakeEnv(gpuPlan(), { ready: () => 200, live: () => 200 }, { ledger: a.ledger, id: 'dep-3' });
    const da = make(a);
    const db = new Deployment({ id: 'dep-2', configPath: '/y/config.yaml', env: b.env(), backoff: { baseMs: 100, capMs: 400, resetAfterMs: 60_000 } });
    const dc = new Deployment({ id: 'dep-3', configPath: '/z/config.yaml', env: c.env(), backoff: { baseMs: 100, capMs: 400, resetAfterMs: 60_000 } });
    live.push(db, dc);
    await da.start();
    await waitFor(da, 'ready');
    await db.start();
    await waitFor(db, 'ready');
    expect(a.ledger.held()).toEqual({ 'dep-1': ['GPU-fake-0'], 'dep-2': ['GPU-fake-1'] });
    await dc.start();
    await waitFor(dc, 'failed');
    expect(dc.state.reason).toMatch(/only 0 of 2 are free/);
    expect(a.ledger.held()).toEqual({ 'dep-1': ['GPU-fake-0'], 'dep-2': ['GPU-fake-1'] });
    await da.stop();
    await db.stop();
    expect(a.ledger.held()).toEqual({});
  });
});
