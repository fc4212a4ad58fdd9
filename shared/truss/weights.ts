// What a config asks Berth to fetch before the container starts (`model_cache` and
// `weights`), reduced to one shape, and the two pattern dialects the platform uses for them.
// Pure: the engine's weights stage (electron/engine/weights) fetches what this describes.
import type { TrussConfig } from './schema.js';

/** Where a model_cache entry with use_volume: true appears in the container. */
export const MODEL_CACHE_ROOT = '/app/model_cache';
/** Where the host's Hugging Face home is mounted; its hub/ is the host's hub cache. */
export const CONTAINER_HF_HOME = '/berth/huggingface';
export const CONTAINER_HF_HUB_CACHE = `${CONTAINER_HF_HOME}/hub`;
/** The file truss-transfer-cli reads: one `<size>\t<path>` line per file it must find. */
export const CONTAINER_WEIGHTS_MANIFEST = '/berth/weights.manifest';
export const CONTAINER_TRANSFER_CLI = '/usr/local/bin/truss-transfer-cli';
/** The manifest's file name in a deployment's weights view folder, and the CLI's in the views root. */
export const MANIFEST_FILE = 'weights.manifest';
export const TRANSFER_CLI_FILE = 'truss-transfer-cli';
/** model_cache's secret when runtime_secret_name is not set. */
export const DEFAULT_HF_SECRET = 'hf_access_token';

/**
 * `truss`: model_cache (truss-transfer) rules: without `*` a pattern must equal the path;
 * `*` matches any run of characters, `/` included.
 * `glob`: weights rules: shell globs, `*` stays in one folder level, `**` crosses folders.
 */
export type PatternDialect = 'truss' | 'glob';

export interface WeightsEntry {
  /** Index in its list, and the list: model_cache[i] or weights[i]. */
  key: 'model_cache' | 'weights';
  index: number;
  repoId: string;
  /** Branch, tag or commit as written (default main). */
  revision: string;
  allowPatterns: string[];
  ignorePatterns: string[];
  dialect: PatternDialect;
  /** Container path the files appear at; null for model_cache use_volume: false (host HF cache only). */
  target: string | null;
  /** Secret holding the Hub token; null: anonymous unless HF_TOKEN is set for the CLI. */
  secretName: string | null;
}

export interface WeightsProblem {
  path: string;
  message: string;
  hint: string;
}

