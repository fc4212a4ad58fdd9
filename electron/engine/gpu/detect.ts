// Builds the GpuReport: nvidia-smi first (exact, fast); systeminformation only when nvidia-smi
// cannot answer, to tell "no NVIDIA hardware" apart from "NVIDIA hardware, driver missing".
import type { GpuCapabilities, GpuInfo, GpuReport } from '../../../shared/gpu.js';
import { GPU_QUERY_FIELDS, parseGpuQuery, parseVersions, queryArgs, runNvidiaSmi, type SmiFailure } from './nvidia-smi.js';
import { probeGpuCapabilities, type DockerInfoSource } from './capabilities.js';

export interface DetectOptions {
  /** Engine to check GPU capability against; null skips the engine (capabilities say so). */
  docker?: DockerInfoSource | null;
  /** Precomputed capabilities (the supervisor caches them); skips the engine probe. */
  capabilities?: GpuCapabilities;
  timeoutMs?: number;
  /** Secondary source; injectable for tests. Defaults to systeminformation.graphics(). */
  graphics?: () => Promise<{ controllers: Array<{ vendor?: string; model?: string; vram?: number | null }> }>;
}

export interface GpuDetection {
  gpus: GpuInfo[];
  driverVersion: string | null;
  cudaVersion: string | null;
  failure?: SmiFailure;
  /** NVIDIA controllers the OS sees (from systeminformation) when nvidia-smi could not answer. */
  osControllers: string[];
}

async function defaultGraphics(): Promise<{ controllers: Array<{ vendor?: string; model?: string; vram?: number | null }> }> {
  const si = await import('systeminformation');
  return si.default.graphics();
}

async function nvidiaControllers(graphics: DetectOptions['graphics'], timeoutMs: number): Promise<string[]> {
  try {
    const g = await Promise.race([
      (graphics ?? defaultGraphics)(),
      new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref()),
    ]);
    if (!g) return [];
    return g.controllers
      .filter((c) => /nvidia/i.test(`${c.vendor ?? ''} ${c.model ?? ''}`))
      .map((c) => (c.model && c.model.trim() ? c.model.trim() : 'NVIDIA GPU'));
  } catch {
    return [];
  }
}

/** GPUs, versions and, when there are none, why. No engine involved. */
export async function detectGpuHardware(opts: Pick<DetectOptions, 'timeoutMs' | 'graphics'> = {}): Promise<GpuDetection> {
  const timeoutMs = opts.timeoutMs ?? 8000;
  const [query, banner] = await Promise.all([
    runNvidiaSmi(queryArgs(GPU_QUERY_FIELDS), { timeoutMs }),
    // The CUDA version the driver supports is only printed in the banner (no query field for it on older drivers).
    runNvidiaSmi([], { timeoutMs }),
  ]);
  if (!query.ok) {
    const osControllers = await nvidiaControllers(opts.graphics, Math.min(timeoutMs, 5000));
    return { gpus: [], driverVersion: null, cudaVersion: null, failure: query.failure, osControllers };
  }
  const parsed = parseGpuQuery(query.stdout);
  const versions = banner.ok ? parseVersions(banner.stdout) : { driverVersion: null, cudaVersion: null };
  const result: GpuDetection = {
    gpus: parsed.gpus,
    driverVersion: parsed.driverVersion ?? versions.driverVersion,
    cudaVersion: versions.cudaVersion,
    osControllers: [],
  };
  if (parsed.gpus.length === 0) {
    result.failure = {
      kind: 'no_devices',
      reason: 'The NVIDIA driver is installed but nvidia-smi lists no GPUs.',
      hint: 'Check the GPU is seated and powered, and that it is not bound to another driver (e.g. vfio for a VM): `lspci | grep -i nvidia`.',
    };
  }
  return result;
}

/** One sentence for GpuReport.notFoundReason: what is wrong, then what to do. */
export function notFoundReason(d: GpuDetection): string | undefined {
  if (d.gpus.length > 0 || !d.failure) return undefined;
  const f = d.failure;
  if (f.kind === 'not_found' && d.osControllers.length > 0) {
    return `No usable NVIDIA GPU: the system has ${d.osControllers.join(', ')} but nvidia-smi is not on PATH, so the NVIDIA driver is not installed (or not on PATH). ${f.hint}`;
  }
  return `No NVIDIA GPU found: ${f.reason} ${f.hint}`;
}

export async function detectGpus(opts: DetectOptions = {}): Promise<GpuReport> {
  const [hw, capabilities] = await Promise.all([
    detectGpuHardware(opts),
    opts.capabilities ? Promise.resolve(opts.capabilities) : probeGpuCapabilities(opts.docker ?? null, { timeoutMs: Math.min(opts.timeoutMs ?? 5000, 5000) }),
  ]);
  const report: GpuReport = { gpus: hw.gpus, driverVersion: hw.driverVersion, cudaVersion: hw.cudaVersion, capabilities };
  const why = notFoundReason(hw);
  if (why) report.notFoundReason = why;
  return report;
}
