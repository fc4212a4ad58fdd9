// Electron main: only the desktop shell. All behaviour lives in the engine (BerthService);
// this file makes the window, binds the contract to IPC, and handles menu, tray and quit.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, protocol, safeStorage, screen, session, shell, Tray } from 'electron';
import { existsSync } from 'node:fs';
import { toErrorShape } from '../../shared/errors.js';
import type { DeploymentSummary } from '../../shared/deployment.js';
import type { ExampleInfo, RecentEntry } from '../../shared/api/index.js';
import { BERTH_UI_ENTRY_URL, BERTH_UI_ORIGIN, BERTH_UI_SCHEME } from '../../shared/ui-origin.js';
import { allowUiOrigin } from '../engine/gateway/cors.js';
import { setBerthHome } from '../engine/paths.js';
import { chooseAppEncryptorAsync } from '../engine/secrets/encryptor.js';
import { createBerthRuntime, type BerthRuntime } from '../engine/service/runtime.js';
import { appPaths } from './app-paths.js';
import { configPathsFromArgv, secondInstancePaths, type SecondInstanceData } from './argv-paths.js';
import { errorPageUrl, preloadErrorPageUrl } from './error-page.js';
import { bindCommands, forwardEvents } from './ipc.js';
import { buildMenuTemplate } from './menu.js';
import { installPermissionHandlers } from './permissions.js';
import { boundedShutdown, shutdownWarning } from './quit.js';
import { makeSenderCheck, secureWebPreferences } from './security.js';
import { hardwareAccelerationOff, userDataDirFor } from './startup-options.js';
import { trayStatus } from './tray-status.js';
import { createUiProtocolHandler, UI_SCHEME_PRIVILEGES } from './ui-protocol.js';
import { debounce, loadWindowState, saveWindowState } from './window-state.js';

const DOCS_URL = 'https://docs.baseten.co/development/model/custom-server';
const paths = appPaths({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath });
const rendererDir = paths.rendererDir.path;
const rendererIndex = paths.rendererIndex.path;
const resourcesDir = paths.resourcesDir.path;
const devUrl = !app.isPackaged && process.env.BERTH_DEV_URL ? process.env.BERTH_DEV_URL : null;

// Before ready: the data dir (which also holds the single-instance lock) and hardware acceleration.
app.setPath('userData', userDataDirFor({ isPackaged: app.isPackaged, appData: app.getPath('appData'), current: app.getPath('userData'), switchValue: app.commandLine.getSwitchValue('user-data-dir') }));
const hwAccel = hardwareAccelerationOff(process.argv, app.getPath('userData'));
if (hwAccel.off) app.disableHardwareAcceleration();

// Must happen before app ready: the UI is served from berth://app (see ui-protocol.ts).
protocol.registerSchemesAsPrivileged([{ scheme: BERTH_UI_SCHEME, privileges: { ...UI_SCHEME_PRIVILEGES } }]);

/** What the shell set up, for `npm run test:app` (read with electronApp.evaluate) and bug reports. */
interface ShellState {
  trayIcon: { path: string; empty: boolean; width: number; height: number } | null;
  trayError: string | null;
  hardwareAccelerationOff: boolean;
  userData: string;
  preloadError: string | null;
}
const shellState: ShellState = { trayIcon: null, trayError: null, hardwareAccelerationOff: hwAccel.off, userData: app.getPath('userData'), preloadError: null };
(globalThis as { berthShellState?: ShellState }).berthShellState = shellState;

let runtime: BerthRuntime | null = null;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;
let shutDown = false;
const pendingPaths: string[] = [];

function showError(title: string, err: unknown): void {
  const e = toErrorShape(err);
  dialog.showErrorBox(title, `${e.message}${e.hint ? `\n\n${e.hint}` : ''}`);
}

async function openPaths(paths: string[]): Promise<void> {
  if (!runtime) {
    pendingPaths.push(...paths);
    return;
  }
  for (const path of paths) {
    const r = await runtime.service.handle('deployments.open', { path });
    if (!r.ok) showError('Could not open config', r.error);
  }
  if (paths.length) await refreshChrome();
}

