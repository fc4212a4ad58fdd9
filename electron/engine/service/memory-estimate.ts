// `deployments.memory`: the fit estimate for an open config, against the GPUs the service
// already watches. Model facts (config.json, safetensors headers) are read once per model and
// kept for the process; the GPUs' free memory is read fresh each time, as it changes.
import type { ModelFacts } from '../../../shared/fit/estimate.js';
import type { MemoryEstimate } from '../../../shared/fit/types.js';
import { unknownEstimate } from '../../../shared/fit/types.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import { estimateConfigMemory } from '../fit/estimate-config.js';
import { hubCacheDir } from '../weights/cache-paths.js';
import { weightsContext } from '../weights/stage.js';
import type { DeploymentPort, GpuPort, SecretsPort } from './service-deps.js';

/** Reading a model's headers gives up after this long: the UI shows "unknown" with the reason. */
const READ_TIMEOUT_MS = 30_000;

export class MemoryEstimator {
  private facts = new Map<string, Promise<ModelFacts>>();

  constructor(private readonly deps: { gpu: GpuPort; secrets: SecretsPort; weightsCacheDir?: string }) {}

  async estimate(d: DeploymentPort, o: { refresh?: boolean; cpuOnly?: boolean } = {}): Promise<MemoryEstimate> {
    if (o.refresh) this.facts = new Map();
    const { config } = parseTrussConfig(d.configText(), d.configPath);
    if (!config) return unknownEstimate('the config has errors: fix them first');
    // Free memory changes from one moment to the next: the GPUs are read fresh every time.
    const report = await this.deps.gpu.report(true);
    const secrets = { get: async (name: string) => (this.deps.secrets.get ? this.deps.secrets.get(name) : null) };
    // While it runs, the memory this deployment holds is its own, not another process's.
    const running = !['idle', 'stopped', 'failed'].includes(d.summary().state.name);
    const own = running ? d.summary().gpuDeviceIds : [];
    return estimateConfigMemory(config, d.plan(), {
      gpus: report.gpus,
      ownDevices: own,
      cpuOnly: o.cpuOnly,
      cache: this.facts,
      weights: weightsContext({ secrets, cacheDir: this.deps.weightsCacheDir ?? hubCacheDir() }, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) }),
    });
  }
}
