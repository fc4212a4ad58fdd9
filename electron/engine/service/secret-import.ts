// Parses secrets to import: a .env file (NAME=value), a YAML/JSON map, or Truss's own
// ~/.truss/config.yaml whose `secrets:` map holds them. Values are never logged.
import { parse as parseYaml } from 'yaml';

const NAME = /^[A-Za-z0-9_.-]+$/;

export interface ParsedSecrets {
  values: Map<string, string>;
  skipped: Array<{ name: string; reason: string }>;
}

function fromMap(obj: unknown, out: ParsedSecrets): void {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return;
  for (const [name, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!NAME.test(name)) out.skipped.push({ name, reason: 'name has characters other than letters, digits, "_", "-", "."' });
    else if (v === null || v === undefined || v === '') out.skipped.push({ name, reason: 'no value (placeholder)' });
    else if (typeof v === 'object') out.skipped.push({ name, reason: 'value is not text' });
    else out.values.set(name, String(v));
  }
}

function looksLikeEnv(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#'));
  return lines.length > 0 && lines.every((l) => /^\s*(export\s+)?[A-Za-z0-9_.-]+=/.test(l));
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** Text of a .env file or a YAML/JSON map of name -> value. */
export function parseSecretText(text: string): ParsedSecrets {
  const out: ParsedSecrets = { values: new Map(), skipped: [] };
  if (looksLikeEnv(text)) {
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*(?:export\s+)?([A-Za-z0-9_.-]+)=(.*)$/.exec(line);
      if (m) fromMap({ [m[1]]: unquote(m[2]) }, out);
    }
    return out;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    throw new Error('not a .env file nor a YAML/JSON map');
  }
  // A Truss config (~/.truss/config.yaml) nests them under `secrets:`.
  const map = doc && typeof doc === 'object' && 'secrets' in (doc as object) ? (doc as { secrets: unknown }).secrets : doc;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new Error('expected NAME=value lines or a map of name: value');
  fromMap(map, out);
  return out;
}
