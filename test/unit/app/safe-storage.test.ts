// Which encryptor protects the app's secrets. Electron's safeStorage on Linux without a
// keyring (no Secret Service, no KWallet) falls back to `basic_text`: a fixed, public key,
// which is not the OS keychain the README promises. Then the app keeps secrets the way the
// CLI does (a 0600 file), says so in its log, and still reads what safeStorage stored before.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseAppEncryptor, chooseAppEncryptorAsync, safeStorageEncryptor, type SafeStorageLike } from '../../../electron/engine/secrets/encryptor.js';
import { SecretStore } from '../../../electron/engine/secrets/store.js';
import { EventBus } from '../../../electron/engine/service/event-bus.js';
import { makeFakeElectron, type FakeElectron } from './fake-electron.js';

const userData = mkdtempSync(join(tmpdir(), 'berth-app-safe-'));
const appRoot = mkdtempSync(join(tmpdir(), 'berth-app-safe-root-'));
mkdirSync(join(appRoot, 'dist', 'renderer'), { recursive: true });
writeFileSync(join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html>');

let fake: FakeElectron;
const runtimeOptions: Array<{ encryptor?: { id: string } }> = [];
const fakeRuntime = {
  dataDir: userData,
  service: { events: new EventBus(), handle: vi.fn(async () => ({ ok: true, result: [] })) },
  shutdown: vi.fn(async () => {}),
};
vi.mock('electron', () => fake.module);
vi.mock('../../../electron/engine/service/runtime.js', () => ({
  createBerthRuntime: vi.fn(async (o: { encryptor?: { id: string } }) => {
    runtimeOptions.push(o);
    return fakeRuntime;
  }),
}));

const warnings: string[] = [];
const warnSpy = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warnings.push(a.map(String).join(' ')));

beforeAll(async () => {
  fake = makeFakeElectron(userData, appRoot);
  // Linux desktop without a keyring: safeStorage "works", with basic_text.
  fake.safeStorage = { available: true, backend: 'basic_text' };
  process.argv = ['/usr/bin/electron', '.'];
  await import('../../../electron/app/main.js');
  await vi.waitFor(() => expect(runtimeOptions).toHaveLength(1), { timeout: 5000 });
});
afterAll(() => warnSpy.mockRestore());

function safe(o: { available: boolean; backend?: string }): SafeStorageLike {
  const f = makeFakeElectron(userData, appRoot);
  f.ready = true;
  f.safeStorage = { available: o.available, backend: o.backend ?? 'unknown' };
  const s = f.module.safeStorage as SafeStorageLike;
  if (o.backend === undefined) delete (s as { getSelectedStorageBackend?: unknown }).getSelectedStorageBackend;
  return s;
}

describe('the app\'s secret encryptor (safeStorage backend detection)', () => {
  it('Linux with a keyring (libsecret, KWallet): safeStorage, no warning', () => {
    for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']) {
      const c = chooseAppEncryptor(safe({ available: true, backend }), 'linux');
      expect(c).toMatchObject({ protection: 'os-keychain', backend, warning: null });
      expect(c.encryptor.id).toBe('electron-safe-storage');
    }
  });

  it('Linux on basic_text (or an undetermined backend): the 0600 file store, with a warning that says why', () => {
    for (const backend of ['basic_text', 'unknown']) {
      const c = chooseAppEncryptor(safe({ available: true, backend }), 'linux');
      expect(c.protection).toBe('file-0600');
      expect(c.encryptor.id).toBe('file-0600');
      expect(c.warning).toMatch(/keyring/);
      expect(c.warning).toMatch(/0600/);
    }
  });

  it('macOS and Windows (no backend to ask): safeStorage; nothing available anywhere: the file store', () => {
    expect(chooseAppEncryptor(safe({ available: true }), 'darwin').encryptor.id).toBe('electron-safe-storage');
    expect(chooseAppEncryptor(safe({ available: true }), 'win32').protection).toBe('os-keychain');
    const none = chooseAppEncryptor(safe({ available: false }), 'darwin');
    expect(none.encryptor.id).toBe('file-0600');
    expect(none.warning).toMatch(/0600/);
  });

  it('secrets safeStorage stored earlier (basic_text) stay readable after the switch to the file store', async () => {
    const file = join(userData, 'switch', 'secrets.json');
    const s = safe({ available: true, backend: 'basic_text' });
    await new SecretStore({ file, encryptor: safeStorageEncryptor(s)! }).set('old_token', 'old-value');
    const store = new SecretStore({ file, encryptor: chooseAppEncryptor(s, 'linux').encryptor });
    expect(await store.get('old_token')).toBe('old-value');
    expect(await store.resolveForPlan(['old_token'])).toEqual({ old_token: 'old-value' });
    await store.set('new_token', 'new-value');
    expect((await store.list()).map((l) => [l.name, l.protectedBy, l.readable])).toEqual([
      ['new_token', 'file-0600', true],
      ['old_token', 'electron-safe-storage', true],
    ]);
  });

  it('Electron 45 async API: new values go through encryptStringAsync, and values the sync API wrote still open', async () => {
    const f = makeFakeElectron(userData, appRoot);
    f.ready = true;
    f.safeStorage = { available: true, backend: 'gnome_libsecret' };
    const s = f.module.safeStorage as SafeStorageLike;
    const file = join(userData, 'async', 'secrets.json');
    await new SecretStore({ file, encryptor: safeStorageEncryptor(s)! }).set('sync_written', 'v1');
    const c = await chooseAppEncryptorAsync(s, 'linux');
    expect(c).toMatchObject({ protection: 'os-keychain', backend: 'gnome_libsecret', warning: null });
    f.safeStorageCalls.length = 0;
    const store = new SecretStore({ file, encryptor: c.encryptor });
    await store.set('async_written', 'v2');
    expect(await store.get('sync_written')).toBe('v1');
    expect(await store.resolveForPlan(['async_written', 'sync_written'])).toEqual({ async_written: 'v2', sync_written: 'v1' });
    expect(new Set(f.safeStorageCalls)).toEqual(new Set(['encryptStringAsync', 'decryptStringAsync']));
    // basic_text through the async API is still not a keychain.
    f.safeStorage.backend = 'basic_text';
    expect((await chooseAppEncryptorAsync(s, 'linux')).protection).toBe('file-0600');
  });

  it('main (on Linux) hands the runtime the file store and logs the warning when safeStorage is on basic_text', () => {
    if (process.platform !== 'linux') return;
    expect(runtimeOptions[0].encryptor?.id).toBe('file-0600');
    expect(warnings.join('\n')).toMatch(/basic_text/);
  });
});
