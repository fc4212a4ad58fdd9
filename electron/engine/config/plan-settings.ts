// Maps Berth's stored settings (electron/engine/store/settings.ts) onto PlanSettings.
import { defaultPlanSettings, type PlanSettings } from '../../../shared/truss/plan.js';
import { hubCacheDir, weightsViewsRoot } from '../weights/cache-paths.js';

export interface StoredPlanSettings {
  probePeriodMs?: number;
  shmSize?: string;
  shareHfCache?: boolean;
  applyResourceLimits?: boolean;
}

/** "8g", "512m", "16GiB", "1.5 g": Docker's --shm-size forms (binary multiples). */
export function parseShmSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(s);
  if (!m) return null;
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const v = Math.ceil(Number(m[1]) * mult);
  return v > 0 ? v : null;
}

export function planSettingsFrom(stored: StoredPlanSettings, overrides: Partial<PlanSettings> = {}): PlanSettings {
  const out: PlanSettings = { ...defaultPlanSettings };
  if (typeof stored.probePeriodMs === 'number') out.probePeriodMs = stored.probePeriodMs;
  if (typeof stored.shmSize === 'string') out.shmSizeBytes = parseShmSize(stored.shmSize) ?? out.shmSizeBytes;
  out.hfHubCache = stored.shareHfCache === false ? null : hubCacheDir();
  out.weightsViewsRoot = weightsViewsRoot();
  if (typeof stored.applyResourceLimits === 'boolean') out.applyResourceLimits = stored.applyResourceLimits;
  return { ...out, ...overrides };
}
