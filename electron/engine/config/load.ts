// loadTruss: a truss dir or a config file path -> text, parsed config, positioned issues and
// the facts planning needs (data/ present, hashes of build input files). Read failures
// become BerthErrors that name the file and say what to do.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { parseTrussConfig, PARSE_LIMITS } from '../../../shared/truss/parse.js';
import type { TrussConfig } from '../../../shared/truss/schema.js';
import type { ConfigIssue, SourcePos } from '../../../shared/truss/issues.js';
import type { TrussFacts } from '../../../shared/truss/plan.js';
import { formatBytes } from '../../../shared/truss/units.js';

export interface LoadedTruss {
  configPath: string;
  trussDir: string;
  text: string;
  config: TrussConfig | null;
  issues: ConfigIssue[];
  positions: Record<string, SourcePos>;
  trussFacts: TrussFacts;
}

export const LOAD_LIMITS = {
  /** data/ files hashed by content up to this total; beyond it size+mtime stand in (hashing GBs of weights on every load is too slow). */
  maxHashBytes: 256 * 2 ** 20,
  maxDataFiles: 20_000,
};

const CONFIG_NAMES = ['config.yaml', 'config.yml'];

function errnoCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function readError(file: string, err: unknown, what: string): BerthError {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new BerthError('NOT_FOUND', `${file}: no such ${what}`, 'check the path; pass a truss directory (with config.yaml) or the config.yaml file itself');
  if (code === 'EACCES' || code === 'EPERM') return new BerthError('CONFIG_INVALID', `${file}: permission denied`, `make it readable by this user (e.g. chmod u+r ${JSON.stringify(file)}) or run Berth as its owner`);
  if (code === 'EISDIR') return new BerthError('CONFIG_INVALID', `${file}: is a directory, not a config file`, 'pass the truss directory itself or its config.yaml');
  if (code === 'ELOOP') return new BerthError('CONFIG_INVALID', `${file}: too many levels of symbolic links`, 'point Berth at the real file');
  return new BerthError('CONFIG_INVALID', `${file}: could not read the ${what} (${code ?? (err instanceof Error ? err.message : String(err))})`, 'check the path and its permissions');
}

/** Resolves a user path to the config file and its truss dir. */
export async function resolveTrussPath(input: string): Promise<{ configPath: string; trussDir: string }> {
  const abs = path.resolve(input);
  let st;
  try {
    st = await stat(abs);
  } catch (err) {
    throw readError(abs, err, 'file or directory');
  }
  if (st.isDirectory()) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(abs, name);
      try {
        if ((await stat(candidate)).isFile()) return { configPath: candidate, trussDir: abs };
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EACCES' || code === 'EPERM') throw readError(candidate, err, 'file');
      }
    }
    throw new BerthError('NOT_FOUND', `${abs}: no config.yaml in this directory`, 'a truss directory holds config.yaml (plus optional data/); pass the directory that contains it, or the config file itself');
  }
  if (!st.isFile()) throw new BerthError('CONFIG_INVALID', `${abs}: not a regular file`, 'pass a truss directory or its config.yaml');
  return { configPath: abs, trussDir: path.dirname(abs) };
}

async function readBounded(file: string, limit: number): Promise<{ text: string; size: number } | { tooBig: number }> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
    const size = (await fh.stat()).size;
    if (size > limit) return { tooBig: size };
    const buf = Buffer.alloc(Math.min(size, limit) + 1);
    let n = 0;
    // Read until EOF (the file may grow between stat and read); never past limit + 1.
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n >= buf.length) break;
    }
    if (n > limit) return { tooBig: n };
    return { text: new TextDecoder('utf-8').decode(buf.subarray(0, n)), size: n };
  } catch (err) {
    throw readError(file, err, 'file');
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export async function loadTruss(input: string): Promise<LoadedTruss> {
  const { configPath, trussDir } = await resolveTrussPath(input);
  const read = await readBounded(configPath, PARSE_LIMITS.maxBytes);
  const hasDataDir = await isDir(path.join(trussDir, 'data'));
  if ('tooBig' in read) {
    return {
      configPath,
      trussDir,
      text: '',
      config: null,
      positions: {},
      issues: [
        {
          file: configPath,
          line: 1,
          col: 1,
          severity: 'error',
          message: `config is ${formatBytes(read.tooBig)}; Berth reads configs up to ${formatBytes(PARSE_LIMITS.maxBytes)}`,
          hint: 'a Truss config.yaml is a few KiB: is this the right file? Keep data in data/ or the image, not in the config',
          path: '',
        },
      ],
      trussFacts: { hasDataDir, fileHashes: {} },
    };
  }
  const parsed = parseTrussConfig(read.text, configPath);
  const fileHashes = parsed.config ? await hashBuildInputs(trussDir, parsed.config, hasDataDir) : {};
  return { configPath, trussDir, text: read.text, config: parsed.config, issues: parsed.issues, positions: parsed.positions, trussFacts: { hasDataDir, fileHashes } };
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Hashes exactly the files a derived build reads: the requirements file(s) and data/ when a build is needed. */
async function hashBuildInputs(trussDir: string, config: TrussConfig, hasDataDir: boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const files: string[] = [];
  if (config.requirements_file) {
    const rel = config.requirements_file.replace(/\\/g, '/').replace(/^\.\//, '');
    files.push(rel);
    if (rel.endsWith('uv.lock')) files.push(rel.replace(/uv\.lock$/, 'pyproject.toml'));
  }
  const needsBuild =
    config.docker_server?.no_build !== true &&
    Boolean(config.requirements_file || config.requirements?.length || config.system_packages?.length || config.build_commands?.length || config.external_data?.length);
  if (needsBuild && hasDataDir) files.push(...(await listFiles(trussDir, 'data')));
  let budget = LOAD_LIMITS.maxHashBytes;
  for (const rel of files) {
    const abs = path.join(trussDir, ...rel.split('/'));
    try {
      const st = await stat(abs);
      if (!st.isFile()) continue;
      if (st.size <= budget) {
        budget -= st.size;
        out[rel] = await sha256File(abs);
      } else {
        out[rel] = `stat:${st.size}:${Math.floor(st.mtimeMs)}`;
      }
    } catch {
      // Missing or unreadable: left out, so planning reports it against the config line.
    }
  }
  return out;
}

async function listFiles(root: string, relDir: string): Promise<string[]> {
  const out: string[] = [];
  const queue = [relDir];
  while (queue.length && out.length < LOAD_LIMITS.maxDataFiles) {
    const rel = queue.shift()!;
    let entries;
    try {
      entries = await readdir(path.join(root, ...rel.split('/')), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) queue.push(child);
      else if (e.isFile()) out.push(child);
    }
  }
  return out.sort();
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * The name to show for a truss, also while its config is invalid: model_name when the YAML
 * has one (even if other fields are wrong), else the truss folder's name.
 */
export function displayNameOf(loaded: Pick<LoadedTruss, 'config' | 'text' | 'trussDir'>): string {
  const fromConfig = loaded.config?.model_name?.trim();
  if (fromConfig) return fromConfig;
  const m = /^model_name\s*:\s*["']?([^"'#\n]+?)["']?\s*(?:#.*)?$/m.exec(loaded.text);
  return m?.[1]?.trim() || path.basename(loaded.trussDir) || 'model';
}
