// A stand-in for the `electron` module: the Electron binary cannot run in this environment
// (no display, no GPU), so the shell's wiring is checked against this recording fake.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';

export interface FakeElectron {
  /** Set when the promise from app.whenReady() resolves, as Electron's ready event would. */
  ready: boolean;
  /** Every protocol call in order, with whether the app was ready at the time. */
  protocolCalls: Array<{ call: 'registerSchemesAsPrivileged' | 'handle'; args: unknown[]; ready: boolean }>;
  protocolHandlers: Map<string, (request: Request) => Response | Promise<Response>>;
  windows: FakeWindow[];
  handlers: Map<string, (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => unknown>;
  appEvents: Map<string, Array<(...a: unknown[]) => void>>;
  menus: unknown[];
  /** What safeStorage reports: set before main is imported. Default: no encryption. */
  safeStorage: { available: boolean; backend: string };
  /** Which safeStorage calls main made (the sync ones are deprecated in Electron 45). */
  safeStorageCalls: string[];
  /** The permission handlers main set on session.defaultSession. */
  permissionCheck: ((wc: unknown, permission: string, origin: string, details: { requestingUrl?: string; isMainFrame?: boolean }) => boolean) | null;
  permissionRequest: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: { requestingUrl?: string; isMainFrame?: boolean }) => void) | null;
  /** requestSingleInstanceLock's additionalData, and app.setPath / disableHardwareAcceleration calls. */
  lockData: unknown;
  setPaths: Record<string, string>;
  hardwareAccelerationDisabled: boolean;
  /** Command-line switches main can read (app.commandLine.getSwitchValue). */
  switches: Record<string, string>;
  /** nativeImage.createFromPath calls, and whether each path existed (an empty image otherwise, as in Electron). */
  images: Array<{ path: string; empty: boolean }>;
  module: Record<string, unknown>;
}

export interface FakeWindow {
  options: { webPreferences: Record<string, unknown> } & Record<string, unknown>;
  sent: Array<[string, unknown]>;
  loaded: string | null;
  webContentsEvents: Map<string, (...a: unknown[]) => void>;
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null;
  /** BrowserWindow events ('move', 'resize', 'close'…) with their listeners. */
  events: Map<string, Array<() => void>>;
  /** What getNormalBounds answers (tests move the window by changing it). */
  bounds: { x: number; y: number; width: number; height: number };
}

