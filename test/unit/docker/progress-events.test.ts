import { describe, expect, it } from 'vitest';
import { PullProgressTracker } from '../../../electron/engine/docker/pull-progress.js';
import { toEngineEvent } from '../../../electron/engine/docker/events.js';

describe('PullProgressTracker', () => {
  it('aggregates layers by bytes, never goes backwards, reaches 1 only on completion', () => {
    const t = new PullProgressTracker('x:1');
    t.update({ status: 'Pulling from x', id: '1' });
    t.update({ status: 'Already exists', id: 'base' });
    t.update({ status: 'Pulling fs layer', id: 'a' });
    t.update({ status: 'Downloading', id: 'a', progressDetail: { current: 500, total: 1000 } });
    const s1 = t.snapshot();
    expect(s1.bytesDone).toBe(500);
    expect(s1.bytesTotal).toBe(1000);
    expect(s1.fraction).toBeCloseTo(0.4);
    // A big new layer appears: the aggregate would drop, the reported fraction does not.
    t.update({ status: 'Downloading', id: 'b', progressDetail: { current: 0, total: 9000 } });
    expect(t.snapshot().fraction).toBeCloseTo(0.4);
    t.update({ status: 'Download complete', id: 'a' });
    t.update({ status: 'Downloading', id: 'b', progressDetail: { current: 9000, total: 9000 } });
    t.update({ status: 'Extracting', id: 'a', progressDetail: { current: 1000, total: 1000 } });
    t.update({ status: 'Pull complete', id: 'a' });
    t.update({ status: 'Pull complete', id: 'b' });
    t.update({ status: 'Digest: sha256:abc' });
    const s = t.snapshot();
    expect(s.fraction).toBeLessThan(1);
    expect(s.bytesDone).toBe(10_000);
    expect(s.digest).toBe('sha256:abc');
    expect(s.layers.map((l) => l.id)).toEqual(['base', 'a', 'b']);
    expect(t.complete().fraction).toBe(1);
  });
});

describe('toEngineEvent', () => {
  it('maps a die event with exit code and Berth labels', () => {
    const e = toEngineEvent({
      Type: 'container',
      Action: 'die',
      Actor: { ID: 'abc', Attributes: { name: 'berth-x', exitCode: '137', image: 'i', 'dev.berth.deployment': 'x', 'dev.berth.instance': 'i1' } },
      timeNano: 1_700_000_000_123_000_000,
    });
    expect(e).toMatchObject({ action: 'die', containerId: 'abc', name: 'berth-x', exitCode: 137, deploymentId: 'x', instanceId: 'i1' });
    expect(e!.labels).toEqual({ 'dev.berth.deployment': 'x', 'dev.berth.instance': 'i1' });
    expect(e!.time).toBe(1_700_000_000_123);
    expect(toEngineEvent({ Type: 'network', Action: 'connect' })).toBeNull();
    expect(toEngineEvent({ Type: 'container', Action: 'health_status: healthy', Actor: { ID: 'a' } })!.action).toBe('health_status');
  });
});
