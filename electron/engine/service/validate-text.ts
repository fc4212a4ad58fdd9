// Validates editor text without touching disk: positioned issues, plus the plan and the
// docker run line it would give (so the Config tab can preview them as the user types).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildRunPlan, dockerRunCommand, parseTrussConfig } from '../../../shared/truss/index.js';
import type { GpuReport } from '../../../shared/gpu.js';
import type { PlanSettings } from '../../../shared/truss/plan.js';
import type { ValidateResult } from '../../../shared/api/index.js';

export function validateConfigText(text: string, path: string | undefined, gpus: GpuReport | null, settings: Partial<PlanSettings> = {}): ValidateResult {
  const configPath = resolve(path ?? 'config.yaml');
  const parsed = parseTrussConfig(text, configPath);
  const issues = [...parsed.issues];
  if (!parsed.config || issues.some((i) => i.severity === 'error')) return { issues, plan: null, dockerRun: null };
  const trussDir = dirname(configPath);
  const r = buildRunPlan({
    config: parsed.config,
    configPath,
    trussDir,
    trussFacts: { hasDataDir: existsSync(join(trussDir, 'data')), fileHashes: {} },
    machine: {
      gpus: gpus?.gpus ?? [],
      gpuCapabilities: gpus?.capabilities ?? { usable: false, via: 'none' },
      heldDeviceIds: [],
    },
    settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
    positions: parsed.positions,
  });
  issues.push(...r.issues);
  return { issues, plan: r.plan, dockerRun: r.plan ? dockerRunCommand(r.plan) : null };
}