const HF_SOURCE = /^hf:\/\/([^/@\s]+\/[^/@\s]+)(?:@(\S+))?$/;
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The weights entries of a config, or the reasons Berth cannot fetch them locally. */
export function weightsEntries(config: TrussConfig): { entries: WeightsEntry[]; problems: WeightsProblem[] } {
  const entries: WeightsEntry[] = [];
  const problems: WeightsProblem[] = [];
  (config.model_cache ?? []).forEach((m, index) => {
    const path = `model_cache.${index}`;
    const kind = m.kind ?? 'hf';
    if (kind !== 'hf') {
      problems.push({ path: `${path}.kind`, message: `model_cache kind '${kind}' (${m.repo_id}) is fetched by the platform only: Berth fetches Hugging Face repos`, hint: 'copy the files into a Hugging Face repo, or into the image, for a local run' });
      return;
    }
    if (!REPO_ID.test(m.repo_id)) {
      problems.push({ path: `${path}.repo_id`, message: `model_cache repo_id '${m.repo_id}' is not a Hugging Face repo id`, hint: 'write org/name, e.g. BAAI/bge-small-en-v1.5' });
      return;
    }
    if (m.use_volume === undefined) {
      problems.push({ path, message: `model_cache entry ${m.repo_id} has no use_volume`, hint: 'add use_volume: true (files at /app/model_cache/<volume_folder>) or false (Hugging Face cache only)' });
      return;
    }
    const folder = (m.volume_folder ?? '').replace(/^\/+|\/+$/g, '');
    if (m.use_volume && (!folder || folder.split('/').includes('..'))) {
      problems.push({ path: `${path}.volume_folder`, message: `model_cache entry ${m.repo_id} uses a volume but has no usable volume_folder`, hint: 'add volume_folder: my_model (the files appear at /app/model_cache/my_model)' });
      return;
    }
    entries.push({
      key: 'model_cache',
      index,
      repoId: m.repo_id,
      revision: m.revision?.trim() || 'main',
      allowPatterns: m.allow_patterns ?? [],
      ignorePatterns: m.ignore_patterns ?? [],
      dialect: 'truss',
      target: m.use_volume ? `${MODEL_CACHE_ROOT}/${folder}` : null,
      secretName: m.runtime_secret_name?.trim() || DEFAULT_HF_SECRET,
    });
  });
  const mounts = new Set<string>();
  (config.weights ?? []).forEach((w, index) => {
    const path = `weights.${index}`;
    const m = HF_SOURCE.exec(w.source);
    if (!m) {
      const scheme = w.source.split(':')[0];
      problems.push({ path: `${path}.source`, message: `weights source ${w.source}: ${scheme}:// sources are fetched by the platform only; Berth fetches hf:// sources`, hint: 'use an hf://org/repo@revision source for a local run, or put the files in the image' });
      return;
    }
    const mount = w.mount_location.replace(/\/+$/, '') || '/';
    if (mounts.has(mount)) {
      problems.push({ path: `${path}.mount_location`, message: `weights mount_location ${mount} is used twice`, hint: 'give each weights source its own mount_location' });
      return;
    }
    mounts.add(mount);
    const auth = w.auth;
    if (auth && auth.auth_method !== 'CUSTOM_SECRET') {
      problems.push({ path: `${path}.auth.auth_method`, message: `weights auth_method ${auth.auth_method} needs the platform's identity federation, which a local machine does not have`, hint: 'for a local run use auth_method: CUSTOM_SECRET with auth_secret_name, or auth_secret_name alone' });
      return;
    }
    entries.push({
      key: 'weights',
      index,
      repoId: m[1],
      revision: m[2] || 'main',
      allowPatterns: w.allow_patterns ?? [],
      ignorePatterns: w.ignore_patterns ?? [],
      dialect: 'glob',
      target: mount,
      secretName: w.auth_secret_name?.trim() || auth?.auth_secret_name?.trim() || null,
    });
  });
  return { entries, problems };
}

function escapeRe(s: string): string {
  return s.replace(/[.+^${}()|[\]\\?]/g, '\\$&');
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more whole folders; a bare `**` anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

/** One pattern against a repo path, with the rules of its dialect. */
export function matchesPattern(pattern: string, path: string, dialect: PatternDialect): boolean {
  if (dialect === 'glob') return globToRegExp(pattern).test(path);
  if (!pattern.includes('*')) return pattern === path;
  return new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`).test(path);
}

/** Keeps a path unless an ignore pattern matches it; with allow patterns one must match. */
export function keepPath(path: string, e: Pick<WeightsEntry, 'allowPatterns' | 'ignorePatterns' | 'dialect'>): boolean {
  if (e.ignorePatterns.some((p) => matchesPattern(p, path, e.dialect))) return false;
  return e.allowPatterns.length === 0 || e.allowPatterns.some((p) => matchesPattern(p, path, e.dialect));
}

export function describePatterns(e: Pick<WeightsEntry, 'allowPatterns' | 'ignorePatterns'>): string {
  const list = (l: string[]) => (l.length ? `[${l.map((p) => JSON.stringify(p)).join(', ')}]` : 'none');
  return `allow_patterns=${list(e.allowPatterns)}, ignore_patterns=${list(e.ignorePatterns)}`;
}

export function weightsLabel(e: Pick<WeightsEntry, 'key' | 'index' | 'repoId' | 'revision'>): string {
  return `${e.key}[${e.index}] ${e.repoId}@${e.revision}`;
}

/** Host folder of one entry's view inside a deployment's weights view folder. */
export function weightsViewPath(viewRoot: string, e: Pick<WeightsEntry, 'key' | 'index'>): string {
  return `${viewRoot.replace(/[\\/]+$/, '')}/${e.key}-${e.index}`;
}
