// The container's host port on 127.0.0.1: a port checked free can be taken before the
// container binds it, and a crashed container's port can be taken before its restart. Both
// must end with the container on another free port, not with PORT_IN_USE (which a crash
// restart would hit ten times in a row before the deployment fails).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { attachContainer, createContainer } from '../../../electron/engine/supervisor/container-ref.js';
import { inspectFacts } from '../../../electron/engine/supervisor/engine-adapter.js';
import type { ContainerRef } from '../../../electron/engine/supervisor/deployment-env.js';
import { docker, removeContainersByLabel } from '../../helpers/docker.js';
import { testPlan } from '../docker/support/plan.js';

const dataDir = mkdtempSync(join(tmpdir(), 'berth-hostport-'));
const made: ContainerRef[] = [];
const squatters: net.Server[] = [];

afterAll(async () => {
  for (const c of made) await c.remove().catch(() => undefined);
  await removeContainersByLabel({ 'berth.test': 'host-port' });
  await Promise.all(squatters.map((s) => new Promise((r) => s.close(r))));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Another program takes 127.0.0.1:port. */
function squat(port: number): Promise<void> {
  const s = net.createServer();
  squatters.push(s);
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
}

const plan = () => testPlan({ labels: { 'berth.test': 'host-port' } });

async function answers(port: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then((x) => x.status, () => -1);
    if (r === 200) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  return -1;
}

describe('container host port', () => {
  it('a port taken between the free-port check and the container binding it: the container gets another', async () => {
    // Whatever port Berth decided on when it created the container is taken before start.
    const racing = new Proxy(docker, {
      get(target, prop) {
        if (prop === 'createContainer') {
          return async (spec: Docker.ContainerCreateOptions) => {
            for (const bindings of Object.values(spec.HostConfig?.PortBindings ?? {}) as Array<Array<{ HostPort?: string }>>) {
              const p = Number(bindings[0]?.HostPort);
              if (p > 0) await squat(p);
            }
            return target.createContainer(spec);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const c = await createContainer(racing as Docker, plan(), { secretValues: {}, instanceId: 'hostport', dataDir });
    made.push(c);
    await c.start();
    expect(c.hostPort).toBeGreaterThan(0);
    const facts = await inspectFacts(docker, c.id);
    expect(facts?.hostPort).toBe(c.hostPort);
    expect(await answers(c.hostPort)).toBe(200);
  });

  it('a crashed container whose port was taken meanwhile restarts on another port (also when re-adopted)', async () => {
    const c = await createContainer(docker, plan(), { secretValues: {}, instanceId: 'hostport', dataDir });
    made.push(c);
    await c.start();
    const first = c.hostPort;
    expect(first).toBeGreaterThan(0);
    await docker.getContainer(c.id).kill();
    await squat(first);
    await c.start();
    expect(c.hostPort).toBeGreaterThan(0);
    expect(c.hostPort).not.toBe(first);
    expect(await answers(c.hostPort)).toBe(200);

    // A handle from recovery (re-adoption) follows the port of each start too.
    const adopted = attachContainer(docker, (await inspectFacts(docker, c.id))!);
    const second = adopted.hostPort;
    await docker.getContainer(c.id).kill();
    await squat(second);
    await adopted.start();
    expect(adopted.hostPort).not.toBe(second);
    expect(adopted.hostPort).toBeGreaterThan(0);
    expect(await answers(adopted.hostPort)).toBe(200);
  });
});
