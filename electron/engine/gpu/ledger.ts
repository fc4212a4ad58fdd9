// Which deployment holds which GPU. Devices are identified by UUID (stable across reboots and
// CUDA_VISIBLE_DEVICES reordering, accepted by Docker's DeviceRequests.DeviceIDs).
import { BerthError } from '../../../shared/errors.js';
import type { GpuInfo } from '../../../shared/gpu.js';

export interface GpuWant {
  count: number;
  /** Accelerator named in config.yaml (e.g. "H100"); used only to warn about memory. */
  accelerator: string | null;
}

export interface GpuGrant {
  deviceIds: string[];
  gpus: GpuInfo[];
  /** Not failures: e.g. "config asks for H100 (80 GiB); GPU 0 has 24 GiB". */
  warnings: string[];
}

/** Per-GPU memory of Baseten's accelerator types, GiB (spec: truss-config-spec.md). */
const ACCELERATOR_VRAM_GIB: Record<string, number> = {
  T4: 16, L4: 24, A10G: 24, V100: 16, A100: 80, A100_40GB: 40, H100: 80, H100_40GB: 40, H200: 141,
  B200: 180, L40S: 48, RTX_PRO_6000: 96, B300: 288, GB300: 288,
};

function freeMiB(g: GpuInfo): number {
  return Math.max(0, g.memoryTotalMiB - g.memoryUsedMiB);
}

function label(g: GpuInfo): string {
  return `GPU ${g.index} (${g.name})`;
}

export class GpuLedger {
  private readonly holdings = new Map<string, string[]>();

  /**
   * Chooses `wanted.count` devices for the deployment, preferring unheld GPUs with the most free
   * memory. A deployment that already holds enough devices that still exist keeps them (a restart
   * lands on the same GPUs). Throws BerthError when too few are free.
   */
  acquire(deploymentId: string, wanted: GpuWant, gpus: GpuInfo[], opts: { allowSharing?: boolean } = {}): GpuGrant {
    const count = Math.max(0, Math.floor(wanted.count));
    if (count === 0) {
      this.holdings.delete(deploymentId);
      return { deviceIds: [], gpus: [], warnings: [] };
    }
    if (gpus.length === 0) {
      throw new BerthError(
        'GPU_UNAVAILABLE',
        `This model asks for ${count} GPU${count > 1 ? 's' : ''}${wanted.accelerator ? ` (${wanted.accelerator})` : ''}, but no NVIDIA GPU was found on this machine.`,
        'Run `berth gpus` to see why (driver missing, nvidia-smi failing), or remove `resources.accelerator` from config.yaml to run on CPU.',
      );
    }
    if (count > gpus.length) {
      throw new BerthError(
        'GPU_TOO_FEW',
        `This model asks for ${count} GPUs${wanted.accelerator ? ` (${wanted.accelerator}:${count})` : ''}, but this machine has ${gpus.length}: ${gpus.map(label).join(', ')}.`,
        `Lower the count in \`resources.accelerator\` (e.g. ${wanted.accelerator ?? 'H100'}:${gpus.length}) if the model fits, or run it on a machine with more GPUs.`,
      );
    }
    const byId = new Map(gpus.map((g) => [g.uuid, g]));
    const current = this.holdings.get(deploymentId);
    if (current && current.length === count && current.every((id) => byId.has(id))) {
      const kept = current.map((id) => byId.get(id)!);
      return { deviceIds: [...current], gpus: kept, warnings: this.memoryWarnings(wanted, kept) };
    }

    const holdersOf = this.holdersByDevice(deploymentId);
    const candidates = gpus
      .filter((g) => opts.allowSharing || !holdersOf.has(g.uuid))
      // Unshared first, then fewest co-tenants, then most free memory, then index for stability.
      .sort(
        (a, b) =>
          (holdersOf.get(a.uuid)?.length ?? 0) - (holdersOf.get(b.uuid)?.length ?? 0) ||
          freeMiB(b) - freeMiB(a) ||
          a.index - b.index,
      );
    if (candidates.length < count) {
      const busy = gpus
        .filter((g) => holdersOf.has(g.uuid))
        .map((g) => `${label(g)} is used by ${holdersOf.get(g.uuid)!.join(', ')}`);
      throw new BerthError(
        'GPU_TOO_FEW',
        `This model needs ${count} GPU${count > 1 ? 's' : ''} but only ${candidates.length} of ${gpus.length} ${candidates.length === 1 ? 'is' : 'are'} free: ${busy.join('; ')}.`,
        'Stop a deployment that holds a GPU, or turn on "Allow GPU sharing" in Settings if the models fit in memory together.',
      );
    }
    const chosen = candidates.slice(0, count);
    const deviceIds = chosen.map((g) => g.uuid);
    this.holdings.set(deploymentId, deviceIds);
    const warnings = this.memoryWarnings(wanted, chosen);
    const shared = chosen.filter((g) => holdersOf.has(g.uuid));
    if (shared.length) warnings.push(`Sharing ${shared.map((g) => `${label(g)} with ${holdersOf.get(g.uuid)!.join(', ')}`).join('; ')}: both models must fit in its memory.`);
    return { deviceIds, gpus: chosen, warnings };
  }

  /** Records devices a recovered (re-adopted) container already uses. */
  assign(deploymentId: string, deviceIds: string[]): void {
    if (deviceIds.length) this.holdings.set(deploymentId, [...deviceIds]);
    else this.holdings.delete(deploymentId);
  }

  release(deploymentId: string): void {
    this.holdings.delete(deploymentId);
  }

  /** Deployment id -> device ids it holds. */
  held(): Record<string, string[]> {
    return Object.fromEntries([...this.holdings].map(([k, v]) => [k, [...v]]));
  }

  private holdersByDevice(except: string): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const [dep, ids] of this.holdings) {
      if (dep === except) continue;
      for (const id of ids) m.set(id, [...(m.get(id) ?? []), dep]);
    }
    return m;
  }

  private memoryWarnings(wanted: GpuWant, chosen: GpuInfo[]): string[] {
    const gib = wanted.accelerator ? ACCELERATOR_VRAM_GIB[wanted.accelerator] : undefined;
    if (!gib) return [];
    const small = chosen.filter((g) => g.memoryTotalMiB > 0 && g.memoryTotalMiB < gib * 1024 * 0.95);
    if (!small.length) return [];
    return [
      `config.yaml asks for ${wanted.accelerator} (${gib} GiB per GPU); ${small
        .map((g) => `${label(g)} has ${Math.round(g.memoryTotalMiB / 1024)} GiB`)
        .join(', ')}: the model may not fit.`,
    ];
  }
}
