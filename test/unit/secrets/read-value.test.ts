import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretValue, stripOneNewline } from '../../../electron/engine/secrets/read-value.js';

describe('readSecretValue', () => {
  it('reads stdin when it is not a terminal, dropping one trailing newline', async () => {
    const stdin = Readable.from([Buffer.from('tok'), Buffer.from('en-value\n')]) as unknown as NodeJS.ReadStream;
    expect(await readSecretValue({ name: 'x', stdin })).toBe('token-value');
  });
  it('reads a value file', async () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-read-value-'));
    writeFileSync(join(d, 'v'), 'from-file\r\n');
    expect(await readSecretValue({ name: 'x', valueFile: join(d, 'v') })).toBe('from-file');
    await expect(readSecretValue({ name: 'x', valueFile: join(d, 'missing') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    rmSync(d, { recursive: true, force: true });
  });
  it('strips only one newline', () => {
    expect(stripOneNewline('a\n\n')).toBe('a\n');
    expect(stripOneNewline('a')).toBe('a');
  });
});
