// The fit estimate as the CLI commands get it: the user's secrets and HF cache, the Hub from
// HF_ENDPOINT, bounded in time; a failure becomes an "unknown" estimate, never an exit.
import { toErrorShape } from '../../shared/errors.js';
import { unknownEstimate, type MemoryEstimate } from '../../shared/fit/types.js';
import type { GpuInfo } from '../../shared/gpu.js';
import type { RunPlan } from '../../shared/plan.js';
import type { TrussConfig } from '../../shared/truss/schema.js';
import type { ResolvedRepo } from '../engine/weights/hub-client.js';

export async function cliMemoryEstimate(
  config: TrussConfig,
  plan: RunPlan | null,
  gpus: readonly GpuInfo[],
  cpuOnly: boolean,
  o: { timeoutMs?: number; resolved?: Map<string, Promise<ResolvedRepo>> } = {},
): Promise<MemoryEstimate> {
  const { estimateConfigMemory } = await import('../engine/fit/estimate-config.js');
  const { weightsContext } = await import('../engine/weights/stage.js');
  const { SecretStore } = await import('../engine/secrets/store.js');
  try {
    return await estimateConfigMemory(config, plan, { gpus, cpuOnly, weights: weightsContext({ secrets: new SecretStore() }, { signal: AbortSignal.timeout(o.timeoutMs ?? 30_000), resolved: o.resolved }) });
  } catch (err) {
    return unknownEstimate(`the estimate failed: ${toErrorShape(err).message}`);
  }
}
