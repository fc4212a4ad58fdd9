// `berth gpus` as a real process against the real Docker engine here. The machine has no GPU,
// so test/fixtures/bin/nvidia-smi (a test double) stands in for nvidia-smi when on PATH.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { berth, buildCli, FIXTURE_BIN } from './cli-process.js';
import type { GpuReport } from '../../../shared/gpu.js';
import { docker } from '../../helpers/docker.js';

let home: string;
let emptyBin: string;
let engineHasNvidia = false;
// The double is a node script (#!/usr/bin/env node), so node's dir rides along on PATH.
const withDouble = `${FIXTURE_BIN}:${dirname(process.execPath)}`;

function env(extra: NodeJS.ProcessEnv, path: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, BERTH_HOME: home, PATH: path, ...extra };
  delete e.BERTH_NVIDIA_SMI;
  return e;
}

beforeAll(async () => {
  await buildCli();
  home = mkdtempSync(join(tmpdir(), 'berth-gpus-cli-'));
  // A PATH with nothing on it: no nvidia-smi, whatever this machine has installed.
  emptyBin = mkdtempSync(join(tmpdir(), 'berth-empty-bin-'));
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
  engineHasNvidia = 'nvidia' in (info.Runtimes ?? {});
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(emptyBin, { recursive: true, force: true });
});

describe('berth gpus', () => {
  it('lists the two GPUs the double reports, with versions, and the engine verdict', async () => {
    const r = await berth(['gpus'], { env: env({ NVIDIA_SMI_DOUBLE_UTIL: '37,81' }, withDouble) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2 NVIDIA GPUs \(driver 550\.54\.15, CUDA 12\.4\)/);
    expect(r.stdout).toMatch(/\n {2}0 +NVIDIA RTX A6000 +0\.0 \/ 48\.0 GiB +37% +34°C +23 W \/ 300 W\n/);
    expect(r.stdout).toMatch(/\n {2}1 +NVIDIA GeForce RTX 4090 +0\.0 \/ 24\.0 GiB +81% +41°C +18 W \/ 450 W\n/);
    expect(r.stdout).toMatch(/GPU 0: GPU-3f2a9c1e-7b4d-4e8a-9c61-2d5b8e0f4a17/);
    if (engineHasNvidia) expect(r.stdout).toMatch(/Containers can use GPUs: yes/);
    else {
      expect(r.stdout).toMatch(/Containers can use GPUs: no\. .*NVIDIA Container Toolkit is not installed/);
      expect(r.stdout).toMatch(/hint: Install the NVIDIA Container Toolkit .*sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker/);
    }
  });

  it('--json prints the GpuReport', async () => {
    const r = await berth(['gpus', '--json'], { env: env({}, withDouble) });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as GpuReport;
    expect(report.gpus).toHaveLength(2);
    expect(report.gpus[0]).toMatchObject({ index: 0, name: 'NVIDIA RTX A6000', memoryTotalMiB: 49140, memoryUsedMiB: 1, powerLimitW: 300 });
    expect(report.gpus[1]).toMatchObject({ index: 1, name: 'NVIDIA GeForce RTX 4090', memoryTotalMiB: 24564 });
    expect(report.driverVersion).toBe('550.54.15');
    expect(report.cudaVersion).toBe('12.4');
    expect(report.notFoundReason).toBeUndefined();
    expect(report.capabilities.usable).toBe(engineHasNvidia);
  });

  it('without nvidia-smi says no NVIDIA GPU was found and why (exit 0: it is information)', async () => {
    const r = await berth(['gpus'], { env: env({}, emptyBin) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No NVIDIA GPU found: nvidia-smi is not on PATH, so no NVIDIA driver appears to be installed\./);
    expect(r.stdout).toMatch(/hint: Install the NVIDIA driver/);
    const j = JSON.parse((await berth(['gpus', '--json'], { env: env({}, emptyBin) })).stdout) as GpuReport;
    expect(j.gpus).toEqual([]);
    expect(j.notFoundReason).toMatch(/nvidia-smi is not on PATH/);
  });

  it('explains a driver nvidia-smi cannot talk to', async () => {
    const r = await berth(['gpus'], { env: env({ NVIDIA_SMI_DOUBLE_FAIL: 'driver' }, withDouble) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/couldn't communicate with the NVIDIA driver/);
    expect(r.stdout).toMatch(/hint: Reboot/);
    expect(r.stdout).toMatch(/nvidia-smi said: NVIDIA-SMI has failed/);
  });

  it('reports an unreachable engine as part of the answer, not a crash', async () => {
    const r = await berth(['gpus'], { env: env({ DOCKER_HOST: `unix://${join(home, 'no-docker.sock')}` }, withDouble) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2 NVIDIA GPUs/);
    expect(r.stdout).toMatch(/Containers can use GPUs: no\. The Docker engine is not reachable/);
    expect(r.stdout).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rejects unknown options with usage (exit 2)', async () => {
    const r = await berth(['gpus', '--bogus'], { env: env({}, emptyBin) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: berth gpus/);
  });
});
