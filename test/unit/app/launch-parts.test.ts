// The launch-related parts of the Electron shell that need no Electron: packaged paths, the
// Linux sandbox detector, the dev Electron binary lookup, permissions, bounded quit,
// debounced window state, startup options, the second-instance paths, the production menu
// and the error page.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appPaths } from '../../../electron/app/app-paths.js';
import { secondInstancePaths } from '../../../electron/app/argv-paths.js';
import { locateElectron, missingElectronMessage, nodeCanFetchElectron, platformBinary } from '../../../electron/app/electron-binary.js';
import { errorPageUrl, preloadErrorPageUrl } from '../../../electron/app/error-page.js';
import { findApparmorProfile, formatSandboxProblem, readSandboxFacts, sandboxProblem, type SandboxFacts } from '../../../electron/app/linux-sandbox.js';
import { buildMenuTemplate } from '../../../electron/app/menu.js';
import { installPermissionHandlers, permissionAllowed, type PermissionSession } from '../../../electron/app/permissions.js';
import { boundedShutdown, shutdownWarning } from '../../../electron/app/quit.js';
import { makeSenderCheck } from '../../../electron/app/security.js';
import { DISABLE_HW_ACCEL_SWITCH, hardwareAccelerationOff, userDataDirFor } from '../../../electron/app/startup-options.js';
import { debounce } from '../../../electron/app/window-state.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

describe('packaged paths (app-paths.ts)', () => {
  it('reads the UI and preload from app.asar, examples and the tray icon from app.asar.unpacked', () => {
    const p = appPaths({ isPackaged: true, appPath: '/opt/Berth/resources/app.asar', resourcesPath: '/opt/Berth/resources' });
    expect(p.rendererIndex).toMatchObject({ path: '/opt/Berth/resources/app.asar/dist/renderer/index.html', inAsar: true });
    expect(p.preload).toMatchObject({ path: '/opt/Berth/resources/app.asar/dist/app/preload.cjs', inAsar: true });
    expect(p.examplesDir).toMatchObject({ path: '/opt/Berth/resources/app.asar.unpacked/resources/examples', inAsar: false });
    expect(p.trayIcon).toMatchObject({ path: '/opt/Berth/resources/app.asar.unpacked/resources/icons/32x32.png', inAsar: false });
  });

  it('in development everything comes from the checkout', () => {
    const p = appPaths({ isPackaged: false, appPath: '/src/berth', resourcesPath: '/src/berth/node_modules/electron/dist/resources' });
    expect(Object.values(p).every((x) => x.path.startsWith('/src/berth/') && !x.inAsar)).toBe(true);
    expect(p.trayIcon.path).toBe('/src/berth/resources/icons/32x32.png');
  });
});

