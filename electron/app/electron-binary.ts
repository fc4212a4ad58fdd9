// Where the Electron binary of a development checkout is, found the way the `electron`
// package's index.js finds it (path.txt, ELECTRON_OVERRIDE_DIST_PATH) but without its
// side effect: requiring `electron` from Node starts a download when the binary is missing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The binary's path inside node_modules/electron/dist, per platform (as electron/install.js names it). */
export function platformBinary(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

export interface ElectronBinary {
  path: string;
  exists: boolean;
  version: string | null;
}

export function locateElectron(electronPkgDir: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): ElectronBinary {
  let rel: string | null = null;
  try {
    rel = readFileSync(join(electronPkgDir, 'path.txt'), 'utf8').trim() || null;
  } catch {
    rel = null;
  }
  const path = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel ?? platformBinary(platform)) : join(electronPkgDir, 'dist', rel ?? platformBinary(platform));
  let version: string | null = null;
  try {
    version = (JSON.parse(readFileSync(join(electronPkgDir, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    version = null;
  }
  return { path, exists: existsSync(path), version };
}

/** Node versions the Electron download (@electron/get) and the packaging tools declare: >= 22.12. */
export function nodeCanFetchElectron(nodeVersion: string): boolean {
  const [maj, min] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  return maj > 22 || (maj === 22 && min >= 12);
}

export function missingElectronMessage(b: ElectronBinary, nodeVersion: string): string {
  const fetch = nodeCanFetchElectron(nodeVersion)
    ? "fetch it with 'node node_modules/electron/install.js' (needs access to github.com or an ELECTRON_MIRROR)"
    : `fetch it with 'node node_modules/electron/install.js' using Node 22.12 or newer (this is Node ${nodeVersion}; Electron's downloader requires 22.12+)`;
  return `The Electron ${b.version ?? ''} binary is not installed (no ${b.path}): ${fetch}.`.replace('Electron  binary', 'Electron binary');
}
