// Electron main, checked against a fake `electron` module (the real binary cannot run here)
// and a fake runtime (the engine is covered by its own tests; here only the shell's wiring).
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, type ApiResponse } from '../../../shared/api/index.js';
import { EventBus } from '../../../electron/engine/service/event-bus.js';
import { corsHeaders } from '../../../electron/engine/gateway/cors.js';
import { makeFakeElectron, type FakeElectron } from './fake-electron.js';
import { createBerthRuntime } from '../../../electron/engine/service/runtime.js';

// A stand-in app root with a built UI, so the window's load path and the berth:// handler
// are checked without depending on `npm run build` having run.
const appRoot = mkdtempSync(join(tmpdir(), 'berth-app-root-'));
mkdirSync(join(appRoot, 'dist', 'renderer', 'assets'), { recursive: true });
writeFileSync(join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
writeFileSync(join(appRoot, 'dist', 'renderer', 'assets', 'app.js'), 'export {};');
writeFileSync(join(appRoot, 'secret.txt'), 'outside the UI folder');
mkdirSync(join(appRoot, 'resources', 'icons'), { recursive: true });
copyFileSync(join(__dirname, '../../../resources/icons/32x32.png'), join(appRoot, 'resources', 'icons', '32x32.png'));
const userData = mkdtempSync(join(tmpdir(), 'berth-app-test-'));
const trussDir = mkdtempSync(join(tmpdir(), 'berth-app-truss-'));
writeFileSync(join(trussDir, 'config.yaml'), 'model_name: argv-model\n');
mkdirSync(join(userData, 'x'), { recursive: true });

const calls: Array<[string, unknown]> = [];
const bus = new EventBus();
const fakeRuntime = {
  dataDir: userData,
  service: {
    events: bus,
    handle: vi.fn(async (name: string, input: unknown): Promise<ApiResponse<unknown>> => {
      calls.push([name, input]);
      if (name.endsWith('.list')) return { ok: true, result: [] };
      return { ok: true, result: { echoed: name } };
    }),
  },
  shutdown: vi.fn(async () => {}),
};

let fake: FakeElectron;
vi.mock('electron', () => fake.module);
vi.mock('../../../electron/engine/service/runtime.js', () => ({ createBerthRuntime: vi.fn(async () => fakeRuntime) }));

beforeAll(async () => {
  fake = makeFakeElectron(userData, appRoot);
  process.argv = ['/usr/bin/electron', '.', join(trussDir, 'config.yaml'), '--no-sandbox'];
  await import('../../../electron/app/main.js');
  // boot() runs after whenReady(); wait for it to bind IPC and open the argv path.
  await vi.waitFor(() => expect(calls.some(([n]) => n === 'deployments.open')).toBe(true), { timeout: 5000 });
});

describe('electron main', () => {
  it('creates the window with a locked-down renderer', () => {
    expect(fake.windows).toHaveLength(1);
    const wp = fake.windows[0].options.webPreferences;
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.webSecurity).toBe(true);
    expect(String(wp.preload)).toMatch(/preload\.cjs$/);
  });

  it('registers berth: as a privileged scheme before ready, and its handler after', () => {
    const reg = fake.protocolCalls.filter((c) => c.call === 'registerSchemesAsPrivileged');
    expect(reg).toHaveLength(1);
    expect(reg[0].ready).toBe(false);
    expect(reg[0].args[0]).toEqual([{ scheme: 'berth', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } }]);
    const handle = fake.protocolCalls.filter((c) => c.call === 'handle');
    expect(handle).toEqual([{ call: 'handle', args: ['berth'], ready: true }]);
    expect(fake.protocolCalls.indexOf(reg[0])).toBeLessThan(fake.protocolCalls.indexOf(handle[0]));
  });

  it('loads the UI from berth://app/index.html, served from dist/renderer with a CSP', async () => {
    expect(fake.windows[0].loaded).toBe('berth://app/index.html');
    const handler = fake.protocolHandlers.get('berth')!;
    const index = await handler(new Request('berth://app/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('./assets/app.js');
    const js = await handler(new Request('berth://app/assets/app.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('export {};');
    expect((await handler(new Request('berth://app/..%2fsecret.txt'))).status).toBe(404);
    expect((await handler(new Request('berth://app/%2e%2e/%2e%2e/secret.txt'))).status).toBe(404);
  });

  it('lets the UI origin call local gateways (CORS)', () => {
    expect(corsHeaders('berth://app')).toMatchObject({ 'access-control-allow-origin': 'berth://app' });
    expect(corsHeaders('https://evil.example')).toBeNull();
  });

  it('gives the runtime a folder picker (Copy to..., the wizard) that asks for a directory', async () => {
    const opts = vi.mocked(createBerthRuntime).mock.calls[0][0] as { pickFolder?: () => Promise<string | null> };
    expect(opts.pickFolder).toBeTypeOf('function');
    const dialog = fake.module.dialog as { showOpenDialog: ReturnType<typeof vi.fn> };
    dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/home/u/new-truss'] });
    expect(await opts.pickFolder!()).toBe('/home/u/new-truss');
    const last = dialog.showOpenDialog.mock.calls.at(-1)!;
    expect((last.at(-1) as { properties: string[] }).properties).toEqual(['openDirectory', 'createDirectory']);
  });

  it('binds every contract command, and only those', () => {
    const bound = [...fake.handlers.keys()].sort();
    expect(bound).toEqual(COMMAND_NAMES.map((n) => IPC_COMMAND_PREFIX + n).sort());
  });

  it('delegates to the service for Berth UI frames and refuses others', async () => {
    const h = fake.handlers.get('berth:deployments.start')!;
    const ui = 'berth://app/index.html#/deployments/abc';
    const ok = (await h({ senderFrame: { url: ui } }, { id: 'abc' })) as ApiResponse<unknown>;
    expect(ok).toEqual({ ok: true, result: { echoed: 'deployments.start' } });
    expect(calls.at(-1)).toEqual(['deployments.start', { id: 'abc' }]);
    const n = calls.length;
    const fileUi = 'file://' + join(appRoot, 'dist', 'renderer', 'index.html');
    for (const url of ['https://evil.example/', fileUi, 'file:///tmp/other.html', 'berth://other/index.html', '']) {
      const r = (await h({ senderFrame: { url } }, { id: 'abc' })) as ApiResponse<unknown>;
      expect(r.ok).toBe(false);
    }
    expect(await h({ senderFrame: null }, {})).toMatchObject({ ok: false });
    expect(calls.length).toBe(n);
  });

  it('forwards service events to the window', () => {
    const payload = { time: 1, gpus: [] };
    bus.emit('gpu.sample', payload);
    expect(fake.windows[0].sent).toContainEqual([IPC_EVENT_CHANNEL, { type: 'event', channel: 'gpu.sample', payload }]);
  });

  it('opens a config path given on the command line', () => {
    expect(calls).toContainEqual(['deployments.open', { path: join(trussDir, 'config.yaml') }]);
  });

  it('blocks navigation and new windows', () => {
    const w = fake.windows[0];
    const prevent = vi.fn();
    w.webContentsEvents.get('will-navigate')!({ preventDefault: prevent });
    expect(prevent).toHaveBeenCalled();
    expect(w.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('installs a File menu with Open, Open Recent and Examples', () => {
    const menu = fake.menus.at(-1) as Array<{ label?: string; submenu?: Array<{ label?: string }> }>;
    const file = menu.find((m) => m.label === 'File')!;
    expect(file.submenu!.map((i) => i.label)).toEqual(expect.arrayContaining(['Open Config…', 'Open Recent', 'Examples']));
    expect(menu.map((m) => m.label)).toEqual(expect.arrayContaining(['View', 'Help']));
  });

  it('grants berth://app exactly its permissions (loopback fetches, clipboard writes) and denies the rest', () => {
    const check = fake.permissionCheck!;
    const ui = { requestingUrl: 'berth://app/index.html', isMainFrame: true };
    expect(check(null, 'loopback-network', 'berth://app', ui)).toBe(true);
    expect(check(null, 'local-network-access', 'berth://app', ui)).toBe(true);
    expect(check(null, 'clipboard-sanitized-write', 'berth://app', ui)).toBe(true);
    expect(check(null, 'media', 'berth://app', ui)).toBe(false);
    expect(check(null, 'loopback-network', 'https://evil.example', { requestingUrl: 'https://evil.example/' })).toBe(false);
    const cb = vi.fn();
    fake.permissionRequest!(null, 'loopback-network', cb, ui);
    fake.permissionRequest!(null, 'geolocation', cb, ui);
    expect(cb.mock.calls).toEqual([[true], [false]]);
  });

  it('uses safeStorage\'s async API only (the sync calls are deprecated in Electron 45)', () => {
    expect(fake.safeStorageCalls).toContain('isAsyncEncryptionAvailable');
    expect(fake.safeStorageCalls.filter((c) => ['isEncryptionAvailable', 'encryptString', 'decryptString'].includes(c))).toEqual([]);
  });

  it('gives the dev app its own data dir (so its own single-instance lock) and hands a second instance its resolved paths', () => {
    expect(fake.setPaths.userData).toBe(join(userData, 'appData', 'Berth Development'));
    expect(fake.lockData).toEqual({ berthConfigPaths: [join(trussDir, 'config.yaml')] });
    const before = calls.filter(([n]) => n === 'deployments.open').length;
    for (const fn of fake.appEvents.get('second-instance') ?? []) fn({}, ['/x/electron', '--some-chromium-switch', '.'], '/', { berthConfigPaths: [join(trussDir, 'config.yaml')] });
    return vi.waitFor(() => expect(calls.filter(([n]) => n === 'deployments.open').length).toBe(before + 1));
  });

  it('loads the tray icon from a file that exists', () => {
    const tray = fake.images.find((i) => i.path.endsWith('32x32.png'))!;
    expect(tray).toEqual({ path: join(appRoot, 'resources', 'icons', '32x32.png'), empty: false });
    expect((globalThis as { berthShellState?: { trayIcon: { empty: boolean } } }).berthShellState!.trayIcon.empty).toBe(false);
  });

  it('saves the window state when the window moves (debounced), not only on close', async () => {
    const w = fake.windows[0];
    expect(w.events.get('move')?.length).toBe(1);
    expect(w.events.get('resize')?.length).toBe(1);
    w.bounds = { x: 40, y: 30, width: 1100, height: 700 };
    for (let i = 0; i < 5; i++) w.events.get('move')![0]();
    const file = join(userData, 'window-state.json');
    await vi.waitFor(() => expect(existsSync(file) && JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 40, y: 30, width: 1100, height: 700, maximized: false }), { timeout: 3000 });
  });

  it('shows an error page instead of a blank window when the preload fails', () => {
    const w = fake.windows[0];
    w.webContentsEvents.get('preload-error')!({}, '/app/dist/app/preload.cjs', new Error('boom'));
    expect(w.loaded).toMatch(/^data:text\/html/);
    expect(decodeURIComponent(w.loaded!)).toContain('Berth could not start its window');
    expect(decodeURIComponent(w.loaded!)).toContain('boom');
  });

  it('stops containers through the runtime before quitting', async () => {
    const prevent = vi.fn();
    for (const fn of fake.appEvents.get('before-quit') ?? []) fn({ preventDefault: prevent });
    expect(prevent).toHaveBeenCalled();
    await vi.waitFor(() => expect(fakeRuntime.shutdown).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect((fake.module.app as { quit: ReturnType<typeof vi.fn> }).quit).toHaveBeenCalled());
  });
});
