// Load + plan for a Deployment: reads the truss from disk, reserves GPUs for a start (the
// caller's acquireGpus, asked with the config's request before planning), and runs the pure
// planner once with the machine's GPU facts and the devices granted or held by others.
import { buildRunPlan, type PlanSettings } from '../../../shared/truss/index.js';
import type { GpuReport } from '../../../shared/gpu.js';
import { displayNameOf, loadTruss } from '../config/load.js';
import type { PreparedPlan, PrepareOptions } from './deployment-env.js';

export interface PrepareDeps {
  gpuReport(): Promise<GpuReport>;
  /** Device UUID -> the deployments other than this one holding it (the ledger). */
  gpuHolders(): Record<string, string[]>;
  /** Setting "Let two models share a GPU". */
  allowGpuSharing(): boolean;
  settings(): Partial<PlanSettings>;
}

export async function prepareDeployment(configPath: string, opts: PrepareOptions, deps: PrepareDeps): Promise<PreparedPlan> {
  const loaded = await loadTruss(configPath);
  const name = displayNameOf(loaded);
  if (!loaded.config || loaded.issues.some((i) => i.severity === 'error')) {
    return { plan: null, issues: loaded.issues, configText: loaded.text, modelName: name };
  }
  const report = await deps.gpuReport();
  const acc = loaded.config.resources?.accelerator ?? null;
  const ask = acc && !opts.cpuOnly ? { accelerator: acc.type, count: acc.count } : null;
  // No GPUs, too few on the machine or an engine that cannot give them: the planner says so
  // (positioned, with the CPU-run way out); there is nothing to reserve.
  const canGive = !!ask && report.capabilities.usable && report.gpus.length >= ask.count;
  const granted = canGive && opts.acquireGpus ? opts.acquireGpus(ask, report.gpus) : opts.heldGpuIds?.length ? opts.heldGpuIds : undefined;
  const { plan, issues } = buildRunPlan({
    config: loaded.config,
    configPath: loaded.configPath,
    trussDir: loaded.trussDir,
    trussFacts: loaded.trussFacts,
    positions: loaded.positions,
    machine: {
      gpus: report.gpus,
      gpuCapabilities: report.capabilities,
      heldDeviceIds: [],
      gpuHolders: deps.gpuHolders(),
      allowGpuSharing: deps.allowGpuSharing(),
      ...(granted ? { grantedDeviceIds: granted } : {}),
    },
    settings: { ...deps.settings(), cpuOnly: opts.cpuOnly },
  });
  return { plan, issues: [...loaded.issues, ...issues], configText: loaded.text, modelName: plan?.modelName ?? name };
}
