// known_hosts reading against files written by OpenSSH's own ssh-keygen (plain, hashed with
// -H, non-default port, @revoked), with real keys it generated.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, preferredHostKeyAlgorithms, verifyHostKey } from '../../../electron/engine/remote/known-hosts.js';
import { tmpDir } from '../../helpers/tmp.js';

const tmp = tmpDir('berth-kh-');
afterAll(() => tmp.cleanup());

function key(name: string, type = 'ed25519'): { line: string; blob: Buffer } {
  const f = join(tmp.dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', f]);
  const line = readFileSync(`${f}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return { line, blob: Buffer.from(line.split(' ')[1], 'base64') };
}

const a = key('a');
const b = key('b');
const ec = key('ec', 'ecdsa');

describe('verifyHostKey', () => {
  it('matches plain and [host]:port entries, and says unknown for other hosts', () => {
    const f = join(tmp.dir, 'plain');
    writeFileSync(f, `# comment\ngpu.lab,10.0.0.5 ${a.line}\n[127.0.0.1]:2222 ${b.line}\n`);
    expect(verifyHostKey([f], 'gpu.lab', 22, a.blob)).toEqual({ kind: 'match' });
    expect(verifyHostKey([f], '10.0.0.5', 22, a.blob)).toEqual({ kind: 'match' });
    expect(verifyHostKey([f], '127.0.0.1', 2222, b.blob)).toEqual({ kind: 'match' });
    expect(verifyHostKey([f], '127.0.0.1', 22, b.blob)).toEqual({ kind: 'unknown', presented: fingerprint(b.blob) });
  });

  it('reads entries hashed by ssh-keygen -H', () => {
    const f = join(tmp.dir, 'hashed');
    writeFileSync(f, `gpu.lab ${a.line}\n[10.1.1.1]:2200 ${b.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    expect(readFileSync(f, 'utf8')).not.toContain('gpu.lab');
    expect(verifyHostKey([f], 'gpu.lab', 22, a.blob)).toEqual({ kind: 'match' });
    expect(verifyHostKey([f], '10.1.1.1', 2200, b.blob)).toEqual({ kind: 'match' });
    expect(verifyHostKey([f], 'other', 22, a.blob).kind).toBe('unknown');
  });

  it('reports a changed key of the same type with both fingerprints; another type is unknown', () => {
    const f = join(tmp.dir, 'changed');
    writeFileSync(f, `gpu.lab ${a.line}\n`);
    expect(verifyHostKey([f], 'gpu.lab', 22, b.blob)).toEqual({ kind: 'changed', presented: fingerprint(b.blob), known: [`ssh-ed25519 ${fingerprint(a.blob)}`] });
    expect(verifyHostKey([f], 'gpu.lab', 22, ec.blob).kind).toBe('unknown');
  });

  it('refuses @revoked keys, honours negated patterns and globs', () => {
    const f = join(tmp.dir, 'marks');
    writeFileSync(f, `@revoked * ${a.line}\n*.lab,!bad.lab ${b.line}\n`);
    expect(verifyHostKey([f], 'gpu.lab', 22, a.blob).kind).toBe('revoked');
    expect(verifyHostKey([f], 'gpu.lab', 22, b.blob).kind).toBe('match');
    expect(verifyHostKey([f], 'bad.lab', 22, b.blob).kind).toBe('unknown');
  });

  it('offers the host key types already known first; missing files are skipped', () => {
    const f = join(tmp.dir, 'order');
    writeFileSync(f, `gpu.lab ${ec.line}\n`);
    expect(preferredHostKeyAlgorithms([join(tmp.dir, 'nope'), f], 'gpu.lab', 22)[0]).toBe('ecdsa-sha2-nistp256');
    expect(fingerprint(a.blob)).toBe(execFileSync('ssh-keygen', ['-l', '-f', join(tmp.dir, 'a.pub')], { encoding: 'utf8' }).split(' ')[1]);
  });
});
