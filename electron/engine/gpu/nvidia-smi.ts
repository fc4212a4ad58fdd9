// nvidia-smi: the one source of truth for NVIDIA GPUs on Linux and Windows. Parsing is pure
// (tested against real output); running it is bounded and every failure is classified so the
// UI can say why no GPU was found and what to do.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { GpuInfo } from '../../../shared/gpu.js';
import { execBounded } from './exec.js';

export const GPU_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'memory.total',
  'memory.used',
  'utilization.gpu',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'driver_version',
] as const;

/** The cheaper query the sampler runs each period. */
export const SAMPLE_QUERY_FIELDS = ['index', 'uuid', 'memory.used', 'utilization.gpu', 'temperature.gpu', 'power.draw'] as const;

export function queryArgs(fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

/** "[N/A]", "[Not Supported]", "N/A", "[Unknown Error]", "" -> null; otherwise the number. */
export function parseNumber(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const s = raw.trim();
  if (!s || s.startsWith('[') || /^n\/?a$/i.test(s)) return null;
  // Defensive: strip units in case a caller forgot `nounits` (e.g. "49140 MiB", "67.89 W").
  const m = /^(-?\d+(?:\.\d+)?)/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

function parseText(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const s = raw.trim();
  if (!s || s.startsWith('[') || /^n\/?a$/i.test(s)) return null;
  return s;
}

/**
 * Splits `--format=csv,noheader` output into rows of fields keyed by the queried field names.
 * nvidia-smi separates with ", " and never quotes; GPU names contain no commas in practice,
 * but if a row has more cells than fields the extra cells are folded into `name`.
 */
export function parseCsvRows(text: string, fields: readonly string[]): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let cells = line.split(',').map((c) => c.trim());
    if (cells.length < fields.length) continue; // a warning line, not a row
    if (cells.length > fields.length) {
      const nameAt = fields.indexOf('name');
      if (nameAt < 0) continue;
      const extra = cells.length - fields.length;
      cells = [...cells.slice(0, nameAt), cells.slice(nameAt, nameAt + extra + 1).join(', '), ...cells.slice(nameAt + extra + 1)];
    }
    const row: Record<string, string> = {};
    fields.forEach((f, i) => (row[f] = cells[i]));
    rows.push(row);
  }
  return rows;
}

export interface ParsedQuery {
  gpus: GpuInfo[];
  driverVersion: string | null;
}

/** Parses the output of `nvidia-smi --query-gpu=<GPU_QUERY_FIELDS> --format=csv,noheader,nounits`. */
export function parseGpuQuery(text: string, fields: readonly string[] = GPU_QUERY_FIELDS): ParsedQuery {
  const rows = parseCsvRows(text, fields);
  let driverVersion: string | null = null;
  const gpus: GpuInfo[] = [];
  for (const r of rows) {
    const index = parseNumber(r['index']);
    if (index === null) continue;
    driverVersion ??= parseText(r['driver_version']);
    gpus.push({
      index,
      uuid: parseText(r['uuid']) ?? `index-${index}`,
      name: parseText(r['name']) ?? 'NVIDIA GPU',
      memoryTotalMiB: parseNumber(r['memory.total']) ?? 0,
      memoryUsedMiB: parseNumber(r['memory.used']) ?? 0,
      utilizationPct: parseNumber(r['utilization.gpu']),
      temperatureC: parseNumber(r['temperature.gpu']),
      powerDrawW: parseNumber(r['power.draw']),
      powerLimitW: parseNumber(r['power.limit']),
    });
  }
  gpus.sort((a, b) => a.index - b.index);
  return { gpus, driverVersion };
}

/** Driver and CUDA versions from the banner of plain `nvidia-smi` (or `nvidia-smi -q`). */
export function parseVersions(text: string): { driverVersion: string | null; cudaVersion: string | null } {
  const driver = /Driver Version\s*:?\s*([0-9][0-9.]*)/i.exec(text);
  const cuda = /CUDA Version\s*:?\s*([0-9][0-9.]*)/i.exec(text);
  return { driverVersion: driver ? driver[1] : null, cudaVersion: cuda ? cuda[1] : null };
}

export type SmiFailureKind = 'not_found' | 'driver' | 'mismatch' | 'no_devices' | 'timeout' | 'permission' | 'failed';

export interface SmiFailure {
  kind: SmiFailureKind;
  /** Why, in words a user can act on. */
  reason: string;
  hint: string;
  /** First line(s) of what nvidia-smi said, for the details view. */
  detail?: string;
}

export type SmiResult = { ok: true; stdout: string } | { ok: false; failure: SmiFailure };

