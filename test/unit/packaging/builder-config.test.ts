// electron-builder.yml checked with electron-builder's own validator (its JSON schema), plus
// the facts packaging relies on. The full package build is `npm run check:package` (slow).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const root = resolve(__dirname, '../../..');
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('electron-builder.yml', () => {
  it('passes electron-builder schema validation', async () => {
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the validator does reject a wrong config (so the check above means something)', async () => {
    await expect(validateConfiguration({ ...structuredClone(config), linux: { ...config.linux, categroy: 'x' } }, new DebugLogger(false))).rejects.toThrow(/configuration\.linux/);
  });

  it('names the app and packs everything into an asar', () => {
    expect(config.appId).toBe('dev.berth.app');
    expect(config.productName).toBe('Berth');
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'resources/**', 'package.json']));
    expect(config.asarUnpack).toContain('resources/examples/**');
    // The catalog is copied from resourcesDir (the unpacked folder) by Run and Copy to...
    expect(config.asarUnpack).toContain('resources/catalog/**');
    // The tray icon is read from app.asar.unpacked (electron/app/app-paths.ts).
    expect(config.asarUnpack).toContain('resources/icons/*.png');
  });

  it('turns on the hardening fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      // Unsigned macOS arm64 builds are killed after the flip unless re-signed ad hoc.
      resetAdHocDarwinSignature: true,
    });
  });

  it('names the window class consistently: desktopName, the .desktop file name and StartupWMClass', () => {
    // Electron 45 takes the Wayland app_id and X11 WM_CLASS from package.json desktopName.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.desktopName).toBe('dev.berth.app.desktop');
    const wmClass = pkg.desktopName.replace(/\.desktop$/, '');
    expect(wmClass).toBe(config.appId);
    expect(config.linux.syncDesktopName).toBe(true);
    expect(config.linux.desktop.entry.StartupWMClass).toBe(wmClass);
    expect(readFileSync(join(root, 'resources/linux/berth.desktop'), 'utf8')).toMatch(new RegExp(`^StartupWMClass=${wmClass.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('states the Node versions: engines for running and testing, README for the Electron download and packaging (22.12+)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=20.19.0');
    // What the packaging tools themselves declare.
    for (const dep of ['electron', '@electron/get', '@electron/rebuild']) {
      const engines = JSON.parse(readFileSync(join(root, 'node_modules', dep, 'package.json'), 'utf8')).engines;
      expect(engines.node.replace(/\s/g, ''), dep).toBe('>=22.12.0');
    }
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(/Node\.js 22\.12/);
  });

  it('targets AppImage + deb (Development), nsis and dmg, with a 512x512 icon', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Development');
    expect(config.linux.desktop.entry.Categories).toMatch(/^Development;/);
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
    expect(pngSize(join(root, 'resources/icons/512x512.png'))).toEqual([512, 512]);
    expect(pngSize(join(root, config.win.icon))).toEqual([512, 512]);
    expect(existsSync(join(root, 'resources/icons/icon.svg'))).toBe(true);
    expect(readFileSync(join(root, 'resources/linux/berth.desktop'), 'utf8')).toMatch(/^Categories=Development;$/m);
  });

  it('the main entry in package.json is what the build produces', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/app/main.cjs');
    expect(pkg.scripts.dist).toMatch(/electron-builder/);
  });
});
