import { describe, expect, it } from 'vitest';
import { GpuLedger } from '../../../electron/engine/gpu/ledger.js';
import { BerthError } from '../../../shared/errors.js';
import type { GpuInfo } from '../../../shared/gpu.js';
import { buildRunPlan } from '../../../shared/truss/plan.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';

function gpu(index: number, totalMiB: number, usedMiB: number, name = 'NVIDIA RTX A6000'): GpuInfo {
  return { index, uuid: `GPU-${index}`, name, memoryTotalMiB: totalMiB, memoryUsedMiB: usedMiB, utilizationPct: 0, temperatureC: 30, powerDrawW: 20, powerLimitW: 300 };
}

function caught(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BerthError) return e;
    throw e;
  }
  throw new Error('expected a BerthError');
}

describe('GpuLedger', () => {
  const gpus = [gpu(0, 24564, 20000, 'NVIDIA GeForce RTX 4090'), gpu(1, 49140, 1000), gpu(2, 49140, 30000)];

  it('prefers the GPU with the most free memory', () => {
    const l = new GpuLedger();
    expect(l.acquire('a', { count: 1, accelerator: null }, gpus).deviceIds).toEqual(['GPU-1']);
    expect(l.acquire('b', { count: 2, accelerator: null }, gpus).deviceIds).toEqual(['GPU-2', 'GPU-0']);
    expect(l.held()).toEqual({ a: ['GPU-1'], b: ['GPU-2', 'GPU-0'] });
  });

  it('refuses clearly when too few GPUs are free, naming who holds them', () => {
    const l = new GpuLedger();
    l.acquire('llama', { count: 2, accelerator: null }, gpus);
    const e = caught(() => l.acquire('whisper', { count: 2, accelerator: null }, gpus));
    expect(e.code).toBe('GPU_TOO_FEW');
    expect(e.message).toMatch(/only 1 of 3 is free/);
    expect(e.message).toMatch(/used by llama/);
    expect(e.hint).toMatch(/Allow GPU sharing/);
    expect(l.held()).toEqual({ llama: ['GPU-1', 'GPU-2'] });
  });

  it('refuses more GPUs than the machine has, and no GPU at all', () => {
    const l = new GpuLedger();
    const e = caught(() => l.acquire('big', { count: 4, accelerator: 'H100' }, gpus));
    expect(e.code).toBe('GPU_TOO_FEW');
    expect(e.message).toMatch(/asks for 4 GPUs \(H100:4\), but this machine has 3/);
    const none = caught(() => l.acquire('x', { count: 1, accelerator: 'T4' }, []));
    expect(none.code).toBe('GPU_UNAVAILABLE');
    expect(none.hint).toMatch(/berth gpus/);
  });

  it('shares GPUs only when allowed, least-shared first, and says so', () => {
    const l = new GpuLedger();
    l.acquire('a', { count: 3, accelerator: null }, gpus);
    expect(() => l.acquire('b', { count: 1, accelerator: null }, gpus)).toThrow(BerthError);
    const g = l.acquire('b', { count: 1, accelerator: null }, gpus, { allowSharing: true });
    expect(g.deviceIds).toEqual(['GPU-1']);
    expect(g.warnings.join(' ')).toMatch(/Sharing GPU 1 .* with a/);
    const g2 = l.acquire('c', { count: 1, accelerator: null }, gpus, { allowSharing: true });
    expect(g2.deviceIds).toEqual(['GPU-2']); // GPU-1 already has two tenants
  });

  it('gives a restarted deployment the same devices, and frees them on release', () => {
    const l = new GpuLedger();
    const first = l.acquire('a', { count: 1, accelerator: null }, gpus).deviceIds;
    // Memory usage changed (the model loaded); the deployment keeps its GPU anyway.
    const busier = gpus.map((g) => (g.uuid === first[0] ? { ...g, memoryUsedMiB: 45000 } : g));
    expect(l.acquire('a', { count: 1, accelerator: null }, busier).deviceIds).toEqual(first);
    l.release('a');
    expect(l.held()).toEqual({});
    expect(l.acquire('b', { count: 3, accelerator: null }, gpus).deviceIds).toHaveLength(3);
  });

  it('warns when the local GPU has less memory than the accelerator the config names', () => {
    const l = new GpuLedger();
    const g = l.acquire('a', { count: 1, accelerator: 'H100' }, [gpu(0, 24564, 0, 'NVIDIA GeForce RTX 4090')]);
    expect(g.warnings[0]).toMatch(/asks for H100 \(80 GiB per GPU\); GPU 0 \(NVIDIA GeForce RTX 4090\) has 24 GiB/);
    const ok = new GpuLedger().acquire('a', { count: 1, accelerator: 'L4' }, [gpu(0, 49140, 0)]);
    expect(ok.warnings).toEqual([]);
  });

  it('records devices of a recovered container', () => {
    const l = new GpuLedger();
    l.acquire('old', { count: 1, accelerator: null }, gpus, { adopt: ['GPU-1'] });
    expect(l.acquire('new', { count: 1, accelerator: null }, gpus).deviceIds).toEqual(['GPU-2']);
  });

  it('a lease releases only its own holding: a stale lease of the same deployment is a no-op', () => {
    const l = new GpuLedger();
    const old = l.acquire('a', { count: 1, accelerator: null }, gpus);
    const now = l.acquire('a', { count: 1, accelerator: null }, gpus);
    old.release();
    expect(l.held()).toEqual({ a: now.deviceIds });
    now.release();
    now.release();
    expect(l.held()).toEqual({});
  });

  it("re-adoption keeps the container's actual devices (UUID, index or CDI name), whatever placement would pick", () => {
    const l = new GpuLedger();
    const g = l.acquire('a', { count: 2, accelerator: null }, gpus, { adopt: ['0', 'nvidia.com/gpu=2'] });
    expect(g.deviceIds).toEqual(['GPU-0', 'GPU-2']);
    expect(l.held()).toEqual({ a: ['GPU-0', 'GPU-2'] });
    // Its devices are taken now: the next deployment gets the free one.
    expect(l.acquire('b', { count: 1, accelerator: null }, gpus).deviceIds).toEqual(['GPU-1']);
  });

  it('takes preferred devices first when they are free', () => {
    const l = new GpuLedger();
    expect(l.acquire('a', { count: 1, accelerator: null }, gpus, { prefer: ['GPU-0'] }).deviceIds).toEqual(['GPU-0']);
    expect(l.acquire('b', { count: 1, accelerator: null }, gpus, { prefer: ['GPU-0'] }).deviceIds).toEqual(['GPU-1']);
  });

  it("one VRAM table, threshold and text: the ledger's memory warning is the planner's", () => {
    const l4 = { ...gpu(0, 23034, 0, 'NVIDIA L4') };
    expect(new GpuLedger().acquire('a', { count: 1, accelerator: 'L4' }, [l4]).warnings).toEqual([]);
    const small = gpu(0, 24564, 0, 'NVIDIA GeForce RTX 4090');
    const text = 'model_name: t\nbase_image:\n  image: x:1\ndocker_server:\n  start_command: s\n  server_port: 8000\n  predict_endpoint: /p\n  readiness_endpoint: /h\n  liveness_endpoint: /l\nresources:\n  accelerator: H100\n';
    const { config } = parseTrussConfig(text, 'config.yaml');
    const plan = buildRunPlan({ config: config!, configPath: '/t/config.yaml', trussDir: '/t', trussFacts: { hasDataDir: false, fileHashes: {} }, machine: { gpus: [small], gpuCapabilities: { usable: true, via: 'nvidia-runtime' }, heldDeviceIds: [] } }).plan!;
    const fromPlan = plan.warnings.filter((w) => /may not fit/.test(w));
    expect(fromPlan).toHaveLength(1);
    expect(new GpuLedger().acquire('a', { count: 1, accelerator: 'H100' }, [small]).warnings).toEqual(fromPlan);
  });

  it('treats count 0 as no GPU', () => {
    expect(new GpuLedger().acquire('cpu', { count: 0, accelerator: null }, gpus)).toMatchObject({ deviceIds: [], gpus: [], warnings: [] });
  });
});