describe('Linux sandbox detector', () => {
  const base: SandboxFacts = {
    platform: 'linux',
    apparmorRestrictUserns: '1\n',
    unprivilegedUsernsClone: null,
    chromeSandbox: { path: '/src/berth/node_modules/electron/dist/chrome-sandbox', uid: 1000, mode: 0o100755 },
    apparmorProfileFor: null,
    electronBinary: '/src/berth/node_modules/electron/dist/electron',
  };

  it('Ubuntu 24.04 dev checkout (userns restricted, chrome-sandbox not setuid root): names the problem and the fixes', () => {
    const p = sandboxProblem(base)!;
    expect(p.reason).toMatch(/apparmor_restrict_unprivileged_userns=1/);
    expect(p.reason).toMatch(/owned by uid 1000, not root with mode 755/);
    const text = formatSandboxProblem(p);
    expect(text).toContain('sudo chown root:root /src/berth/node_modules/electron/dist/chrome-sandbox && sudo chmod 4755 /src/berth/node_modules/electron/dist/chrome-sandbox');
    expect(text).toContain('profile berth-electron-dev /src/berth/node_modules/electron/dist/electron');
    expect(text).toMatch(/userns,/);
    expect(text).toMatch(/\.deb/);
    expect(text).not.toMatch(/--no-sandbox/);
  });

  it('no problem: not Linux, no restriction, a setuid-root helper, or an AppArmor profile for the binary', () => {
    expect(sandboxProblem({ ...base, platform: 'darwin' })).toBeNull();
    expect(sandboxProblem({ ...base, apparmorRestrictUserns: '0\n' })).toBeNull();
    expect(sandboxProblem({ ...base, apparmorRestrictUserns: null })).toBeNull();
    expect(sandboxProblem({ ...base, chromeSandbox: { ...base.chromeSandbox!, uid: 0, mode: 0o104755 } })).toBeNull();
    expect(sandboxProblem({ ...base, apparmorProfileFor: '/etc/apparmor.d/berth-electron-dev' })).toBeNull();
  });

  it('root-owned but not setuid, or missing helper, is still a problem; userns_clone=0 is one a profile does not fix', () => {
    expect(sandboxProblem({ ...base, chromeSandbox: { ...base.chromeSandbox!, uid: 0, mode: 0o100755 } })!.reason).toMatch(/owned by root with mode 755/);
    expect(sandboxProblem({ ...base, chromeSandbox: null })!.reason).toMatch(/no chrome-sandbox helper/);
    const p = sandboxProblem({ ...base, apparmorRestrictUserns: null, unprivilegedUsernsClone: '0', apparmorProfileFor: '/etc/apparmor.d/x' })!;
    expect(p.reason).toMatch(/unprivileged_userns_clone=0/);
    expect(p.fixes.join('\n')).toMatch(/sysctl kernel.unprivileged_userns_clone=1/);
  });

  it('reads the facts from /proc, the helper and /etc/apparmor.d (a fake root here)', () => {
    const root = tmp('berth-sbx-');
    mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
    mkdirSync(join(root, 'etc/apparmor.d'), { recursive: true });
    writeFileSync(join(root, 'proc/sys/kernel/apparmor_restrict_unprivileged_userns'), '1\n');
    const dist = join(root, 'electron-dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'electron'), '');
    writeFileSync(join(dist, 'chrome-sandbox'), '');
    chmodSync(join(dist, 'chrome-sandbox'), 0o755);
    const f = readSandboxFacts(join(dist, 'electron'), root);
    expect(f.apparmorRestrictUserns).toBe('1\n');
    expect(f.unprivilegedUsernsClone).toBeNull();
    expect(f.chromeSandbox).toMatchObject({ path: join(dist, 'chrome-sandbox'), uid: process.getuid!() });
    expect(f.chromeSandbox!.mode & 0o7777).toBe(0o755);
    expect(f.apparmorProfileFor).toBeNull();
    writeFileSync(join(root, 'etc/apparmor.d/other'), 'profile other /usr/bin/other { userns, }');
    writeFileSync(join(root, 'etc/apparmor.d/berth'), `profile berth ${join(dist, 'electron')} flags=(unconfined) {\n  userns,\n}\n`);
    expect(findApparmorProfile(join(dist, 'electron'), join(root, 'etc/apparmor.d'))).toBe(join(root, 'etc/apparmor.d/berth'));
    if (process.platform === 'linux' && process.getuid!() !== 0) expect(sandboxProblem(readSandboxFacts(join(dist, 'electron'), root))).toBeNull();
  });
});

describe('the dev Electron binary', () => {
  it('is found through path.txt or ELECTRON_OVERRIDE_DIST_PATH, without downloading', () => {
    const pkg = tmp('berth-electron-pkg-');
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ version: '45.4.1' }));
    const missing = locateElectron(pkg, {}, 'linux');
    expect(missing).toEqual({ path: join(pkg, 'dist', 'electron'), exists: false, version: '45.4.1' });
    expect(missingElectronMessage(missing, 'v20.20.2')).toMatch(/Electron 45\.4\.1 binary is not installed .*Node 22\.12 or newer \(this is Node v20\.20\.2/);
    expect(missingElectronMessage(missing, 'v22.12.0')).not.toMatch(/this is Node/);
    mkdirSync(join(pkg, 'dist', 'Electron.app', 'Contents', 'MacOS'), { recursive: true });
    writeFileSync(join(pkg, 'dist', 'Electron.app', 'Contents', 'MacOS', 'Electron'), '');
    writeFileSync(join(pkg, 'path.txt'), platformBinary('darwin'));
    expect(locateElectron(pkg, {}, 'linux').exists).toBe(true);
    expect(locateElectron(pkg, { ELECTRON_OVERRIDE_DIST_PATH: '/nowhere' }, 'linux')).toMatchObject({ path: '/nowhere/Electron.app/Contents/MacOS/Electron', exists: false });
    expect(platformBinary('win32')).toBe('electron.exe');
  });

  it('knows which Node can fetch it', () => {
    expect(nodeCanFetchElectron('v20.19.0')).toBe(false);
    expect(nodeCanFetchElectron('v22.11.0')).toBe(false);
    expect(nodeCanFetchElectron('v22.12.0')).toBe(true);
    expect(nodeCanFetchElectron('v24.1.0')).toBe(true);
  });
});

