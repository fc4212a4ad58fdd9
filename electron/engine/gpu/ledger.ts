// Which deployment holds which GPU. Devices are identified by UUID (stable across reboots and
// CUDA_VISIBLE_DEVICES reordering, accepted by Docker's DeviceRequests.DeviceIDs); indexes
// and CDI names are read (re-adopted containers) but never stored. Placement, the VRAM table
// and the warning texts are shared with the planner (shared/gpu.ts): one algorithm.
import { BerthError } from '../../../shared/errors.js';
import type { GpuAsk, GpuInfo } from '../../../shared/gpu.js';
import { gpuLabel, gpuPlacementWarnings, placeGpus, resolveGpuIds } from '../../../shared/gpu.js';

/** What a config asks for (resources.accelerator); the accelerator only matters for memory warnings. */
export type GpuWant = GpuAsk;

export interface GpuAcquireOptions {
  /** Setting "Let two models share a GPU". */
  allowSharing?: boolean;
  /** Devices to take first when they may be taken. */
  prefer?: readonly string[];
  /**
   * A re-adopted container's devices (DeviceRequests ids: UUIDs, indexes or CDI names): the
   * container already runs on them, so they are recorded as they are.
   */
  adopt?: readonly string[];
}

/** A lease: the devices granted, and the one way to give them back. */
export interface GpuGrant {
  deviceIds: string[];
  gpus: GpuInfo[];
  /** Not failures: e.g. "config asks for H100 (80 GiB per GPU); GPU 0 … has 24 GiB: the model may not fit". */
  warnings: string[];
  /**
   * Frees these devices; idempotent, and a no-op once the deployment holds a newer grant (a
   * superseded start's late release never frees the devices of the start that replaced it).
   */
  release(): void;
}

interface Holding {
  ids: string[];
  token: number;
}

export class GpuLedger {
  private readonly holdings = new Map<string, Holding>();
  private nextToken = 1;

  /**
   * Grants `wanted.count` devices to the deployment (replacing what it held): its adopted or
   * current devices first, then unheld GPUs with the most free memory; held ones too when
   * sharing is allowed. Throws BerthError when too few may be given.
   */
  acquire(deploymentId: string, wanted: GpuWant, gpus: GpuInfo[], opts: GpuAcquireOptions = {}): GpuGrant {
    const count = Math.max(0, Math.floor(wanted.count));
    if (count === 0) {
      this.holdings.delete(deploymentId);
      return { deviceIds: [], gpus: [], warnings: [], release: () => undefined };
    }
    const holders = this.holdersByDevice(deploymentId);
    const adopted = opts.adopt?.length ? resolveGpuIds(opts.adopt, gpus) : [];
    if (adopted.length === count) {
      return this.grant(deploymentId, adopted, gpuPlacementWarnings(wanted, adopted, holders));
    }
    const placed = placeGpus({
      ask: wanted,
      gpus,
      holders,
      allowSharing: !!opts.allowSharing,
      prefer: [...(opts.adopt ?? []), ...(this.holdings.get(deploymentId)?.ids ?? []), ...(opts.prefer ?? [])],
    });
    if (placed.ok) return this.grant(deploymentId, placed.gpus, placed.warnings);
    const what = `${count} GPU${count > 1 ? 's' : ''}`;
    if (placed.problem === 'no_gpu') {
      throw new BerthError(
        'GPU_UNAVAILABLE',
        `This model asks for ${what}${wanted.accelerator ? ` (${wanted.accelerator})` : ''}, but no NVIDIA GPU was found on this machine.`,
        'Run `berth gpus` to see why (driver missing, nvidia-smi failing), or remove `resources.accelerator` from config.yaml to run on CPU.',
      );
    }
    if (placed.problem === 'too_few_on_machine') {
      throw new BerthError(
        'GPU_TOO_FEW',
        `This model asks for ${what}${wanted.accelerator ? ` (${wanted.accelerator}:${count})` : ''}, but this machine has ${gpus.length}: ${gpus.map(gpuLabel).join(', ')}.`,
        `Lower the count in \`resources.accelerator\` (e.g. ${wanted.accelerator ?? 'H100'}:${gpus.length}) if the model fits, or run it on a machine with more GPUs.`,
      );
    }
    const n = placed.free.length;
    throw new BerthError(
      'GPU_TOO_FEW',
      `This model needs ${what} but only ${n} of ${gpus.length} ${n === 1 ? 'is' : 'are'} free: ${placed.busy.map((b) => `${gpuLabel(b.gpu)} is used by ${b.holders.join(', ')}`).join('; ')}.`,
      'Stop a deployment that holds a GPU, or turn on "Allow GPU sharing" in Settings if the models fit in memory together.',
    );
  }

  /** Frees whatever the deployment holds (prefer a grant's own release()). */
  release(deploymentId: string): void {
    this.holdings.delete(deploymentId);
  }

  /** Deployment id -> device UUIDs it holds. */
  held(): Record<string, string[]> {
    return Object.fromEntries([...this.holdings].map(([k, v]) => [k, [...v.ids]]));
  }

  /** Device UUID -> the deployments other than `except` holding it. */
  holders(except?: string): Record<string, string[]> {
    return Object.fromEntries(this.holdersByDevice(except));
  }

  private grant(deploymentId: string, chosen: GpuInfo[], warnings: string[]): GpuGrant {
    const token = this.nextToken++;
    const deviceIds = chosen.map((g) => g.uuid);
    this.holdings.set(deploymentId, { ids: deviceIds, token });
    return {
      deviceIds: [...deviceIds],
      gpus: chosen,
      warnings,
      release: () => {
        if (this.holdings.get(deploymentId)?.token === token) this.holdings.delete(deploymentId);
      },
    };
  }

  private holdersByDevice(except?: string): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const [dep, h] of this.holdings) {
      if (dep === except) continue;
      for (const id of h.ids) m.set(id, [...(m.get(id) ?? []), dep]);
    }
    return m;
  }
}
