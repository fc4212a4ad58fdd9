import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SecretStore } from '../../../electron/engine/secrets/store.js';
import type { Encryptor } from '../../../electron/engine/secrets/encryptor.js';
import { BerthError } from '../../../shared/errors.js';

const VALUE = 'hf_SuperSecretTokenValue_12345';
let home: string;
let file: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'berth-secrets-'));
  file = join(home, 'data', 'secrets.json');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BerthError) return e;
    throw e;
  }
  throw new Error('expected a BerthError');
}

describe('SecretStore', () => {
  it('sets, gets, lists names only, and deletes', async () => {
    const s = new SecretStore({ file });
    expect(await s.get('hf_access_token')).toBeNull();
    await s.set('hf_access_token', VALUE);
    await s.set('dockerhub-password', 'pw-2');
    expect(await s.get('hf_access_token')).toBe(VALUE);
    const list = await s.list();
    expect(list.map((x) => x.name)).toEqual(['dockerhub-password', 'hf_access_token']);
    expect(JSON.stringify(list)).not.toContain(VALUE);
    expect(list[1]).toMatchObject({ protectedBy: 'file-0600', readable: true });
    expect(await s.delete('hf_access_token')).toBe(true);
    expect(await s.delete('hf_access_token')).toBe(false);
    expect(await s.get('hf_access_token')).toBeNull();
    // A new instance reads what was persisted.
    expect(await new SecretStore({ file }).get('dockerhub-password')).toBe('pw-2');
  });

  it('writes the file 0600 in a 0700 dir, atomically (no temp files left)', async () => {
    const s = new SecretStore({ file });
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.set(`k${i}`, `v${i}`)));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'data')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(home, 'data'))).toEqual(['secrets.json']);
    expect((await s.list()).length).toBe(20); // concurrent sets all persisted
    JSON.parse(readFileSync(file, 'utf8'));
  });

  it('never shows values through JSON, inspect or errors', async () => {
    const s = new SecretStore({ file });
    await s.set('hf_access_token', VALUE);
    expect(JSON.stringify(s)).not.toContain(VALUE);
    expect(inspect(s, { depth: 5, showHidden: true })).not.toContain(VALUE);
    const e = await rejection(s.resolveForPlan(['hf_access_token', 'missing_one']));
    expect(`${e.message} ${e.hint} ${JSON.stringify(e)}`).not.toContain(VALUE);
  });

  it('resolveForPlan returns values, or one SECRET_MISSING error naming every missing secret', async () => {
    const s = new SecretStore({ file });
    await s.set('a', '1');
    await s.set('b', '2');
    expect(await s.resolveForPlan(['a', 'b', 'a'])).toEqual({ a: '1', b: '2' });
    expect(await s.resolveForPlan([])).toEqual({});
    const e = await rejection(s.resolveForPlan(['a', 'hf_access_token', 'openai_key']));
    expect(e.code).toBe('SECRET_MISSING');
    expect(e.message).toMatch(/Secrets not set: hf_access_token, openai_key\./);
    expect(e.hint).toMatch(/berth secrets set hf_access_token/);
    expect(e.hint).toMatch(/Secrets screen/);
    expect(e.hint).toMatch(/~\/\.truss\/config\.yaml/);
  });

  it('rejects unsafe names and empty values without touching the file', async () => {
    const s = new SecretStore({ file });
    for (const bad of ['../etc/passwd', 'a/b', '.hidden', '', 'x'.repeat(200), 'with space']) {
      expect((await rejection(s.set(bad, 'v'))).code).toBe('BAD_REQUEST');
    }
    expect((await rejection(s.set('ok', ''))).code).toBe('BAD_REQUEST');
    expect(() => statSync(file)).toThrow();
  });

  it('keeps internal secrets out of list() and plan resolution', async () => {
    const s = new SecretStore({ file });
    await s.setInternal('gatewayApiKey', 'berth_key');
    expect(await s.list()).toEqual([]);
    expect(await s.getInternal('gatewayApiKey')).toBe('berth_key');
    expect((await rejection(s.resolveForPlan(['gatewayApiKey']))).code).toBe('SECRET_MISSING');
  });

  it('a corrupt file gives an actionable error that does not quote its content', async () => {
    const s = new SecretStore({ file });
    await s.set('a', VALUE);
    writeFileSync(file, `{"secrets": {"a": {"enc":"file-0600","value":"${VALUE}"`);
    const e = await rejection(s.get('a'));
    expect(e.hint).toMatch(/Move .* aside/);
    expect(`${e.message} ${e.hint}`).not.toContain(VALUE);
  });

  // Electron's safeStorage cannot run here (no Electron binary); this reversible stand-in plays
  // its part to test that the store honours the Encryptor interface and mixed files.
  const fakeKeychain: Encryptor = {
    id: 'electron-safe-storage',
    encrypt: (p) => 'enc:' + Buffer.from(p).toString('base64').split('').reverse().join(''),
    decrypt: (s) => Buffer.from(s.slice(4).split('').reverse().join(''), 'base64').toString(),
  };

  it('stores through the Encryptor: the file holds no plain value', async () => {
    const s = new SecretStore({ file, encryptor: fakeKeychain });
    await s.set('hf_access_token', VALUE);
    expect(readFileSync(file, 'utf8')).not.toContain(VALUE);
    expect(await s.get('hf_access_token')).toBe(VALUE);
  });

  it('app and CLI share one file: each reads file-mode entries; keychain entries are reported, kept, never clobbered', async () => {
    const app = new SecretStore({ file, encryptor: fakeKeychain });
    const cli = new SecretStore({ file });
    await app.set('from_app', VALUE);
    await cli.set('from_cli', 'cli-value');
    expect(await app.get('from_cli')).toBe('cli-value');
    const listed = await cli.list();
    expect(listed.find((x) => x.name === 'from_app')).toMatchObject({ readable: false, protectedBy: 'electron-safe-storage' });
    const e = await rejection(cli.resolveForPlan(['from_app', 'from_cli']));
    expect(e.message).toMatch(/OS keychain and not readable here: from_app/);
    await cli.set('another', 'x'); // a CLI write keeps the app's entry intact
    expect(await app.get('from_app')).toBe(VALUE);
  });
});
