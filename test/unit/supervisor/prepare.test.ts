// prepareDeployment: the real truss loader and planner over a config on disk, with described
// GPUs (GPUs faked: none here) and the holdings of other deployments as the ledger reports them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { GpuInfo, GpuReport } from '../../../shared/gpu.js';
import { prepareDeployment, type PrepareDeps } from '../../../electron/engine/supervisor/prepare.js';
import { tmpDir } from '../../helpers/tmp.js';

const tmp = tmpDir('berth-prepare-');
afterAll(() => tmp.cleanup());

function truss(name: string, accelerator: string): string {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    [
      `model_name: ${name}`,
      'base_image:',
      '  image: berth-fixture/model-server:1',
      'docker_server:',
      '  start_command: node server.mjs --port 8000',
      '  server_port: 8000',
      '  predict_endpoint: /predict',
      '  readiness_endpoint: /health',
      '  liveness_endpoint: /live',
      'resources:',
      `  accelerator: ${accelerator}`,
      '',
    ].join('\n'),
  );
  return path.join(dir, 'config.yaml');
}

const gpu = (index: number): GpuInfo => ({
  index, uuid: `GPU-${index}`, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, memoryUsedMiB: 0, utilizationPct: 0, temperatureC: 30, powerDrawW: 60, powerLimitW: 700,
});

function deps(o: { gpus?: GpuInfo[]; holders?: Record<string, string[]>; sharing?: boolean; via?: 'nvidia-runtime' | 'cdi' } = {}): PrepareDeps {
  const gpus = o.gpus ?? [gpu(0), gpu(1)];
  const report: GpuReport = { gpus, driverVersion: '550', cudaVersion: '12.4', capabilities: { usable: gpus.length > 0, via: gpus.length ? (o.via ?? 'nvidia-runtime') : 'none' } };
  const holders = o.holders ?? {};
  return {
    gpuReport: async () => report,
    gpuHolders: () => holders,
    allowGpuSharing: () => !!o.sharing,
    settings: () => ({}),
  };
}

describe('prepareDeployment', () => {
  it('the plan hash does not depend on what other deployments hold (a restarted Berth plans in another order)', async () => {
    const file = truss('order', 'H100');
    const first = await prepareDeployment(file, { cpuOnly: false }, deps());
    const second = await prepareDeployment(file, { cpuOnly: false }, deps({ holders: { 'GPU-0': ['other-1234'] } }));
    expect(first.plan!.gpu!.deviceIds).not.toEqual(second.plan!.gpu!.deviceIds);
    expect(second.plan!.planHash).toBe(first.plan!.planHash);
  });

  it('"Let two models share a GPU" lets the plan use a GPU another deployment holds', async () => {
    const file = truss('share', 'H100');
    const holders = { 'GPU-0': ['llama-1'] };
    const refused = await prepareDeployment(file, { cpuOnly: false }, deps({ gpus: [gpu(0)], holders }));
    expect(refused.plan).toBeNull();
    const shared = await prepareDeployment(file, { cpuOnly: false }, deps({ gpus: [gpu(0)], holders, sharing: true }));
    expect(shared.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(shared.plan!.gpu!.deviceIds).toEqual(['GPU-0']);
    expect(shared.plan!.warnings.join('\n')).toMatch(/Sharing GPU 0 \(NVIDIA H100 80GB HBM3\) with llama-1/);
  });

  it('a start reserves from the request before planning, and the plan (built once) carries the granted UUIDs', async () => {
    const file = truss('start', 'H100:2');
    const acquireGpus = vi.fn((_ask: { accelerator: string | null; count: number }, _gpus: GpuInfo[]) => ['GPU-1', 'GPU-0']);
    const r = await prepareDeployment(file, { cpuOnly: false, acquireGpus }, deps());
    expect(acquireGpus).toHaveBeenCalledTimes(1);
    expect(acquireGpus.mock.calls[0][0]).toEqual({ accelerator: 'H100', count: 2 });
    expect(acquireGpus.mock.calls[0][1].map((g) => g.uuid)).toEqual(['GPU-0', 'GPU-1']);
    expect(r.plan!.gpu).toMatchObject({ accelerator: 'H100', count: 2, deviceIds: ['GPU-1', 'GPU-0'] });
  });

  it('nothing is reserved for a CPU run, or when the machine cannot give GPUs (the plan error offers the CPU run)', async () => {
    const file = truss('cpu', 'H100');
    const acquireGpus = vi.fn(() => ['GPU-0']);
    const cpu = await prepareDeployment(file, { cpuOnly: true, acquireGpus }, deps());
    expect(cpu.plan!.gpu).toBeNull();
    const none = await prepareDeployment(file, { cpuOnly: false, acquireGpus }, deps({ gpus: [] }));
    expect(none.plan).toBeNull();
    expect(none.issues.find((i) => i.severity === 'error')).toMatchObject({ code: 'GPU_UNAVAILABLE' });
    expect(acquireGpus).not.toHaveBeenCalled();
  });

  it('a CDI engine: the plan asks through CDI, devices named by index', async () => {
    const file = truss('cdi', 'H100');
    const r = await prepareDeployment(file, { cpuOnly: false, acquireGpus: () => ['GPU-1'] }, deps({ via: 'cdi' }));
    expect(r.plan!.gpu).toMatchObject({ deviceIds: ['GPU-1'], via: 'cdi', deviceIndexes: [1] });
  });
});
