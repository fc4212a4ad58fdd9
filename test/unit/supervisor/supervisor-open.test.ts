// Supervisor.open: one path is one Deployment, however many opens race for it, and an open
// racing a close of the same deployment gets a live one, not the one being closed.
import { describe, expect, it } from 'vitest';
import { Supervisor, type EnginePort } from '../../../electron/engine/supervisor/supervisor.js';
import type { DeploymentEnv } from '../../../electron/engine/supervisor/deployment-env.js';
import { FakeEnv, testPlan } from './fake-env.js';

const engine: EnginePort = { isUp: () => true, onStatus: () => () => {}, watchEvents: () => () => {}, listManaged: async () => [], removeContainer: async () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function supervisor(o: { idDelay: (path: string) => number; gatewayCloseMs?: number }) {
  const counts = { envs: 0, prepares: 0 };
  const sup = new Supervisor({
    engine,
    instanceId: 'inst',
    pollMs: 0,
    envFor: () => {
      counts.envs++;
      const env: DeploymentEnv = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 }).env();
      const prepare = env.prepare;
      env.prepare = async (...a) => {
        counts.prepares++;
        await sleep(20);
        return prepare(...a);
      };
      const openGateway = env.openGateway;
      env.openGateway = async (plan) => {
        const g = await openGateway(plan);
        return { ...g, close: async () => { await sleep(o.gatewayCloseMs ?? 0); await g.close(); } };
      };
      return env;
    },
    // Two spellings of one truss (its folder, its config.yaml) resolve at different speeds.
    deploymentIdFor: async (p) => {
      await sleep(o.idDelay(p));
      return 'dep-1';
    },
  });
  return { sup, counts };
}

describe('Supervisor.open', () => {
  it('concurrent opens of one path share one Deployment, planned once', async () => {
    const { sup, counts } = supervisor({ idDelay: (p) => (p.endsWith('.yaml') ? 5 : 15) });
    const [a, b, c] = await Promise.all([sup.open('/x'), sup.open('/x/config.yaml'), sup.open('/x')]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(sup.list()).toHaveLength(1);
    expect(counts.envs).toBe(1);
    expect(counts.prepares).toBe(1);
    expect(a.plan).not.toBeNull();
    await sup.shutdown();
  });

  it('an open racing a close of the same deployment returns a new, open deployment', async () => {
    const { sup } = supervisor({ idDelay: () => 5, gatewayCloseMs: 60 });
    const d = await sup.open('/x');
    await d.start();
    const closing = sup.close('dep-1');
    const reopened = await sup.open('/x');
    await closing;
    expect(reopened).not.toBe(d);
    expect(sup.list()).toEqual([reopened]);
    expect(sup.get('dep-1')).toBe(reopened);
    await sup.shutdown();
  });
});
