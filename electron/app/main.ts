// Electron main: only the desktop shell. All behaviour lives in the engine (BerthService);
// this file makes the window, binds the contract to IPC, and handles menu, tray and quit.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, protocol, safeStorage, screen, shell, Tray } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toErrorShape } from '../../shared/errors.js';
import type { DeploymentSummary } from '../../shared/deployment.js';
import type { ExampleInfo, RecentEntry } from '../../shared/api/index.js';
import { BERTH_UI_ENTRY_URL, BERTH_UI_ORIGIN, BERTH_UI_SCHEME } from '../../shared/ui-origin.js';
import { allowUiOrigin } from '../engine/gateway/cors.js';
import { setBerthHome } from '../engine/paths.js';
import { chooseAppEncryptor } from '../engine/secrets/encryptor.js';
import { createBerthRuntime, type BerthRuntime } from '../engine/service/runtime.js';
import { configPathsFromArgv } from './argv-paths.js';
import { bindCommands, forwardEvents } from './ipc.js';
import { buildMenuTemplate } from './menu.js';
import { makeSenderCheck, secureWebPreferences } from './security.js';
import { trayStatus } from './tray-status.js';
import { createUiProtocolHandler, UI_SCHEME_PRIVILEGES } from './ui-protocol.js';
import { loadWindowState, saveWindowState } from './window-state.js';

const DOCS_URL = 'https://docs.baseten.co/development/model/custom-server';
const here = typeof __dirname !== 'undefined' ? __dirname : join(app.getAppPath(), 'dist', 'app');
const appRoot = app.getAppPath();
const rendererDir = join(appRoot, 'dist', 'renderer');
const rendererIndex = join(rendererDir, 'index.html');
// Docker cannot bind-mount from inside app.asar, so examples ship unpacked beside it.
const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'app.asar.unpacked', 'resources') : join(appRoot, 'resources');
const devUrl = !app.isPackaged && process.env.BERTH_DEV_URL ? process.env.BERTH_DEV_URL : null;

// Must happen before app ready: the UI is served from berth://app (see ui-protocol.ts).
protocol.registerSchemesAsPrivileged([{ scheme: BERTH_UI_SCHEME, privileges: { ...UI_SCHEME_PRIVILEGES } }]);

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
  });
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
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  if (state.maximized) w.maximize();
  w.once('ready-to-show', () => w.show());
  // The UI never navigates away or opens windows; links go to the system browser.
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const persist = () => {
    if (w.isDestroyed()) return;
    const b = w.getNormalBounds();
    void saveWindowState(dataDir, { ...b, maximized: w.isMaximized() }).catch(() => {});
  };
  w.on('resized', persist);
  w.on('moved', persist);
  w.on('close', persist);
  w.on('closed', () => {
    if (win === w) win = null;
  });
  if (devUrl) void w.loadURL(devUrl);
  else if (existsSync(rendererIndex)) void w.loadURL(BERTH_UI_ENTRY_URL);
  else void w.loadURL(`data:text/plain;charset=utf-8,${encodeURIComponent(`The Berth UI is not built (${rendererIndex} is missing). Run 'npm run build' and start again.`)}`);
  return w;
}

async function boot(): Promise<void> {
  protocol.handle(BERTH_UI_SCHEME, createUiProtocolHandler(rendererDir));
  // The Playground calls deployment gateways from the UI's origin with fetch.
  allowUiOrigin(BERTH_UI_ORIGIN);
  if (devUrl && URL.canParse(devUrl)) allowUiOrigin(new URL(devUrl).origin);
  setBerthHome(app.getPath('userData'));
  // The OS keychain only when one backs safeStorage (Linux may fall back to basic_text).
  const secretsProtection = chooseAppEncryptor(safeStorage);
  if (secretsProtection.warning) console.warn(`berth: ${secretsProtection.warning}${secretsProtection.backend ? ` (safeStorage backend: ${secretsProtection.backend})` : ''}`);
  try {
    runtime = await createBerthRuntime({
      dataDir: app.getPath('userData'),
      resourcesDir,
      encryptor: secretsProtection.encryptor,
      transport: 'ipc',
      version: app.getVersion(),
      openDialog: openConfigDialog,
    });
  } catch (err) {
    showError('Berth could not start', err);
    quitting = true;
    shutDown = true;
    app.quit();
    return;
  }
  const isTrusted = makeSenderCheck(devUrl);
  bindCommands(ipcMain, runtime.service, isTrusted);
  forwardEvents(runtime.service.events, () => (win && !win.isDestroyed() ? [win.webContents] : []));
  runtime.service.events.subscribe((channel) => {
    if (channel === 'deployment.state' || channel === 'deployments.changed') void refreshChrome();
  });
  win = createWindow(runtime.dataDir);
  try {
    const icon = nativeImage.createFromPath(join(resourcesDir, 'icons', '32x32.png'));
    tray = new Tray(icon);
    tray.on('click', () => {
      if (!win) win = createWindow(runtime!.dataDir);
      win.show();
      win.focus();
    });
  } catch {
    tray = null; // Some Linux desktops have no tray: the app works without it.
  }
  await refreshChrome();
  await openPaths([...pendingPaths.splice(0), ...configPathsFromArgv(process.argv, { isPackaged: app.isPackaged, cwd: process.cwd() })]);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_e, argv, cwd) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    void openPaths(configPathsFromArgv(argv, { isPackaged: app.isPackaged, cwd }));
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
    // Containers are stopped unless the keep-running setting says otherwise.
    void runtime
      .shutdown()
      .catch(() => {})
      .finally(() => {
        shutDown = true;
        tray?.destroy();
        app.quit();
      });
  });
  void app.whenReady().then(boot);
}
