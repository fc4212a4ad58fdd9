// Runs the real detection code against test/fixtures/bin/nvidia-smi, a test double standing in
// for nvidia-smi because no NVIDIA GPU or driver exists on the machines these tests run on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { detectGpuHardware, detectGpus, notFoundReason } from '../../../electron/engine/gpu/detect.js';
import type { GpuCapabilities } from '../../../shared/gpu.js';

const DOUBLE = fileURLToPath(new URL('../../fixtures/bin/nvidia-smi', import.meta.url));
const CAPS: GpuCapabilities = { usable: false, via: 'none', reason: 'test', hint: 'test' };
const noGraphics = async () => ({ controllers: [] });

const saved = { ...process.env };
beforeEach(() => {
  process.env.BERTH_NVIDIA_SMI = DOUBLE;
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('detectGpus with the nvidia-smi double', () => {
  it('reports both GPUs, the driver and the CUDA version', async () => {
    const r = await detectGpus({ capabilities: CAPS, graphics: noGraphics });
    expect(r.gpus.map((g) => g.name)).toEqual(['NVIDIA RTX A6000', 'NVIDIA GeForce RTX 4090']);
    expect(r.gpus[0].memoryTotalMiB).toBe(49140);
    expect(r.gpus[1].memoryTotalMiB).toBe(24564);
    expect(r.gpus[1].uuid).toMatch(/^GPU-[0-9a-f]{8}-/);
    expect(r.driverVersion).toBe('550.54.15');
    expect(r.cudaVersion).toBe('12.4');
    expect(r.notFoundReason).toBeUndefined();
    expect(r.capabilities).toBe(CAPS);
  });

  it('carries utilisation and memory the driver reports', async () => {
    process.env.NVIDIA_SMI_DOUBLE_UTIL = '37,81';
    process.env.NVIDIA_SMI_DOUBLE_MEMUSED = '20000,100';
    const r = await detectGpuHardware();
    expect(r.gpus.map((g) => g.utilizationPct)).toEqual([37, 81]);
    expect(r.gpus.map((g) => g.memoryUsedMiB)).toEqual([20000, 100]);
  });

  it('keeps GPUs whose power reads [N/A]', async () => {
    process.env.NVIDIA_SMI_DOUBLE_NA = 'power';
    const r = await detectGpuHardware();
    expect(r.gpus).toHaveLength(2);
    expect(r.gpus[0].powerDrawW).toBeNull();
    expect(r.gpus[0].powerLimitW).toBeNull();
  });

  it('explains a driver that is not loaded', async () => {
    process.env.NVIDIA_SMI_DOUBLE_FAIL = 'driver';
    const r = await detectGpus({ capabilities: CAPS, graphics: noGraphics });
    expect(r.gpus).toEqual([]);
    expect(r.notFoundReason).toMatch(/couldn't communicate with the NVIDIA driver/);
    expect(r.notFoundReason).toMatch(/Reboot/);
  });

  it('explains a driver/library mismatch', async () => {
    process.env.NVIDIA_SMI_DOUBLE_FAIL = 'mismatch';
    const r = await detectGpuHardware({ graphics: noGraphics });
    expect(r.failure?.kind).toBe('mismatch');
  });

  it('explains zero GPUs listed', async () => {
    process.env.NVIDIA_SMI_DOUBLE_GPUS = '0';
    const r = await detectGpus({ capabilities: CAPS, graphics: noGraphics });
    expect(r.gpus).toEqual([]);
    expect(r.notFoundReason).toMatch(/lists no GPUs/);
  });

  it('says nvidia-smi is not on PATH when it is missing', async () => {
    process.env.BERTH_NVIDIA_SMI = '/nonexistent/nvidia-smi';
    const r = await detectGpus({ capabilities: CAPS, graphics: noGraphics });
    expect(r.notFoundReason).toMatch(/^No NVIDIA GPU found: nvidia-smi is not on PATH/);
    expect(r.notFoundReason).toMatch(/Install the NVIDIA driver/);
  });

  it('uses systeminformation to say an NVIDIA card is present but the driver is missing', async () => {
    process.env.BERTH_NVIDIA_SMI = '/nonexistent/nvidia-smi';
    const graphics = async () => ({ controllers: [{ vendor: 'Intel Corporation', model: 'UHD 770' }, { vendor: 'NVIDIA Corporation', model: 'AD102 [GeForce RTX 4090]' }] });
    const d = await detectGpuHardware({ graphics });
    expect(d.osControllers).toEqual(['AD102 [GeForce RTX 4090]']);
    expect(notFoundReason(d)).toMatch(/system has AD102 \[GeForce RTX 4090\] but nvidia-smi is not on PATH/);
  });

  it('bounds a hung nvidia-smi with a timeout', async () => {
    process.env.NVIDIA_SMI_DOUBLE_FAIL = 'hang';
    const t0 = Date.now();
    const r = await detectGpuHardware({ timeoutMs: 700, graphics: noGraphics });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.failure?.kind).toBe('timeout');
  });
});
