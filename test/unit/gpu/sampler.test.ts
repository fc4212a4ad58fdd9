// The sampler runs the nvidia-smi test double (no GPU exists here) and must query only while
// someone listens, once per period, and stop cleanly.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuSampler } from '../../../electron/engine/gpu/sampler.js';
import type { GpuSample } from '../../../shared/gpu.js';

const DOUBLE = fileURLToPath(new URL('../../fixtures/bin/nvidia-smi', import.meta.url));
let dir: string;
let log: string;
const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-sampler-'));
  log = join(dir, 'calls.log');
  process.env.BERTH_NVIDIA_SMI = DOUBLE;
  process.env.NVIDIA_SMI_DOUBLE_LOG = log;
  process.env.NVIDIA_SMI_DOUBLE_UTIL = '42,7';
});
afterEach(() => {
  delete process.env.NVIDIA_SMI_DOUBLE_LOG;
  delete process.env.NVIDIA_SMI_DOUBLE_UTIL;
  delete process.env.NVIDIA_SMI_DOUBLE_FAIL;
  rmSync(dir, { recursive: true, force: true });
});

describe('GpuSampler', () => {
  it('does nothing until someone listens', async () => {
    const s = new GpuSampler({ periodMs: 250 });
    await sleep(600);
    expect(calls()).toBe(0);
    expect(s.active).toBe(false);
    await s.stop();
  });

  it('emits samples once per period while listened to, and stops when the listener leaves', async () => {
    const s = new GpuSampler({ periodMs: 300 });
    const samples: GpuSample[] = [];
    const onSample = (x: GpuSample) => samples.push(x);
    const t0 = Date.now();
    s.on('sample', onSample);
    // No lower bound on the rate (a loaded machine may be slow): wait for three samples, then
    // check the upper bound, which load cannot break: queries start at least a period apart.
    await vi.waitUntil(() => samples.length >= 3, { timeout: 15_000, interval: 20 });
    s.off('sample', onSample);
    const elapsed = Date.now() - t0;
    const n = samples.length;
    expect(n).toBeLessThanOrEqual(Math.floor(elapsed / 300) + 1);
    expect(samples[0].gpus.map((g) => g.utilizationPct)).toEqual([42, 7]);
    expect(samples[0].gpus[0].uuid).toMatch(/^GPU-/);
    expect(s.latest()).toEqual(samples[n - 1]);
    await sleep(400); // an in-flight query may finish; nothing new starts
    const after = calls();
    await sleep(800);
    expect(calls()).toBe(after);
    expect(s.active).toBe(false);
    await s.stop();
  });

  it('reports driver failures as failure events without throwing', async () => {
    process.env.NVIDIA_SMI_DOUBLE_FAIL = 'driver';
    const s = new GpuSampler({ periodMs: 250 });
    const failures: string[] = [];
    s.on('failure', (f) => failures.push(f.kind));
    s.on('sample', () => undefined);
    await vi.waitUntil(() => failures.length >= 1, { timeout: 15_000, interval: 20 });
    await s.stop();
    expect(failures[0]).toBe('driver');
  });

  it('stop() waits for the in-flight query and ends sampling', async () => {
    const s = new GpuSampler({ periodMs: 250 });
    s.on('sample', () => {
      throw new Error('a listener bug must not break sampling');
    });
    await sleep(50);
    await s.stop();
    const n = calls();
    await sleep(600);
    expect(calls()).toBe(n);
  });
});
