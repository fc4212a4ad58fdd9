// `berth secrets` as a real process: values go in through stdin or a file, never argv, and
// never come back out on stdout/stderr.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berth, buildCli } from './cli-process.js';

const VALUE = 'hf_cliSecretValue_9f8e7d';
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await buildCli();
  home = mkdtempSync(join(tmpdir(), 'berth-secrets-cli-'));
  env = { ...process.env, BERTH_HOME: join(home, 'berth'), HOME: home };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('berth secrets', () => {
  it('set reads the value from stdin; list shows the name only', async () => {
    const set = await berth(['secrets', 'set', 'hf_access_token'], { env, input: `${VALUE}\n` });
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Saved secret hf_access_token.\n');
    const file = join(home, 'berth', 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).secrets.hf_access_token.value).toBe(VALUE); // trailing newline dropped
    const list = await berth(['secrets', 'list'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +UPDATED\nhf_access_token +\d+s ago\n$/);
    const json = await berth(['secrets', 'list', '--json'], { env });
    expect(JSON.parse(json.stdout).secrets.map((s: { name: string }) => s.name)).toEqual(['hf_access_token']);
    for (const r of [set, list, json]) expect(r.stdout + r.stderr).not.toContain(VALUE);
  });

  it('refuses a value given as an argument (it would leak into ps and shell history)', async () => {
    const r = await berth(['secrets', 'set', 'leaky', 'plain-value-on-argv'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/never from arguments/);
    expect((await berth(['secrets', 'list'], { env })).stdout).not.toMatch(/leaky/);
    const v = await berth(['secrets', 'set', 'leaky', '--value', 'x'], { env });
    expect(v.code).toBe(2);
  });

  it('--value-file, delete, and a clear error for a missing name', async () => {
    writeFileSync(join(home, 'tok'), 'from-file\n');
    expect((await berth(['secrets', 'set', 'other', '--value-file', join(home, 'tok')], { env })).code).toBe(0);
    const del = await berth(['secrets', 'delete', 'other'], { env });
    expect(del.stdout).toBe('Deleted secret other.\n');
    const again = await berth(['secrets', 'delete', 'other'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No secret named other\.\n {2}hint: See the stored names with `berth secrets list`/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  });

  it('import reads ~/.truss/config.yaml by default and reports what it did', async () => {
    const trussDir = join(home, '.truss');
    rmSync(trussDir, { recursive: true, force: true });
    const missing = await berth(['secrets', 'import'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\.truss\/config\.yaml does not exist/);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(trussDir);
    writeFileSync(join(trussDir, 'config.yaml'), 'secrets:\n  hf_access_token: hf_fromTruss\n  openai_api_key: sk-fromTruss\n  empty:\n');
    const r = await berth(['secrets', 'import'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('imported: openai_api_key');
    expect(r.stdout).toContain('kept (already set in Berth; --overwrite to replace): hf_access_token');
    expect(r.stdout).toContain('skipped empty: no value in the Truss config');
    expect(r.stdout + r.stderr).not.toMatch(/fromTruss/);
  });
});
