// Load + plan for a Deployment: reads the truss from disk and runs the pure planner with the
// machine's GPU facts and the devices other deployments hold.
import { buildRunPlan, type PlanSettings } from '../../../shared/truss/index.js';
import type { GpuReport } from '../../../shared/gpu.js';
import { displayNameOf, loadTruss } from '../config/load.js';
import type { PreparedPlan, PrepareOptions } from './ports.js';

export interface PrepareDeps {
  gpuReport(): Promise<GpuReport>;
  /** Device ids held by deployments other than `deploymentId`. */
  heldByOthers(deploymentId: string | null): string[];
  settings(): Partial<PlanSettings>;
}

export async function prepareDeployment(configPath: string, opts: PrepareOptions, deps: PrepareDeps): Promise<PreparedPlan> {
  const loaded = await loadTruss(configPath);
  const name = displayNameOf(loaded);
  if (!loaded.config || loaded.issues.some((i) => i.severity === 'error')) {
    return { plan: null, issues: loaded.issues, configText: loaded.text, modelName: name };
  }
  const report = await deps.gpuReport();
  const { plan, issues } = buildRunPlan({
    config: loaded.config,
    configPath: loaded.configPath,
    trussDir: loaded.trussDir,
    trussFacts: loaded.trussFacts,
    positions: loaded.positions,
    machine: { gpus: report.gpus, gpuCapabilities: report.capabilities, heldDeviceIds: deps.heldByOthers(null) },
    settings: { ...deps.settings(), cpuOnly: opts.cpuOnly },
  });
  if (plan && opts.gpuIds && plan.gpu) plan.gpu = { ...plan.gpu, deviceIds: [...opts.gpuIds] };
  return { plan, issues: [...loaded.issues, ...issues], configText: loaded.text, modelName: plan?.modelName ?? name };
}
