// Shared by the catalog and wizard unit tests: a config text parsed, planned on a fake
// machine (GPUs as nvidia-smi would report them: there is no GPU here), and its model found
// the way the fit estimate finds it.
import { expect } from 'vitest';
import { findModel } from '../../../shared/fit/find-model.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import { buildRunPlan } from '../../../shared/truss/plan.js';
import type { GpuInfo } from '../../../shared/gpu.js';

const gpu = (index: number, name: string, totalMiB: number): GpuInfo => ({
  index, uuid: `GPU-fake-${index}`, name, memoryTotalMiB: totalMiB, memoryUsedMiB: 0, utilizationPct: 0, temperatureC: 40, powerDrawW: 50, powerLimitW: 300,
});

/** Fake GPUs of the types configs ask for (two of each, so ':2' asks place too). */
export const FAKE_GPUS: GpuInfo[] = [
  gpu(0, 'NVIDIA L4', 23034), gpu(1, 'NVIDIA L4', 23034),
  gpu(2, 'NVIDIA H100 80GB HBM3', 81559), gpu(3, 'NVIDIA H100 80GB HBM3', 81559),
  gpu(4, 'NVIDIA A10G', 23028), gpu(5, 'NVIDIA A100-SXM4-80GB', 81920),
];

/** Parses and plans config text; fails the test with every error issue when it has any. */
export function parseAndPlan(text: string, opts: { cpuOnly?: boolean; dir?: string; hasDataDir?: boolean } = {}) {
  const dir = opts.dir ?? '/t/entry';
  const parsed = parseTrussConfig(text, `${dir}/config.yaml`);
  expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const r = buildRunPlan({
    config: parsed.config!,
    configPath: `${dir}/config.yaml`,
    trussDir: dir,
    trussFacts: { hasDataDir: !!opts.hasDataDir, fileHashes: {} },
    machine: { gpus: opts.cpuOnly ? [] : FAKE_GPUS, gpuCapabilities: opts.cpuOnly ? { usable: false, via: 'none' } : { usable: true, via: 'nvidia-runtime' }, heldDeviceIds: [] },
    settings: { cpuOnly: !!opts.cpuOnly, hfHubCache: '/home/u/.cache/huggingface/hub', weightsViewsRoot: '/home/u/.cache/huggingface/berth-views' },
    positions: parsed.positions,
  });
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  expect(r.plan).not.toBeNull();
  return { config: parsed.config!, plan: r.plan!, warnings: r.issues.filter((i) => i.severity === 'warning'), model: findModel(parsed.config!) };
}