const INSTALL_HINT =
  process.platform === 'win32'
    ? 'Install the NVIDIA driver from https://www.nvidia.com/drivers (it ships nvidia-smi), then run Berth again.'
    : 'Install the NVIDIA driver (e.g. `sudo ubuntu-drivers install` on Ubuntu, or the driver from https://www.nvidia.com/drivers), reboot, and check that `nvidia-smi` works in a terminal.';

/** Maps what a failing nvidia-smi printed to a reason and a hint. Pure, for tests. */
export function classifySmiFailure(code: number | null, output: string): SmiFailure {
  const detail = output.trim().split(/\r?\n/).filter(Boolean).slice(0, 3).join(' ') || undefined;
  if (/couldn't communicate with the NVIDIA driver|could not communicate with the NVIDIA driver/i.test(output)) {
    return {
      kind: 'driver',
      reason: "nvidia-smi is installed but couldn't communicate with the NVIDIA driver (the kernel module is not loaded).",
      hint: 'Reboot (a kernel update often leaves the driver unloaded until then). If it persists, reinstall the NVIDIA driver for the running kernel and check Secure Boot is not blocking the module (`sudo dmesg | grep -i nvidia`).',
      detail,
    };
  }
  if (/Driver\/library version mismatch/i.test(output)) {
    return {
      kind: 'mismatch',
      reason: 'nvidia-smi reports a driver/library version mismatch: the NVIDIA driver was updated but the old kernel module is still loaded.',
      hint: 'Reboot to load the new driver. If it persists, reinstall the NVIDIA driver so the user-space libraries and the kernel module match.',
      detail,
    };
  }
  if (/No devices were found/i.test(output)) {
    return {
      kind: 'no_devices',
      reason: 'The NVIDIA driver is installed but nvidia-smi lists no GPUs.',
      hint: 'Check the GPU is seated and powered, and that it is not bound to another driver (e.g. vfio for a VM): `lspci | grep -i nvidia`.',
      detail,
    };
  }
  if (/Insufficient Permissions|permission denied/i.test(output)) {
    return {
      kind: 'permission',
      reason: 'nvidia-smi was denied access to the GPU devices (/dev/nvidia*).',
      hint: 'Check the permissions of /dev/nvidia* or add your user to the group that owns them (often `video`).',
      detail,
    };
  }
  if (/Failed to initialize NVML/i.test(output)) {
    return {
      kind: 'driver',
      reason: 'nvidia-smi could not initialize NVML (the NVIDIA management library) — the driver is not working.',
      hint: 'Reboot; if it persists, reinstall the NVIDIA driver for the running kernel.',
      detail,
    };
  }
  return {
    kind: 'failed',
    reason: `nvidia-smi failed${code !== null ? ` (exit code ${code})` : ''}.`,
    hint: 'Run `nvidia-smi` in a terminal to see the problem; reinstalling the NVIDIA driver usually fixes it.',
    detail,
  };
}

/** nvidia-smi's path: on PATH everywhere; Windows drivers also put it in System32. */
export function nvidiaSmiCommand(): string {
  if (process.env.BERTH_NVIDIA_SMI) return process.env.BERTH_NVIDIA_SMI;
  if (process.platform === 'win32' && process.env.WINDIR) {
    const p = join(process.env.WINDIR, 'System32', 'nvidia-smi.exe');
    if (existsSync(p)) return p;
  }
  return 'nvidia-smi';
}

export async function runNvidiaSmi(args: string[], opts: { timeoutMs?: number } = {}): Promise<SmiResult> {
  const r = await execBounded(nvidiaSmiCommand(), args, { timeoutMs: opts.timeoutMs ?? 8000 });
  if (r.spawnError === 'ENOENT') {
    return {
      ok: false,
      failure: {
        kind: 'not_found',
        reason: 'nvidia-smi is not on PATH, so no NVIDIA driver appears to be installed.',
        hint: INSTALL_HINT,
      },
    };
  }
  if (r.spawnError === 'EACCES') {
    return {
      ok: false,
      failure: { kind: 'permission', reason: 'nvidia-smi was found but is not executable.', hint: 'Check the file permissions of nvidia-smi (`ls -l $(command -v nvidia-smi)`), or reinstall the NVIDIA driver.' },
    };
  }
  if (r.timedOut) {
    return {
      ok: false,
      failure: {
        kind: 'timeout',
        reason: `nvidia-smi did not answer within ${Math.round((opts.timeoutMs ?? 8000) / 1000)} s (the driver is hung or busy).`,
        hint: 'Run `nvidia-smi` in a terminal; if it hangs there too, the GPU or driver needs a reboot. Enabling persistence mode (`sudo nvidia-smi -pm 1`) makes queries faster.',
      },
    };
  }
  if (r.code !== 0) return { ok: false, failure: classifySmiFailure(r.code, `${r.stdout}\n${r.stderr}`) };
  return { ok: true, stdout: r.stdout };
}
