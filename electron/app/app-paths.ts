// Every file path the Electron main process computes, in one place without Electron imports,
// so `npm run check:package` can compute the same paths for a packaged build and check that
// each one exists there (a wrong path fails quietly at run time: nativeImage.createFromPath
// returns an empty image, Docker mounts an empty folder).
import { join } from 'node:path';

export interface AppLayout {
  /** app.isPackaged */
  isPackaged: boolean;
  /** app.getAppPath(): the repo root in development, …/resources/app.asar when packaged. */
  appPath: string;
  /** process.resourcesPath: the folder holding app.asar (and app.asar.unpacked). */
  resourcesPath: string;
}

export interface AppPath {
  path: string;
  /** Inside app.asar when packaged: readable through Electron's fs, not by other programs. */
  inAsar: boolean;
  /** Why main needs it (printed by the packaging check when it is missing). */
  purpose: string;
}

export interface AppPaths {
  rendererDir: AppPath;
  rendererIndex: AppPath;
  preload: AppPath;
  /** Folder with examples/ and icons/ (handed to the engine as resourcesDir). */
  resourcesDir: AppPath;
  examplesDir: AppPath;
  /** The runnable catalog (resources/catalog): the engine copies entries out of it. */
  catalogDir: AppPath;
  trayIcon: AppPath;
}

export const TRAY_ICON_FILE = '32x32.png';

/**
 * Docker bind-mounts an example's data/ dir, and the tray hands its icon to the desktop
 * shell, so both must be real files: electron-builder.yml unpacks resources/examples and
 * resources/icons beside app.asar, and main reads them from there.
 */
export function appPaths(l: AppLayout): AppPaths {
  const inAsar = l.isPackaged;
  const unpackedRoot = l.isPackaged ? join(l.resourcesPath, 'app.asar.unpacked') : l.appPath;
  const resourcesDir = join(unpackedRoot, 'resources');
  const rendererDir = join(l.appPath, 'dist', 'renderer');
  return {
    rendererDir: { path: rendererDir, inAsar, purpose: 'the UI served on berth://app' },
    rendererIndex: { path: join(rendererDir, 'index.html'), inAsar, purpose: 'the UI entry page' },
    preload: { path: join(l.appPath, 'dist', 'app', 'preload.cjs'), inAsar, purpose: 'the preload that exposes window.berth' },
    resourcesDir: { path: resourcesDir, inAsar: false, purpose: 'bundled examples and icons' },
    examplesDir: { path: join(resourcesDir, 'examples'), inAsar: false, purpose: 'bundled example configs (Docker mounts their data/)' },
    catalogDir: { path: join(resourcesDir, 'catalog'), inAsar: false, purpose: 'the catalog of runnable configs (the engine reads resourcesDir/catalog)' },
    trayIcon: { path: join(resourcesDir, 'icons', TRAY_ICON_FILE), inAsar: false, purpose: 'the tray icon' },
  };
}
