// Imports secrets from Truss's own local store, ~/.truss/config.yaml (`secrets:` map), so a
// user who already ran `truss push` does not type their tokens twice.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { BerthError } from '../../../shared/errors.js';
import { isValidSecretName } from './names.js';

/** What an import needs of the secret store (the store calls this module: no import back). */
export interface SecretImportTarget {
  list(): Promise<Array<{ name: string }>>;
  setMany(values: Record<string, string>): Promise<void>;
}

export function defaultTrussConfigPath(): string {
  return join(homedir(), '.truss', 'config.yaml');
}

export interface ImportResult {
  file: string;
  /** Names written into Berth's store. */
  imported: string[];
  /** Names already in Berth's store and left as they were (overwrite off). */
  kept: string[];
  /** Names skipped with the reason (empty value, invalid name). */
  skipped: Array<{ name: string; reason: string }>;
}

/** Reads the `secrets:` map of a Truss config file. Error messages never quote the file's text. */
export async function readTrussSecrets(path = defaultTrussConfigPath()): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BerthError('NOT_FOUND', `${path} does not exist, so there are no Truss secrets to import.`, 'Set secrets directly with `berth secrets set NAME`, or give the path of your Truss config: `berth secrets import PATH`.');
    }
    throw new BerthError('NOT_FOUND', `${path} could not be read (${code ?? 'error'}).`, `Check the file's permissions (\`ls -l ${path}\`).`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  if (doc.errors.length) {
    // The parser's own message quotes the offending line, which may hold a token: give the position only.
    const e = doc.errors[0];
    const pos = e.pos ? lineCounter.linePos(e.pos[0]) : undefined;
    throw new BerthError('CONFIG_INVALID', `${path} is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}.`, 'Fix the YAML there (or with `truss login`) and import again.');
  }
  const root = doc.toJS() as unknown;
  if (!root || typeof root !== 'object') return {};
  const secrets = (root as Record<string, unknown>).secrets;
  if (secrets === undefined || secrets === null) return {};
  if (typeof secrets !== 'object' || Array.isArray(secrets)) {
    throw new BerthError('CONFIG_INVALID', `In ${path}, \`secrets:\` is not a map of name: value.`, 'Write it as `secrets:` followed by indented `name: value` lines.');
  }
  return secrets as Record<string, unknown>;
}

export async function importFromTrussConfig(store: SecretImportTarget, path = defaultTrussConfigPath(), opts: { overwrite?: boolean } = {}): Promise<ImportResult> {
  const raw = await readTrussSecrets(path);
  const existing = new Set((await store.list()).map((s) => s.name));
  const result: ImportResult = { file: path, imported: [], kept: [], skipped: [] };
  const values: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw)) {
    if (!isValidSecretName(name)) {
      result.skipped.push({ name, reason: 'not a valid secret name' });
      continue;
    }
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) {
      result.skipped.push({ name, reason: 'no value in the Truss config' });
      continue;
    }
    if (typeof v === 'object') {
      result.skipped.push({ name, reason: 'value is not text' });
      continue;
    }
    if (existing.has(name) && !opts.overwrite) {
      result.kept.push(name);
      continue;
    }
    values[name] = String(v);
    result.imported.push(name);
  }
  if (result.imported.length) await store.setMany(values);
  return result;
}
