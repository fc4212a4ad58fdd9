// Recovery runs on every engine (re)connection, not only when the engine is up at start:
// leftovers from an earlier Berth are re-adopted or removed once the engine answers, listing
// and removal failures are retried a bounded number of times, and build containers (which
// hold build secrets) are removed unless a build of this process still uses them.
import { afterEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../../shared/plan.js';
import { Supervisor, type EnginePort, type RecoveryReport, type SupervisorOptions } from '../../../electron/engine/supervisor/supervisor.js';
import type { ContainerFacts } from '../../../electron/engine/supervisor/deployment-env.js';
import { BUILD_CONTAINER_LABEL, markBuildContainerInUse } from '../../../electron/engine/build/labels.js';
import { FakeEnv, testPlan } from './fake-env.js';

class FakeEngine implements EnginePort {
  up = false;
  containers: ContainerFacts[] = [];
  listCalls = 0;
  listFailures = 0;
  removeFailures = 0;
  removed: string[] = [];
  private readonly listeners = new Set<(up: boolean, reason: string) => void>();
  isUp = () => this.up;
  onStatus(fn: (up: boolean, reason: string) => void) {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
  set(up: boolean): void {
    this.up = up;
    for (const l of [...this.listeners]) l(up, up ? 'engine answered' : 'engine gone');
  }
  watchEvents() {
    return () => {};
  }
  async listManaged(): Promise<ContainerFacts[]> {
    this.listCalls++;
    if (this.listFailures > 0) {
      this.listFailures--;
      throw new Error('engine hiccup');
    }
    return this.containers.slice();
  }
  async removeContainer(f: ContainerFacts): Promise<void> {
    if (this.removeFailures > 0) {
      this.removeFailures--;
      throw new Error('removal of container is already in progress');
    }
    this.removed.push(f.id);
    this.containers = this.containers.filter((c) => c.id !== f.id);
  }
}

function facts(over: Partial<ContainerFacts> & { id: string; labels: Record<string, string> }): ContainerFacts {
  return { name: `berth-${over.id}`, running: false, exitCode: 0, oomKilled: false, hostPort: 41_000, gpuDeviceIds: [], secretsDir: null, ...over };
}

/** A running container of dep-1 (plan hash h1, config /x/config.yaml) left by an earlier Berth. */
const leftoverOfDep1 = () =>
  facts({ id: 'c1', running: true, labels: { [LABELS.managed]: 'true', [LABELS.deployment]: 'dep-1', [LABELS.planHash]: 'h1', [LABELS.configPath]: '/x/config.yaml' } });
const strayOfGone = () => facts({ id: 'stray', labels: { [LABELS.managed]: 'true', [LABELS.deployment]: 'gone-dep', [LABELS.configPath]: '/gone/config.yaml' } });

const made: Supervisor[] = [];
function supervisor(engine: FakeEngine, over: Partial<SupervisorOptions> = {}): Supervisor {
  const sup = new Supervisor({
    engine,
    instanceId: 'inst',
    pollMs: 0,
    envFor: () => new FakeEnv(testPlan({ probes: { ...testPlan().probes, startupThresholdS: 60 } }), { ready: () => 200, live: () => 200 }).env(),
    deploymentIdFor: async (p) => (p.startsWith('/x') ? 'dep-1' : 'gone-dep'),
    configExists: (p) => p.startsWith('/x'),
    recoveryRetryMs: 10,
    ...over,
  });
  made.push(sup);
  return sup;
}

function nextRecovery(sup: Supervisor, ms = 3000): Promise<RecoveryReport> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no recovery within ${ms} ms`)), ms);
    const sub = sup.on('recovery', (r) => {
      clearTimeout(t);
      sub.dispose();
      resolve(r);
    });
  });
}

afterEach(async () => {
  for (const s of made.splice(0)) await s.shutdown({ keepRunning: true });
});

describe('Supervisor recovery on engine (re)connection', () => {
  it('engine down when Berth starts: leftovers are re-adopted or removed once it comes up', async () => {
    const engine = new FakeEngine();
    engine.containers = [leftoverOfDep1(), strayOfGone()];
    const sup = supervisor(engine);
    const first = await sup.init({ removeUnknown: true, adopt: true, reopen: true });
    expect(first).toMatchObject({ adopted: [], removed: [] });
    expect(engine.listCalls).toBe(0);

    const recovered = nextRecovery(sup);
    engine.set(true);
    const report = await recovered;
    expect(report.adopted).toEqual([{ deploymentId: 'dep-1', containerId: 'c1', name: 'berth-c1' }]);
    expect(report.removed.map((r) => r.containerId)).toEqual(['stray']);
    expect(sup.get('dep-1').containerId).toBe('c1');
    expect(engine.removed).toEqual(['stray']);
  });

  it('every reconnection recovers again, not only the first', async () => {
    const engine = new FakeEngine();
    engine.up = true;
    const sup = supervisor(engine);
    await sup.init({ removeUnknown: true, adopt: true, reopen: true });
    engine.set(false);
    // While the engine was away, another (now dead) Berth left a container behind.
    engine.containers = [strayOfGone()];
    const recovered = nextRecovery(sup);
    engine.set(true);
    expect((await recovered).removed.map((r) => r.containerId)).toEqual(['stray']);
    expect(engine.containers).toEqual([]);
  });

  it('a listing that fails is retried a bounded number of times', async () => {
    const engine = new FakeEngine();
    engine.up = true;
    engine.containers = [strayOfGone()];
    engine.listFailures = 2;
    const sup = supervisor(engine, { recoveryAttempts: 4 });
    const report = await sup.init({ removeUnknown: true });
    expect(report.removed.map((r) => r.containerId)).toEqual(['stray']);
    expect(engine.listCalls).toBe(3);

    const engine2 = new FakeEngine();
    engine2.up = true;
    engine2.listFailures = 100;
    const sup2 = supervisor(engine2, { recoveryAttempts: 3 });
    const failed = await sup2.init({ removeUnknown: true });
    expect(engine2.listCalls).toBe(3);
    expect(failed.error).toMatch(/engine hiccup/);
  });

  it('a removal that fails is retried', async () => {
    const engine = new FakeEngine();
    engine.up = true;
    engine.containers = [strayOfGone()];
    engine.removeFailures = 1;
    const sup = supervisor(engine);
    const report = await sup.init({ removeUnknown: true });
    expect(engine.removed).toEqual(['stray']);
    expect(report.removed.map((r) => r.containerId)).toEqual(['stray']);
    expect(report.failed ?? []).toEqual([]);
  });

  it('build containers are removed (even of an open deployment, even for `berth run`) unless a build here uses them', async () => {
    const build = (id: string) => facts({ id, name: `berth-build-dep-1-${id}`, running: true, labels: { [LABELS.managed]: 'true', [LABELS.deployment]: 'dep-1', [BUILD_CONTAINER_LABEL]: 'true' } });
    const engine = new FakeEngine();
    engine.up = true;
    engine.containers = [build('b-dead'), build('b-live')];
    const release = markBuildContainerInUse('berth-build-dep-1-b-live');
    try {
      const sup = supervisor(engine);
      await sup.open('/x/config.yaml');
      const report = await sup.init({ removeUnknown: false, adopt: true });
      expect(report.removed.map((r) => r.containerId)).toEqual(['b-dead']);
      expect(report.removed[0].reason).toMatch(/build/);
      expect(engine.removed).toEqual(['b-dead']);
      expect(sup.get('dep-1').containerId).toBeNull();
    } finally {
      release();
    }
  });
});
