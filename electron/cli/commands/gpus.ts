// `berth gpus`: the NVIDIA GPUs on this machine, driver/CUDA versions, and whether the Docker
// engine can hand them to containers. Finding no GPU is information (exit 0), not a failure.
import { parseArgs } from 'node:util';
import type { GpuCapabilities, GpuInfo, GpuReport } from '../../../shared/gpu.js';
import { detectGpuHardware, notFoundReason } from '../../engine/gpu/detect.js';
import { probeGpuCapabilities } from '../../engine/gpu/capabilities.js';
import type { SmiFailure } from '../../engine/gpu/nvidia-smi.js';
import { EngineConnection } from '../../engine/docker/connection.js';
import { SettingsStore } from '../../engine/store/settings.js';

const USAGE = `usage: berth gpus [--json]

Lists NVIDIA GPUs (memory, utilisation, temperature, power), the driver and CUDA versions,
and whether Docker containers can use them (and if not, what to install).`;

async function engineCapabilities(): Promise<GpuCapabilities> {
  const settings = await new SettingsStore().load().catch(() => null);
  const conn = new EngineConnection({ override: settings?.dockerHost ?? null, pingTimeoutMs: 3000, healthCheckMs: 0 });
  const status = await conn.ping();
  if (!status.up) {
    return {
      usable: false,
      via: 'none',
      reason: `The Docker engine is not reachable (${status.endpoint}): ${status.reason}`,
      hint: status.hint ?? 'Start Docker and try again.',
    };
  }
  const url = status.endpoint;
  return probeGpuCapabilities(conn.docker, { engineIsLocal: url.startsWith('unix://') || url.startsWith('npipe://') });
}

function gib(mib: number): string {
  return (mib / 1024).toFixed(1);
}

function row(g: GpuInfo): string[] {
  const util = g.utilizationPct === null ? 'n/a' : `${g.utilizationPct}%`;
  const temp = g.temperatureC === null ? 'n/a' : `${g.temperatureC}°C`;
  const draw = g.powerDrawW === null ? 'n/a' : `${Math.round(g.powerDrawW)} W`;
  const power = g.powerLimitW === null ? draw : `${draw} / ${Math.round(g.powerLimitW)} W`;
  return [String(g.index), g.name, `${gib(g.memoryUsedMiB)} / ${gib(g.memoryTotalMiB)} GiB`, util, temp, power];
}

export function formatReport(r: GpuReport, failure?: SmiFailure): string {
  const out: string[] = [];
  if (r.gpus.length === 0) {
    if (failure && r.notFoundReason) {
      // notFoundReason carries the hint too; on a terminal the hint reads better on its own line.
      out.push(r.notFoundReason.replace(failure.hint, '').trimEnd());
      out.push(`  hint: ${failure.hint}`);
      if (failure.detail) out.push(`  nvidia-smi said: ${failure.detail}`);
    } else out.push(r.notFoundReason ?? 'No NVIDIA GPU found.');
  } else {
    const versions = [r.driverVersion ? `driver ${r.driverVersion}` : null, r.cudaVersion ? `CUDA ${r.cudaVersion}` : null].filter(Boolean).join(', ');
    out.push(`${r.gpus.length} NVIDIA GPU${r.gpus.length > 1 ? 's' : ''}${versions ? ` (${versions})` : ''}`);
    out.push('');
    const rows = [['GPU', 'NAME', 'MEMORY USED / TOTAL', 'UTIL', 'TEMP', 'POWER'], ...r.gpus.map(row)];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((x) => x[i].length)));
    for (const x of rows) out.push('  ' + x.map((c, i) => (i === x.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
    out.push('');
    for (const g of r.gpus) out.push(`  GPU ${g.index}: ${g.uuid}`);
  }
  out.push('');
  const c = r.capabilities;
  if (c.usable) {
    out.push(`Containers can use GPUs: yes (via ${c.via === 'cdi' ? 'CDI' : 'the NVIDIA runtime'}). ${c.reason ?? ''}`.trimEnd());
  } else {
    out.push(`Containers can use GPUs: no. ${c.reason ?? ''}`.trimEnd());
  }
  if (c.hint) out.push(`  hint: ${c.hint}`);
  return out.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    console.error(`berth gpus: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [hw, capabilities] = await Promise.all([detectGpuHardware(), engineCapabilities()]);
  const report: GpuReport = { gpus: hw.gpus, driverVersion: hw.driverVersion, cudaVersion: hw.cudaVersion, capabilities };
  const why = notFoundReason(hw);
  if (why) report.notFoundReason = why;
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report, hw.failure));
  return 0;
}