async function openConfigDialog(): Promise<string | null> {
  const opts = {
    title: 'Open Truss config',
    properties: ['openFile'] as Array<'openFile'>,
    filters: [{ name: 'Truss config', extensions: ['yaml', 'yml'] }],
  };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled || !r.filePaths.length ? null : r.filePaths[0];
}

/** A folder for "Copy to..." and the new-config wizard; Berth refuses one that is not empty. */
async function pickFolderDialog(): Promise<string | null> {
  const opts = { title: 'Choose a folder for the truss', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled || !r.filePaths.length ? null : r.filePaths[0];
}

async function refreshChrome(): Promise<void> {
  if (!runtime) return;
  const [recent, examples, list] = await Promise.all([
    runtime.service.handle('recent.list', undefined),
    runtime.service.handle('examples.list', undefined),
    runtime.service.handle('deployments.list', undefined),
  ]);
  const template = buildMenuTemplate((recent.ok ? recent.result : []) as RecentEntry[], (examples.ok ? examples.result : []) as ExampleInfo[], {
    openConfigDialog: () =>
      void openConfigDialog().then((p) => {
        if (p) void openPaths([p]);
      }),
    openPath: (p) => void openPaths([p]),
    openDocs: () => void shell.openExternal(DOCS_URL),
    openDataDir: () => runtime && void shell.openPath(runtime.dataDir),
    showAbout: () => void dialog.showMessageBox({ type: 'info', title: 'About Berth', message: `Berth ${app.getVersion()}`, detail: 'Run Truss custom-server models on your own GPUs.' }),
  }, process.platform, { devTools: !app.isPackaged });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template as Electron.MenuItemConstructorOptions[]));
  tray?.setToolTip(trayStatus((list.ok ? list.result : []) as DeploymentSummary[]));
}

function createWindow(dataDir: string): BrowserWindow {
  const state = loadWindowState(dataDir, screen.getAllDisplays().map((d) => d.workArea));
  const w = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Berth',
    backgroundColor: '#111318',
    webPreferences: secureWebPreferences(paths.preload.path),
  });
  if (state.maximized) w.maximize();
  // Without its preload the UI cannot reach Berth: say so instead of showing a blank window.
  // Once only: the error page loads with the same (failing) preload.
  let preloadFailed = false;
  w.webContents.on('preload-error', (_e, preloadPath, error) => {
    console.error(`berth: preload ${preloadPath} failed: ${error?.stack ?? error}`);
    shellState.preloadError = String(error?.message ?? error);
    if (preloadFailed) return;
    preloadFailed = true;
    void w.loadURL(preloadErrorPageUrl(preloadPath, error));
    w.show();
  });
  w.once('ready-to-show', () => w.show());
  // The UI never navigates away or opens windows; links go to the system browser.
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const persist = debounce(() => {
    if (w.isDestroyed()) return;
    const b = w.getNormalBounds();
    void saveWindowState(dataDir, { ...b, maximized: w.isMaximized() }).catch(() => {});
  }, 500);
  // 'move'/'resize' fire on every platform (Linux has no 'moved'/'resized'); debounced.
  for (const ev of ['move', 'resize', 'maximize', 'unmaximize'] as const) w.on(ev as 'move', persist);
  w.on('close', () => {
    persist();
    persist.flush();
  });
  w.on('closed', () => {
    persist.cancel();
    if (win === w) win = null;
  });
  if (devUrl) void w.loadURL(devUrl);
  else if (existsSync(rendererIndex)) void w.loadURL(BERTH_UI_ENTRY_URL);
  else void w.loadURL(errorPageUrl('The Berth UI is not built', `${rendererIndex} is missing.`, "Run 'npm run build' and start Berth again."));
  return w;
}

