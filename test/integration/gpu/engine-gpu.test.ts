// GPU capability and GPU container requests against the REAL Docker engine of this machine
// (which has no NVIDIA runtime): the capability check must say why, and the engine's own error
// for a GPU request must be turned into the clear message.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { docker, BUSYBOX_IMAGE, testLabels, removeContainersByLabel } from '../../helpers/docker.js';
import { probeGpuCapabilities } from '../../../electron/engine/gpu/capabilities.js';
import { explainGpuEngineError } from '../../../electron/engine/gpu/explain.js';

const LABELS = { ...testLabels('gpu-secrets-store'), 'berth.test.case': 'engine-gpu' };
afterAll(async () => {
  await removeContainersByLabel(LABELS);
});

async function engineRuntimes(): Promise<string[]> {
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
  return Object.keys(info.Runtimes ?? {});
}

describe('engine GPU capability', () => {
  it('reports what this engine can do, naming its runtimes when the toolkit is missing', async () => {
    const caps = await probeGpuCapabilities(docker);
    const runtimes = await engineRuntimes();
    if (runtimes.includes('nvidia')) {
      expect(caps).toMatchObject({ usable: true, via: 'nvidia-runtime' });
      return;
    }
    expect(caps.usable).toBe(false);
    expect(caps.via).toBe('none');
    expect(caps.reason).toMatch(/NVIDIA Container Toolkit is not installed/);
    for (const r of runtimes) expect(caps.reason).toContain(r);
    expect(caps.hint).toMatch(/sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker/);
  });

  it('a GPU container request yields the engine error, and explainGpuEngineError makes it actionable', async () => {
    const caps = await probeGpuCapabilities(docker);
    const name = `gss-gpu-request-${randomBytes(4).toString('hex')}`;
    let engineError: string | null = null;
    try {
      const c = await docker.createContainer({
        name,
        Image: BUSYBOX_IMAGE,
        Cmd: ['true'],
        Labels: LABELS,
        HostConfig: { DeviceRequests: [{ Driver: '', Count: 0, DeviceIDs: ['0'], Capabilities: [['gpu']], Options: {} }] },
      });
      await c.start();
      await c.wait();
    } catch (err) {
      engineError = err instanceof Error ? err.message : String(err);
    } finally {
      await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
    }
    if (caps.usable) {
      // A machine with a GPU and the toolkit: the request must simply work.
      expect(engineError).toBeNull();
      return;
    }
    expect(engineError).toContain('could not select device driver "" with capabilities: [[gpu]]');
    const e = explainGpuEngineError(engineError!);
    expect(e?.code).toBe('GPU_RUNTIME_MISSING');
    expect(e?.message).toMatch(/Docker cannot give this container a GPU/);
    expect(e?.hint).toMatch(/Install the NVIDIA Container Toolkit/);
    expect(e?.hint).toMatch(/sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker/);
    expect(`${e?.message} ${e?.hint}`).not.toMatch(/HTTP code|server error/);
  });

  it('asking for the nvidia runtime by name yields the unknown-runtime error, explained', async () => {
    if ((await engineRuntimes()).includes('nvidia')) return;
    const name = `gss-gpu-runtime-${randomBytes(4).toString('hex')}`;
    let engineError = '';
    try {
      const c = await docker.createContainer({ name, Image: BUSYBOX_IMAGE, Cmd: ['true'], Labels: LABELS, HostConfig: { Runtime: 'nvidia' } });
      await c.start();
    } catch (err) {
      engineError = err instanceof Error ? err.message : String(err);
    } finally {
      await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
    }
    // Engine 20.10 over the API: "Unknown runtime specified nvidia"; the docker CLI words it differently.
    expect(engineError).toMatch(/Unknown runtime specified nvidia|unknown or invalid runtime name: nvidia/);
    const e = explainGpuEngineError(engineError);
    expect(e?.code).toBe('GPU_RUNTIME_MISSING');
    expect(e?.hint).toMatch(/nvidia-ctk runtime configure --runtime=docker/);
  });
});
