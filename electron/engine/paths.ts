// Berth's data dir: $BERTH_HOME, else the platform's config dir + /berth. The Electron app
// passes app.getPath('userData') through setBerthHome() so CLI and app agree when run together.
import { homedir } from 'node:os';
import { join } from 'node:path';

let override: string | null = null;

/** Lets the Electron main process point Berth at app.getPath('userData'). $BERTH_HOME still wins. */
export function setBerthHome(dir: string | null): void {
  override = dir;
}

export function berthHome(): string {
  const env = process.env.BERTH_HOME;
  if (env && env.trim()) return env;
  if (override) return override;
  if (process.platform === 'win32' && process.env.APPDATA) return join(process.env.APPDATA, 'berth');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'berth');
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg && xdg.trim() ? xdg : join(homedir(), '.config'), 'berth');
}

/** A file inside the data dir, e.g. dataPath('settings.json'). */
export function dataPath(...parts: string[]): string {
  return join(berthHome(), ...parts);
}
