// The Electron shell's pure parts: window state, argv paths, tray text, menu.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { configPathsFromArgv } from '../../../electron/app/argv-paths.js';
import { buildMenuTemplate } from '../../../electron/app/menu.js';
import { makeSenderCheck } from '../../../electron/app/security.js';
import { trayStatus } from '../../../electron/app/tray-status.js';
import { loadWindowState, saveWindowState, windowStateFile } from '../../../electron/app/window-state.js';
import type { DeploymentSummary } from '../../../shared/deployment.js';

const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('round-trips bounds and maximized, privately', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-ws-'));
    await saveWindowState(dir, { x: 100, y: 50, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(dir, displays)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
    if (process.platform !== 'win32') expect(statSync(windowStateFile(dir)).mode & 0o077).toBe(0);
  });

  it('drops a position on a display that is gone, clamps tiny sizes, survives junk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-ws-'));
    await saveWindowState(dir, { x: 5000, y: 50, width: 100, height: 100, maximized: false });
    expect(loadWindowState(dir, displays)).toEqual({ width: 800, height: 560, maximized: false });
    writeFileSync(windowStateFile(dir), '{not json');
    expect(loadWindowState(dir, displays)).toEqual({ width: 1280, height: 820, maximized: false });
  });
});

describe('argv paths', () => {
  it('keeps existing configs wherever they are, skipping the executable, the app folder and switches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-argv-'));
    writeFileSync(join(dir, 'config.yaml'), '');
    writeFileSync(join(dir, 'notes.txt'), '');
    const app = mkdtempSync(join(tmpdir(), 'berth-argv-app-'));
    expect(configPathsFromArgv(['electron', app, '--inspect', 'config.yaml', 'missing.yaml'], { cwd: dir, appPath: app })).toEqual([join(dir, 'config.yaml')]);
    expect(configPathsFromArgv(['/opt/Berth/berth-app', dir], { cwd: '/' })).toEqual([dir]);
    // Chromium may put its switches first and the app folder anywhere (second-instance argv).
    expect(configPathsFromArgv(['electron', '--enable-features=X', '--user-data-dir=/tmp/x', 'config.yaml', app, 'notes.txt', '.'], { cwd: dir, appPath: app })).toEqual([join(dir, 'config.yaml'), dir]);
    // The app folder given as '.' is never taken for a truss, even when it holds a config.yaml.
    writeFileSync(join(app, 'config.yaml'), '');
    expect(configPathsFromArgv(['electron', '.'], { cwd: app, appPath: app })).toEqual([]);
  });
});

describe('sender check', () => {
  it('accepts only the berth://app UI (and the dev server when set)', () => {
    const check = makeSenderCheck(null);
    expect(check('berth://app/index.html')).toBe(true);
    expect(check('berth://app/index.html#/deployments/abc')).toBe(true);
    for (const url of [
      'file:///opt/berth/dist/renderer/index.html',
      'https://evil.example/',
      'berth://evil/index.html',
      'berth://app.evil.example/',
      'berth://app:8080/index.html',
      'berth://user@app/index.html',
      'http://localhost:5173/',
      'about:blank',
      'not a url',
      '',
      undefined,
      null,
    ]) {
      expect(check(url), String(url)).toBe(false);
    }
    const dev = makeSenderCheck('http://localhost:5173');
    expect(dev('http://localhost:5173/#/d')).toBe(true);
    expect(dev('berth://app/index.html')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
    expect(dev('file:///x/index.html')).toBe(false);
    // An opaque dev origin ("null") must not let about:blank or data: frames through.
    expect(makeSenderCheck('data:text/html,x')('about:blank')).toBe(false);
    expect(makeSenderCheck('not a url')('about:blank')).toBe(false);
  });
});

describe('tray and menu', () => {
  const s = (name: string) => ({ state: { name } }) as DeploymentSummary;
  it('summarises deployments', () => {
    expect(trayStatus([])).toBe('Berth: 0 ready');
    expect(trayStatus([s('ready'), s('ready'), s('pulling'), s('crash_loop')])).toBe('Berth: 2 ready, 1 starting, 1 need attention');
  });
  it('menu items call their actions', () => {
    const a = { openConfigDialog: vi.fn(), openPath: vi.fn(), openDocs: vi.fn(), openDataDir: vi.fn(), showAbout: vi.fn() };
    const t = buildMenuTemplate([{ path: '/a/config.yaml', modelName: 'a', openedAt: 1, exists: true }], [{ name: 'ex', path: '/ex/config.yaml', modelName: 'Ex', description: '', accelerator: 'H100' }], a, 'linux');
    const file = t.find((m) => m.label === 'File')!.submenu!;
    file.find((i) => i.label === 'Open Config…')!.click!();
    file.find((i) => i.label === 'Open Recent')!.submenu![0].click!();
    file.find((i) => i.label === 'Examples')!.submenu![0].click!();
    expect(a.openConfigDialog).toHaveBeenCalled();
    expect(a.openPath.mock.calls).toEqual([['/a/config.yaml'], ['/ex/config.yaml']]);
    expect(file.find((i) => i.label === 'Examples')!.submenu![0].label).toBe('Ex (H100)');
  });
});
