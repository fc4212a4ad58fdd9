// What Berth knows about the local NVIDIA GPUs and whether containers can use them, and how
// GPUs are given to deployments (placement, warnings): one algorithm for planner and ledger.
import { ACCELERATOR_VRAM_GIB, isAcceleratorType } from './truss/accelerators.js';

export interface GpuInfo {
  index: number;
  uuid: string;
  name: string;
  memoryTotalMiB: number;
  memoryUsedMiB: number;
  utilizationPct: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
}

export interface GpuSample {
  time: number; // ms since epoch
  gpus: Array<Pick<GpuInfo, 'index' | 'uuid' | 'memoryUsedMiB' | 'utilizationPct' | 'temperatureC' | 'powerDrawW'>>;
}

export interface GpuCapabilities {
  /** Containers can be given GPUs through this engine. */
  usable: boolean;
  /** How: the nvidia runtime registered in the engine, CDI specs, or none. */
  via: 'nvidia-runtime' | 'cdi' | 'none';
  /** Human explanation of what is missing and what to do, when not usable. */
  reason?: string;
  hint?: string;
}

export interface GpuReport {
  gpus: GpuInfo[];
  driverVersion: string | null;
  cudaVersion: string | null;
  /** Why no GPU was found (no nvidia-smi, driver not loaded, ...), when gpus is empty. */
  notFoundReason?: string;
  capabilities: GpuCapabilities;
}

// ---- GPU placement: the one algorithm the planner (preview) and the ledger (start) share ----


/** How containers get GPUs from the engine (GpuCapabilities.via, once usable). */
export type GpuVia = 'nvidia-runtime' | 'cdi';

/** What a config asks for: resources.accelerator. Identity (the plan hash) uses this, never device ids. */
export interface GpuAsk {
  accelerator: string | null;
  count: number;
}


export function gpuLabel(g: Pick<GpuInfo, 'index' | 'name'>): string {
  return `GPU ${g.index} (${g.name})`;
}

/**
 * The GPUs that ids name, in order: a UUID, an index ("0"), or a CDI name
 * ("nvidia.com/gpu=0" / "nvidia.com/gpu=GPU-..."). Ids naming no present GPU are left out.
 */
export function resolveGpuIds(ids: readonly string[], gpus: readonly GpuInfo[]): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const raw of ids) {
    const id = raw.includes('=') ? raw.slice(raw.lastIndexOf('=') + 1) : raw;
    const g = gpus.find((x) => x.uuid === id) ?? (/^\d+$/.test(id) ? gpus.find((x) => x.index === Number(id)) : undefined);
    if (g && !out.includes(g)) out.push(g);
  }
  return out;
}

/**
 * A card counts as the accelerator it is asked as when it reports at least this share of the
 * nominal VRAM: nvidia-smi shows ~93.7% on T4/L4/A10G/L40S (ECC and driver reserve), ~99.5%
 * on A100/H100/H200/B200, so 0.9 tells a real L4 from a 16 GiB card asked to be one.
 */
export const VRAM_FIT_SHARE = 0.9;

function formatAsk(a: GpuAsk): string {
  return a.count === 1 ? `${a.accelerator}` : `${a.accelerator}:${a.count}`;
}

/** "config asks for H100 (80 GiB per GPU); GPU 0 (…) has 24 GiB: the model may not fit", or null. */
export function gpuMemoryWarning(ask: GpuAsk, chosen: readonly GpuInfo[]): string | null {
  const need = ask.accelerator && isAcceleratorType(ask.accelerator) ? ACCELERATOR_VRAM_GIB[ask.accelerator] : null;
  if (need === null) return null;
  const small = chosen.filter((g) => g.memoryTotalMiB > 0 && g.memoryTotalMiB < need * 1024 * VRAM_FIT_SHARE);
  if (!small.length) return null;
  return `config asks for ${formatAsk(ask)} (${need} GiB per GPU); ${small.map((g) => `${gpuLabel(g)} has ${Math.round(g.memoryTotalMiB / 1024)} GiB`).join(', ')}: the model may not fit`;
}