async function boot(): Promise<void> {
  protocol.handle(BERTH_UI_SCHEME, createUiProtocolHandler(rendererDir));
  // The Playground calls deployment gateways from the UI's origin with fetch.
  allowUiOrigin(BERTH_UI_ORIGIN);
  if (devUrl && URL.canParse(devUrl)) allowUiOrigin(new URL(devUrl).origin);
  const isTrusted = makeSenderCheck(devUrl);
  // Exactly what the UI uses (loopback fetches, clipboard writes); everything else denied.
  installPermissionHandlers(session.defaultSession, isTrusted);
  setBerthHome(app.getPath('userData'));
  // The OS keychain only when one backs safeStorage (Linux may fall back to basic_text).
  const secretsProtection = await chooseAppEncryptorAsync(safeStorage);
  if (secretsProtection.warning) console.warn(`berth: ${secretsProtection.warning}${secretsProtection.backend ? ` (safeStorage backend: ${secretsProtection.backend})` : ''}`);
  if (hwAccel.off) console.log(`berth: hardware acceleration is off (${hwAccel.why})`);
  try {
    runtime = await createBerthRuntime({
      dataDir: app.getPath('userData'),
      resourcesDir,
      encryptor: secretsProtection.encryptor,
      secretsProtection: { protection: secretsProtection.protection, backend: secretsProtection.backend, warning: secretsProtection.warning },
      transport: 'ipc',
      version: app.getVersion(),
      openDialog: openConfigDialog,
      pickFolder: pickFolderDialog,
    });
  } catch (err) {
    showError('Berth could not start', err);
    quitting = true;
    shutDown = true;
    app.quit();
    return;
  }
  bindCommands(ipcMain, runtime.service, isTrusted);
  forwardEvents(runtime.service.events, () => (win && !win.isDestroyed() ? [win.webContents] : []));
  runtime.service.events.subscribe((channel) => {
    if (channel === 'deployment.state' || channel === 'deployments.changed') void refreshChrome();
  });
  win = createWindow(runtime.dataDir);
  try {
    // createFromPath returns an empty image, not an error, for a path that is not there.
    const icon = nativeImage.createFromPath(paths.trayIcon.path);
    const size = icon.getSize();
    shellState.trayIcon = { path: paths.trayIcon.path, empty: icon.isEmpty(), width: size.width, height: size.height };
    if (icon.isEmpty()) console.warn(`berth: the tray icon ${paths.trayIcon.path} is missing or unreadable; the tray shows no icon.`);
    tray = new Tray(icon);
    tray.on('click', () => {
      if (!win) win = createWindow(runtime!.dataDir);
      win.show();
      win.focus();
    });
  } catch (err) {
    tray = null; // Some Linux desktops have no tray: the app works without it.
    shellState.trayError = err instanceof Error ? err.message : String(err);
  }
  await refreshChrome();
  await openPaths([...pendingPaths.splice(0), ...ownArgvPaths]);
}

const argvOptions = (cwd: string) => ({ cwd, appPath: app.getAppPath(), execPath: process.execPath });
const ownArgvPaths = configPathsFromArgv(process.argv, argvOptions(process.cwd()));
// A second launch hands its paths, already resolved, to the running instance.
const secondInstanceData: SecondInstanceData = { berthConfigPaths: ownArgvPaths };
if (!app.requestSingleInstanceLock(secondInstanceData as unknown as Record<string, unknown>)) {
  app.quit();
} else {
  app.on('second-instance', (_e, argv, cwd, additionalData) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    void openPaths(secondInstancePaths(additionalData, argv, argvOptions(cwd)));
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win && runtime) win = createWindow(runtime.dataDir);
  });
  app.on('before-quit', (e) => {
    if (shutDown || !runtime) return;
    e.preventDefault();
    if (quitting) return;
    quitting = true;
    // Containers are stopped unless the keep-running setting says otherwise; a hung Docker
    // stop must not keep Berth from quitting (quit.ts).
    const rt = runtime;
    void boundedShutdown(() => rt.shutdown()).then((outcome) => {
      const warning = shutdownWarning(outcome);
      if (warning) console.warn(`berth: ${warning}`);
      shutDown = true;
      tray?.destroy();
      app.quit();
    });
  });
  void app.whenReady().then(boot);
}
