// The task registry (pull/build/weights as tasks) and the typed emitter Deployment and
// Supervisor are built on: a throwing listener cannot break a lifecycle transition, and a
// subscription is a Disposable its holder releases.
import { describe, expect, it } from 'vitest';
import { onListenerError, TypedEmitter } from '../../../electron/engine/events/typed-emitter.js';
import { TaskRegistry } from '../../../electron/engine/tasks/task-registry.js';
import { Deployment } from '../../../electron/engine/supervisor/deployment.js';
import type { TaskInfo } from '../../../shared/api/types.js';
import { FakeEnv, testPlan } from '../supervisor/fake-env.js';

class Probe extends TypedEmitter<{ tick: [number] }> {
  fire(n: number) {
    this.emit('tick', n);
  }
}

describe('TypedEmitter', () => {
  it('a throwing listener is reported, and the others and the emitter carry on', () => {
    const errors: string[] = [];
    onListenerError((event, err) => errors.push(`${event}: ${(err as Error).message}`));
    const e = new Probe();
    const got: number[] = [];
    e.on('tick', () => {
      throw new Error('boom');
    });
    e.on('tick', (n) => got.push(n));
    expect(() => e.fire(1)).not.toThrow();
    expect(got).toEqual([1]);
    expect(errors).toEqual(['tick: boom']);
  });

  it('on() returns a Disposable that removes exactly that listener', () => {
    const e = new Probe();
    const got: number[] = [];
    const sub = e.on('tick', (n) => got.push(n));
    expect(e.listenerCount('tick')).toBe(1);
    sub.dispose();
    e.fire(2);
    expect(got).toEqual([]);
    expect(e.listenerCount('tick')).toBe(0);
  });

  it('a Deployment transition completes although a state listener throws', async () => {
    onListenerError(() => undefined);
    const env = new FakeEnv(testPlan(), { ready: () => 200, live: () => 200 });
    const d = new Deployment({ id: 'dep-1', configPath: '/x/config.yaml', env: env.env() });
    d.on('state', () => {
      throw new Error('a broken subscriber');
    });
    await d.start();
    await new Promise<void>((resolve) => {
      const check = () => (d.state.name === 'ready' ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(d.timeline().map((e) => e.state)).toEqual(['idle', 'pulling', 'starting', 'waiting_for_startup', 'ready']);
    await d.stop();
    expect(d.state.name).toBe('stopped');
  });
});

describe('TaskRegistry', () => {
  it('runs work as a task: running, progress, succeeded; failures keep their error', async () => {
    const r = new TaskRegistry();
    const seen: TaskInfo[] = [];
    r.on('task', (t) => seen.push(t));
    await r.run('pull', { deployment: 'a' }, 'pull x', async (t) => {
      t.progress({ kind: 'pull', pull: { image: 'x', layers: [], bytesDone: 1, bytesTotal: 2, fraction: 0.5 } });
      return 1;
    });
    expect(seen.map((t) => t.state)).toEqual(['running', 'running', 'succeeded']);
    await expect(r.run('build', { deployment: 'a' }, 'build x', async () => {
      throw Object.assign(new Error('step 2 failed'), { code: 'BUILD_FAILED', hint: 'fix it' });
    })).rejects.toThrow('step 2 failed');
    expect(r.list({ deployment: 'a' }).map((t) => [t.kind, t.state, t.error?.code])).toEqual([['pull', 'succeeded', undefined], ['build', 'failed', 'BUILD_FAILED']]);
  });

  it("cancelFor aborts a deployment's running task through its signal; it ends cancelled", async () => {
    const r = new TaskRegistry();
    const run = r.run('weights', { deployment: 'b' }, 'weights', (t) => new Promise((_, reject) => t.signal.addEventListener('abort', () => reject(t.signal.reason))));
    expect(r.cancelFor({ deployment: 'other' })).toBe(0);
    expect(r.cancelFor({ deployment: 'b' }, 'stopped')).toBe(1);
    await expect(run).rejects.toThrow('stopped');
    expect(r.list()[0]).toMatchObject({ state: 'cancelled', kind: 'weights' });
    expect(r.list()[0].error).toBeUndefined();
  });

  it('keeps a bounded number of ended tasks', async () => {
    const r = new TaskRegistry(3);
    for (let i = 0; i < 6; i++) await r.run('pull', {}, `p${i}`, async () => undefined);
    expect(r.list().map((t) => t.title)).toEqual(['p3', 'p4', 'p5']);
  });
});