/** "Sharing GPU 0 (…) with llama-1: both models must fit in its memory", or null. */
export function gpuSharingWarning(chosen: readonly GpuInfo[], holders: ReadonlyMap<string, readonly string[]>): string | null {
  const shared = chosen.filter((g) => holders.get(g.uuid)?.length);
  if (!shared.length) return null;
  return `Sharing ${shared.map((g) => `${gpuLabel(g)} with ${holders.get(g.uuid)!.join(', ')}`).join('; ')}: both models must fit in its memory`;
}

export interface PlaceGpusInput {
  ask: GpuAsk;
  gpus: readonly GpuInfo[];
  /** Device UUID -> the other deployments holding it. */
  holders: ReadonlyMap<string, readonly string[]>;
  /** Setting "Let two models share a GPU". */
  allowSharing: boolean;
  /** Devices (any id form resolveGpuIds reads) to take first when they may be taken. */
  prefer?: readonly string[];
}

export type GpuPlacement =
  | { ok: true; gpus: GpuInfo[]; warnings: string[] }
  | { ok: false; problem: 'no_gpu' | 'too_few_on_machine' | 'too_few_free'; free: GpuInfo[]; busy: Array<{ gpu: GpuInfo; holders: string[] }> };

/**
 * Who may be given to a deployment: unheld GPUs, or any when sharing is allowed. Preferred
 * devices first, then the least shared, then the most free memory, then the lowest index.
 */
export function placeGpus(i: PlaceGpusInput): GpuPlacement {
  const count = Math.max(0, Math.floor(i.ask.count));
  if (count === 0) return { ok: true, gpus: [], warnings: [] };
  const tenants = (g: GpuInfo) => i.holders.get(g.uuid)?.length ?? 0;
  const free = i.gpus.filter((g) => tenants(g) === 0);
  const busy = i.gpus.filter((g) => tenants(g) > 0).map((gpu) => ({ gpu, holders: [...i.holders.get(gpu.uuid)!] }));
  if (i.gpus.length === 0) return { ok: false, problem: 'no_gpu', free, busy };
  if (count > i.gpus.length) return { ok: false, problem: 'too_few_on_machine', free, busy };
  const preferred = new Set(resolveGpuIds(i.prefer ?? [], i.gpus).map((g) => g.uuid));
  const freeMiB = (g: GpuInfo) => Math.max(0, g.memoryTotalMiB - g.memoryUsedMiB);
  const candidates = i.gpus
    .filter((g) => i.allowSharing || tenants(g) === 0)
    .sort(
      (a, b) =>
        Number(preferred.has(b.uuid)) - Number(preferred.has(a.uuid)) ||
        tenants(a) - tenants(b) ||
        freeMiB(b) - freeMiB(a) ||
        a.index - b.index,
    );
  if (candidates.length < count) return { ok: false, problem: 'too_few_free', free, busy };
  const chosen = candidates.slice(0, count);
  return { ok: true, gpus: chosen, warnings: gpuPlacementWarnings(i.ask, chosen, i.holders) };
}

/** The warnings of a placement (memory, sharing): one text wherever GPUs are given out. */
export function gpuPlacementWarnings(ask: GpuAsk, chosen: readonly GpuInfo[], holders: ReadonlyMap<string, readonly string[]>): string[] {
  return [gpuMemoryWarning(ask, chosen), gpuSharingWarning(chosen, holders)].filter((w): w is string => w !== null);
}

/** Holders by device UUID from a ledger's view (keys: UUIDs, indexes or CDI names). */
export function holdersByUuid(held: Record<string, readonly string[]>, gpus: readonly GpuInfo[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [id, who] of Object.entries(held)) {
    const g = resolveGpuIds([id], gpus)[0];
    const key = g?.uuid ?? id;
    m.set(key, [...new Set([...(m.get(key) ?? []), ...who])]);
  }
  return m;
}