describe('permissions', () => {
  const ui = makeSenderCheck(null);
  it('grants berth://app loopback fetches and clipboard writes, nothing else, and nothing to other origins', () => {
    for (const p of ['loopback-network', 'local-network', 'local-network-access', 'clipboard-sanitized-write']) expect(permissionAllowed(p, 'berth://app/index.html', ui), p).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'usb', 'serial', 'unknown']) expect(permissionAllowed(p, 'berth://app/index.html', ui), p).toBe(false);
    for (const url of ['https://evil.example/', 'file:///x.html', 'berth://other/', 'data:text/html,x', '', null, undefined]) expect(permissionAllowed('loopback-network', url, ui), String(url)).toBe(false);
  });

  it('installs a check and a request handler that apply the same rule', () => {
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] = null;
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] = null;
    installPermissionHandlers({ setPermissionCheckHandler: (h) => (check = h), setPermissionRequestHandler: (h) => (request = h) }, ui);
    expect(check!(null, 'loopback-network', 'berth://app', { requestingUrl: 'berth://app/index.html' })).toBe(true);
    expect(check!(null, 'loopback-network', 'https://evil.example', { requestingUrl: 'berth://app/index.html' })).toBe(false);
    expect(check!(null, 'media', 'berth://app', { requestingUrl: 'berth://app/index.html' })).toBe(false);
    const cb = vi.fn();
    request!(null, 'local-network-access', cb, { requestingUrl: 'berth://app/index.html#/d/x/playground' });
    request!(null, 'notifications', cb, { requestingUrl: 'berth://app/index.html' });
    request!(null, 'local-network-access', cb, { requestingUrl: 'https://evil.example/' });
    expect(cb.mock.calls).toEqual([[true], [false], [false]]);
  });
});

describe('bounded quit', () => {
  afterEach(() => vi.useRealTimers());
  it('returns when shutdown finishes, fails, or hangs past the bound', async () => {
    expect(await boundedShutdown(async () => {}, 1000)).toEqual({ kind: 'done' });
    const failed = await boundedShutdown(async () => Promise.reject(new Error('engine gone')), 1000);
    expect(failed.kind).toBe('failed');
    expect(shutdownWarning(failed)).toMatch(/engine gone.*docker ps --filter label=dev\.berth\.owner/);
    vi.useFakeTimers();
    const hung = boundedShutdown(() => new Promise<void>(() => {}), 20_000);
    await vi.advanceTimersByTimeAsync(20_000);
    const o = await hung;
    expect(o).toEqual({ kind: 'timed-out', afterMs: 20_000 });
    expect(shutdownWarning(o)).toMatch(/within 20 s; Berth quit anyway/);
    expect(shutdownWarning({ kind: 'done' })).toBeNull();
  });
});

describe('debounced window-state saves', () => {
  afterEach(() => vi.useRealTimers());
  it('saves once after a burst of move/resize events, and flush saves a pending one at once', async () => {
    vi.useFakeTimers();
    const save = vi.fn();
    const d = debounce(save, 500);
    for (let i = 0; i < 20; i++) d();
    await vi.advanceTimersByTimeAsync(499);
    expect(save).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(1);
    d();
    d.flush();
    expect(save).toHaveBeenCalledTimes(2);
    d.flush(); // nothing pending
    d();
    d.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(save).toHaveBeenCalledTimes(2);
  });
});

