import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretStore } from '../../../electron/engine/secrets/store.js';
import { BerthError } from '../../../shared/errors.js';

let dir: string;
let store: SecretStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-truss-import-'));
  store = new SecretStore({ file: join(dir, 'home', 'secrets.json') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// The layout `truss login` / Truss docs use for ~/.truss/config.yaml.
const TRUSS_CONFIG = `remotes:
  baseten:
    api_key: abcdefg.hijklmnop
    remote_provider: baseten
    remote_url: https://app.baseten.co
secrets:
  hf_access_token: hf_importedTokenValue
  openai_api_key: sk-imported
  empty_one:
  numeric_pin: 1234
  "bad/name": nope
`;

describe('importFromTrussConfig', () => {
  it('imports the secrets: map, skipping empty values and unsafe names', async () => {
    const p = join(dir, 'config.yaml');
    writeFileSync(p, TRUSS_CONFIG);
    const r = await store.importFromTrussConfig(p);
    expect(r.imported.sort()).toEqual(['hf_access_token', 'numeric_pin', 'openai_api_key']);
    expect(r.skipped).toEqual([
      { name: 'empty_one', reason: 'no value in the Truss config' },
      { name: 'bad/name', reason: 'not a valid secret name' },
    ]);
    expect(await store.get('hf_access_token')).toBe('hf_importedTokenValue');
    expect(await store.get('numeric_pin')).toBe('1234');
    // The Baseten API key under remotes: is not a model secret and is not imported.
    expect((await store.list()).map((s) => s.name)).not.toContain('api_key');
  });

  it('keeps existing Berth values unless overwrite', async () => {
    const p = join(dir, 'config.yaml');
    writeFileSync(p, TRUSS_CONFIG);
    await store.set('hf_access_token', 'newer-in-berth');
    const r = await store.importFromTrussConfig(p);
    expect(r.kept).toEqual(['hf_access_token']);
    expect(await store.get('hf_access_token')).toBe('newer-in-berth');
    const r2 = await store.importFromTrussConfig(p, { overwrite: true });
    expect(r2.imported).toContain('hf_access_token');
    expect(await store.get('hf_access_token')).toBe('hf_importedTokenValue');
  });

  it('a missing file is NOT_FOUND with a hint', async () => {
    const e = await store.importFromTrussConfig(join(dir, 'nope.yaml')).catch((x) => x);
    expect(e).toBeInstanceOf(BerthError);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.hint).toMatch(/berth secrets set NAME/);
  });

  it('invalid YAML gives the position but never quotes the line (it may hold a token)', async () => {
    const p = join(dir, 'config.yaml');
    writeFileSync(p, 'secrets:\n  hf_access_token: "hf_leakyValue\n  other: [unclosed\n');
    const e = await store.importFromTrussConfig(p).catch((x) => x);
    expect(e).toBeInstanceOf(BerthError);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/line \d+, column \d+/);
    expect(`${e.message} ${e.hint}`).not.toContain('hf_leakyValue');
  });

  it('a file without secrets imports nothing', async () => {
    const p = join(dir, 'config.yaml');
    writeFileSync(p, 'remotes: {}\n');
    expect(await store.importFromTrussConfig(p)).toEqual({ file: p, imported: [], kept: [], skipped: [] });
  });
});
