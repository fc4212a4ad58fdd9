// Host-key verification against OpenSSH's known_hosts files, as `ssh` does with
// StrictHostKeyChecking=yes: a key listed for the host passes, a host listed with other keys
// is refused as CHANGED (the fingerprint is shown so the user can compare it out of band),
// and an unlisted host is refused as UNKNOWN with the command that adds it. ssh2 hands us
// the raw key and leaves the policy to us; no well-kept npm library reads known_hosts
// (hashed entries included), so this small reader does, following sshd(8)'s file format.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'changed'; presented: string; known: string[] }
  | { kind: 'revoked'; presented: string }
  | { kind: 'unknown'; presented: string };

/** OpenSSH's fingerprint form: SHA256:<base64 without padding>. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The name ssh looks up: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** One host pattern field (comma list, `!` negation, globs, `|1|salt|hash` hashed names). */
function patternsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!');
    const p = negated ? raw.slice(1) : raw;
    if (!globToRegExp(p).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

interface Entry {
  marker: '@revoked' | '@cert-authority' | null;
  hosts: string;
  keyType: string;
  key: Buffer;
}

function parse(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const parts = t.split(/\s+/);
    let marker: Entry['marker'] = null;
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as Entry['marker'];
    if (parts.length < 3) continue;
    const key = Buffer.from(parts[2], 'base64');
    if (!key.length) continue;
    out.push({ marker, hosts: parts[0], keyType: parts[1], key });
  }
  return out;
}

/** The entries of the known_hosts files (missing ones skipped) whose host patterns match name. */
function* entriesFor(files: string[], name: string): Generator<Entry> {
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const e of parse(text)) if (patternsMatch(e.hosts, name)) yield e;
  }
}

/** Verifies `key` for `host:port` against the given known_hosts files (missing files are skipped). */
export function verifyHostKey(files: string[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const presented = fingerprint(key);
  const presentedType = keyType(key);
  const known: string[] = [];
  for (const e of entriesFor(files, name)) {
    if (e.marker === '@revoked') {
      if (e.key.equals(key)) return { kind: 'revoked', presented };
      continue;
    }
    // Host certificates are not offered by ssh2's client: a CA line never matches a plain key.
    if (e.marker === '@cert-authority') continue;
    if (e.key.equals(key)) return { kind: 'match' };
    // As ssh does: only a different key of the same type means the key changed.
    if (e.keyType === presentedType) known.push(`${e.keyType} ${fingerprint(e.key)}`);
  }
  return known.length ? { kind: 'changed', presented, known } : { kind: 'unknown', presented };
}

/** The algorithm name at the start of an SSH public key blob. */
function keyType(key: Buffer): string {
  if (key.length < 4) return '';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

/**
 * Host-key algorithms to offer, those already known for the host first (as ssh orders them),
 * so a host listed with its ed25519 key is not asked for its ECDSA one and refused as unknown.
 */
export function preferredHostKeyAlgorithms(files: string[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = new Set<string>();
  for (const e of entriesFor(files, name)) if (!e.marker) types.add(e.keyType);
  const all = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  const isKnown = (a: string) => types.has(a) || (a.startsWith('rsa-sha2-') && types.has('ssh-rsa'));
  return [...all.filter(isKnown), ...all.filter((a) => !isKnown(a))];
}