describe('startup options', () => {
  it('hardware acceleration is off by switch or by the settings file, and on otherwise (also for a broken file)', () => {
    const dir = tmp('berth-hw-');
    expect(hardwareAccelerationOff(['electron', '.'], dir)).toEqual({ off: false, why: null });
    expect(hardwareAccelerationOff(['berth-app', DISABLE_HW_ACCEL_SWITCH], dir).off).toBe(true);
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ disableHardwareAcceleration: true }));
    expect(hardwareAccelerationOff(['berth-app'], dir)).toEqual({ off: true, why: 'the disableHardwareAcceleration setting is on' });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ disableHardwareAcceleration: 'yes' }));
    expect(hardwareAccelerationOff(['berth-app'], dir).off).toBe(false);
    writeFileSync(join(dir, 'settings.json'), '{oops');
    expect(hardwareAccelerationOff(['berth-app'], dir).off).toBe(false);
  });

  it('the dev app has its own data dir (and lock); the installed app keeps Electron\'s; --user-data-dir wins', () => {
    expect(userDataDirFor({ isPackaged: true, appData: '/home/u/.config', current: '/home/u/.config/Berth', switchValue: '' })).toBe('/home/u/.config/Berth');
    expect(userDataDirFor({ isPackaged: false, appData: '/home/u/.config', current: '/home/u/.config/berth', switchValue: '' })).toBe('/home/u/.config/Berth Development');
    expect(userDataDirFor({ isPackaged: false, appData: '/a', current: '/a/berth', switchValue: '/tmp/smoke' })).toBe('/tmp/smoke');
  });
});

describe('second instance', () => {
  it('takes the paths the second instance resolved, else parses its argv; drops anything that is not a config', () => {
    const dir = tmp('berth-2nd-');
    writeFileSync(join(dir, 'config.yaml'), '');
    expect(secondInstancePaths({ berthConfigPaths: [join(dir, 'config.yaml'), join(dir, 'gone.yaml'), '/etc/passwd'] }, ['x', '--junk'], { cwd: '/' })).toEqual([join(dir, 'config.yaml')]);
    expect(secondInstancePaths(null, ['berth-app', '--enable-features=X', 'config.yaml'], { cwd: dir })).toEqual([join(dir, 'config.yaml')]);
    expect(secondInstancePaths({ berthConfigPaths: [1, 2] }, ['berth-app', dir], { cwd: '/' })).toEqual([dir]);
  });
});

describe('production menu', () => {
  const a = { openConfigDialog: vi.fn(), openPath: vi.fn(), openDocs: vi.fn(), openDataDir: vi.fn(), showAbout: vi.fn() };
  const roles = (t: ReturnType<typeof buildMenuTemplate>) => t.find((m) => m.label === 'View')!.submenu!.map((i) => i.role ?? i.type);
  it('has no Reload or Developer Tools unless devTools (development) is asked for', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const prod = roles(buildMenuTemplate([], [], a, platform));
      expect(prod).not.toContain('reload');
      expect(prod).not.toContain('toggleDevTools');
      expect(prod[0]).toBe('resetZoom');
    }
    expect(roles(buildMenuTemplate([], [], a, 'linux', { devTools: true })).slice(0, 2)).toEqual(['reload', 'toggleDevTools']);
  });
});

describe('error page', () => {
  it('is a script-free data: page that escapes what it shows', () => {
    const url = preloadErrorPageUrl('/app/dist/app/preload.cjs', new Error('<img src=x onerror=alert(1)>'));
    expect(url.startsWith('data:text/html;charset=utf-8,')).toBe(true);
    const html = decodeURIComponent(url.slice('data:text/html;charset=utf-8,'.length));
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toMatch(/Berth could not start its window/);
    expect(html).toMatch(/npm run build/);
    expect(decodeURIComponent(errorPageUrl('T', 'D', 'W'))).toContain('<h1>T</h1>');
  });
});
