// Choices main must make before app ready, from the command line and Berth's settings file
// (read synchronously: the engine's SettingsStore loads later, after ready).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS_FILE } from '../engine/store/settings.js';

export const DISABLE_HW_ACCEL_SWITCH = '--disable-hardware-acceleration';

/**
 * Hardware acceleration is off when the switch is given or the `disableHardwareAcceleration`
 * setting is on. Off keeps Chromium's GPU process off the GPUs that models run on and
 * avoids the black window some NVIDIA + Wayland setups show.
 */
export function hardwareAccelerationOff(argv: string[], userDataDir: string): { off: boolean; why: string | null } {
  if (argv.includes(DISABLE_HW_ACCEL_SWITCH)) return { off: true, why: `${DISABLE_HW_ACCEL_SWITCH} was given` };
  try {
    const s = JSON.parse(readFileSync(join(userDataDir, SETTINGS_FILE), 'utf8')) as { disableHardwareAcceleration?: unknown };
    if (s && s.disableHardwareAcceleration === true) return { off: true, why: 'the disableHardwareAcceleration setting is on' };
  } catch {
    // No or unreadable settings: the engine reports a bad file once it loads it.
  }
  return { off: false, why: null };
}

/**
 * The development app (`npm start`, not packaged) keeps its own data dir and therefore its
 * own single-instance lock, so it runs beside an installed Berth instead of handing its
 * arguments to it (the lock lives in the data dir; on macOS and Windows "berth" and
 * "Berth" would be one folder). `--user-data-dir=DIR` picks another (the smoke test).
 */
export function userDataDirFor(o: { isPackaged: boolean; appData: string; current: string; switchValue: string }): string {
  if (o.switchValue) return o.switchValue;
  return o.isPackaged ? o.current : join(o.appData, 'Berth Development');
}