export function makeFakeElectron(userData: string, appPath: string): FakeElectron {
  const fake: FakeElectron = {
    ready: false,
    protocolCalls: [],
    protocolHandlers: new Map(),
    windows: [],
    handlers: new Map(),
    appEvents: new Map(),
    menus: [],
    safeStorage: { available: false, backend: 'unknown' },
    safeStorageCalls: [],
    permissionCheck: null,
    permissionRequest: null,
    lockData: undefined,
    setPaths: {},
    hardwareAccelerationDisabled: false,
    switches: {},
    images: [],
    module: {},
  };
  class BrowserWindow {
    webContents: Record<string, unknown>;
    private readonly rec: FakeWindow;
    constructor(options: FakeWindow['options']) {
      this.rec = { options, sent: [], loaded: null, webContentsEvents: new Map(), windowOpenHandler: null, events: new Map(), bounds: { x: 0, y: 0, width: 1280, height: 820 } };
      fake.windows.push(this.rec);
      const rec = this.rec;
      this.webContents = {
        on: (ev: string, fn: (...a: unknown[]) => void) => rec.webContentsEvents.set(ev, fn),
        setWindowOpenHandler: (fn: FakeWindow['windowOpenHandler']) => (rec.windowOpenHandler = fn),
        send: (channel: string, msg: unknown) => rec.sent.push([channel, msg]),
        isDestroyed: () => false,
      };
    }
    once() {}
    on(ev: string, fn: () => void) {
      const l = this.rec.events.get(ev) ?? [];
      l.push(fn);
      this.rec.events.set(ev, l);
    }
    show() {}
    focus() {}
    maximize() {}
    isMinimized() {
      return false;
    }
    isMaximized() {
      return false;
    }
    isDestroyed() {
      return false;
    }
    getNormalBounds() {
      return { ...this.rec.bounds };
    }
    loadFile(p: string) {
      this.rec.loaded = p;
      return Promise.resolve();
    }
    loadURL(u: string) {
      this.rec.loaded = u;
      return Promise.resolve();
    }
  }
  class Tray {
    tooltip = '';
    on() {}
    setToolTip(t: string) {
      this.tooltip = t;
    }
    destroy() {}
  }
  fake.module = {
    app: {
      requestSingleInstanceLock: (data?: unknown) => {
        fake.lockData = data;
        return true;
      },
      setPath: (name: string, p: string) => {
        if (fake.ready) throw new Error('setPath(userData) must happen before ready');
        fake.setPaths[name] = p;
      },
      disableHardwareAcceleration: () => {
        if (fake.ready) throw new Error('app.disableHardwareAcceleration() can only be called before app is ready');
        fake.hardwareAccelerationDisabled = true;
      },
      commandLine: { getSwitchValue: (name: string) => fake.switches[name] ?? '' },
      on: (ev: string, fn: (...a: unknown[]) => void) => {
        const l = fake.appEvents.get(ev) ?? [];
        l.push(fn);
        fake.appEvents.set(ev, l);
      },
      whenReady: () =>
        Promise.resolve().then(() => {
          fake.ready = true;
        }),
      isReady: () => fake.ready,
      // userData unless main moved it (the dev app's own data dir): tests read where main put it.
      getPath: (name: string) => (name === 'appData' ? join(userData, 'appData') : (fake.setPaths[name] ?? userData)),
      getAppPath: () => appPath,
      getVersion: () => '0.0.0-test',
      isPackaged: false,
      quit: vi.fn(),
    },
    BrowserWindow,
    Tray,
    // Electron's own rules: privileged schemes only before ready, handlers only after.
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        fake.protocolCalls.push({ call: 'registerSchemesAsPrivileged', args: [schemes], ready: fake.ready });
        if (fake.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
      },
      handle: (scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
        fake.protocolCalls.push({ call: 'handle', args: [scheme], ready: fake.ready });
        if (!fake.ready) throw new Error('protocol.handle can only be used after app is ready');
        fake.protocolHandlers.set(scheme, handler);
      },
    },
    ipcMain: {
      handle: (channel: string, fn: FakeElectron['handlers'] extends Map<string, infer F> ? F : never) => fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel),
    },
    dialog: { showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })), showErrorBox: vi.fn(), showMessageBox: vi.fn() },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => fake.menus.push(m) },
    nativeImage: {
      createFromPath: (p: string) => {
        const empty = !existsSync(p);
        fake.images.push({ path: p, empty });
        return { isEmpty: () => empty, getSize: () => (empty ? { width: 0, height: 0 } : { width: 32, height: 32 }) };
      },
    },
    session: {
      defaultSession: {
        setPermissionCheckHandler: (h: FakeElectron['permissionCheck']) => (fake.permissionCheck = h),
        setPermissionRequestHandler: (h: FakeElectron['permissionRequest']) => (fake.permissionRequest = h),
      },
    },
    // Electron's rules: available with basic_text on Linux too; the backend is Linux-only
    // and 'unknown' before ready. The "encryption" is reversible so round trips can be checked.
    safeStorage: {
      isEncryptionAvailable: () => (fake.safeStorageCalls.push('isEncryptionAvailable'), fake.safeStorage.available),
      encryptString: (plain: string) => (fake.safeStorageCalls.push('encryptString'), Buffer.from(`enc:${plain}`)),
      decryptString: (b: Buffer) => {
        fake.safeStorageCalls.push('decryptString');
        const t = b.toString();
        if (!t.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        return t.slice(4);
      },
      // Electron 45's async API: same ciphertext format, so either side reads the other's data.
      isAsyncEncryptionAvailable: async () => (fake.safeStorageCalls.push('isAsyncEncryptionAvailable'), fake.safeStorage.available),
      encryptStringAsync: async (plain: string) => (fake.safeStorageCalls.push('encryptStringAsync'), Buffer.from(`enc:${plain}`)),
      decryptStringAsync: async (b: Buffer) => {
        fake.safeStorageCalls.push('decryptStringAsync');
        const t = b.toString();
        if (!t.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptStringAsync.');
        return { result: t.slice(4), shouldReEncrypt: false };
      },
      getSelectedStorageBackend: () => (fake.ready ? fake.safeStorage.backend : 'unknown'),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: { openExternal: vi.fn(), openPath: vi.fn() },
  };
  return fake;
}
