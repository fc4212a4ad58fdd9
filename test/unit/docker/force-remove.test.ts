// forceRemove: the engine's answers are doubled here (a container whose overlay root is still
// busy after a dockerd restart cannot be produced on demand); the messages are the engine's.
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { forceRemove } from '../../../electron/engine/docker/container.js';

function container(answers: Array<Error & { statusCode?: number } | null>): { c: Docker.Container; calls: () => number } {
  let n = 0;
  const c = {
    remove: async () => {
      const a = answers[Math.min(n++, answers.length - 1)];
      if (a) throw a;
    },
  } as unknown as Docker.Container;
  return { c, calls: () => n };
}
const err = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });
const BUSY = 'driver "overlay2" failed to remove root filesystem: unlinkat /var/lib/docker/overlay2/x/merged: device or resource busy';

describe('forceRemove', () => {
  it('retries a removal the engine fails because the old root filesystem is still busy', async () => {
    const { c, calls } = container([err(500, BUSY), err(500, BUSY), null]);
    await forceRemove(c, { delayMs: 1 });
    expect(calls()).toBe(3);
  });
  it('gives up after the bounded attempts with the engine error', async () => {
    const { c, calls } = container([err(500, BUSY)]);
    await expect(forceRemove(c, { attempts: 3, delayMs: 1 })).rejects.toThrow(/device or resource busy/);
    expect(calls()).toBe(3);
  });
  it('a container already gone or being removed counts as removed; other errors are not retried', async () => {
    await forceRemove(container([err(404, 'No such container')]).c);
    await forceRemove(container([err(409, 'removal of container x is already in progress')]).c);
    const other = container([err(500, 'engine exploded')]);
    await expect(forceRemove(other.c, { delayMs: 1 })).rejects.toThrow('engine exploded');
    expect(other.calls()).toBe(1);
  });
});
