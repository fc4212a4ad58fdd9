// A stand-in for the `electron` module: the Electron binary cannot run in this environment
// (no display, no GPU), so the shell's wiring is checked against this recording fake.
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
  module: Record<string, unknown>;
}

export interface FakeWindow {
  options: { webPreferences: Record<string, unknown> } & Record<string, unknown>;
  sent: Array<[string, unknown]>;
  loaded: string | null;
  webContentsEvents: Map<string, (...a: unknown[]) => void>;
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null;
}

export function makeFakeElectron(userData: string, appPath: string): FakeElectron {
  const fake: FakeElectron = { ready: false, protocolCalls: [], protocolHandlers: new Map(), windows: [], handlers: new Map(), appEvents: new Map(), menus: [], safeStorage: { available: false, backend: 'unknown' }, module: {} };
  class BrowserWindow {
    webContents: Record<string, unknown>;
    private readonly rec: FakeWindow;
    constructor(options: FakeWindow['options']) {
      this.rec = { options, sent: [], loaded: null, webContentsEvents: new Map(), windowOpenHandler: null };
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
    on() {}
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
      return { x: 0, y: 0, width: 1280, height: 820 };
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
      requestSingleInstanceLock: () => true,
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
      getPath: () => userData,
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
    nativeImage: { createFromPath: () => ({}) },
    // Electron's rules: available with basic_text on Linux too; the backend is Linux-only
    // and 'unknown' before ready. The "encryption" is reversible so round trips can be checked.
    safeStorage: {
      isEncryptionAvailable: () => fake.safeStorage.available,
      encryptString: (plain: string) => Buffer.from(`enc:${plain}`),
      decryptString: (b: Buffer) => {
        const t = b.toString();
        if (!t.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        return t.slice(4);
      },
      getSelectedStorageBackend: () => (fake.ready ? fake.safeStorage.backend : 'unknown'),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: { openExternal: vi.fn(), openPath: vi.fn() },
  };
  return fake;
}
