// What the Hugging Face cache holds, read with @huggingface/hub's cache scanner (the same
// view `hf cache scan` gives), with the configs Berth knows that use each repo; and removal.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import { BerthError } from '../../../shared/errors.js';
import type { CachedWeightsRepo } from '../../../shared/api/types.js';
import { weightsEntries } from '../../../shared/truss/weights.js';
import { loadTruss } from '../config/load.js';
import { repoDir } from './cache-paths.js';

/** repo id -> configs (by path) whose model_cache / weights name it. */
async function usersOf(configPaths: string[]): Promise<Map<string, Array<{ configPath: string; modelName: string }>>> {
  const out = new Map<string, Array<{ configPath: string; modelName: string }>>();
  for (const p of configPaths) {
    const t = await loadTruss(p).catch(() => null);
    if (!t?.config) continue;
    for (const e of weightsEntries(t.config).entries) {
      const list = out.get(e.repoId) ?? [];
      if (!list.some((u) => u.configPath === t.configPath)) list.push({ configPath: t.configPath, modelName: t.config.model_name ?? t.trussDir });
      out.set(e.repoId, list);
    }
  }
  return out;
}

export async function listCachedWeights(cacheDir: string, configPaths: string[]): Promise<{ cacheDir: string; repos: CachedWeightsRepo[]; warnings: string[] }> {
  let info;
  try {
    info = await scanCacheDir(cacheDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { cacheDir, repos: [], warnings: [] };
    throw err;
  }
  const users = await usersOf(configPaths);
  const repos: CachedWeightsRepo[] = info.repos
    .filter((r) => r.id.type === 'model')
    .map((r) => ({
      repoId: r.id.name,
      path: r.path,
      sizeBytes: r.size,
      files: r.filesCount,
      revisions: r.revisions.map((v) => ({ commit: v.commitOid, refs: v.refs, files: v.files.length, sizeBytes: v.size })),
      lastModified: r.lastModifiedAt.getTime(),
      usedBy: users.get(r.id.name) ?? [],
    }))
    .sort((a, b) => b.sizeBytes - a.sizeBytes);
  return { cacheDir, repos, warnings: info.warnings.map((w) => w.message) };
}

/**
 * Removes a repo from the cache, and the weights views of stopped deployments (hardlinks
 * that would keep its bytes on disk). Views of deployments still running are kept:
 * their containers read from them; the space comes back when those stop.
 */
export async function removeCachedRepo(cacheDir: string, repoId: string, viewsRoot: string, runningDeployments: Set<string>): Promise<{ removed: string; keptViews: string[] }> {
  const dir = repoDir(cacheDir, repoId);
  const exists = await readdir(dir).then(() => true, () => false);
  if (!exists) throw new BerthError('NOT_FOUND', `${repoId} is not in the Hugging Face cache (${cacheDir}).`, 'See `berth weights list` for what is cached.');
  await rm(dir, { recursive: true, force: true });
  await rm(join(cacheDir, '.locks', dir.slice(cacheDir.length + 1)), { recursive: true, force: true });
  const keptViews: string[] = [];
  for (const id of await readdir(viewsRoot).catch(() => [] as string[])) {
    const p = join(viewsRoot, id);
    if (id.startsWith('.') || id === 'truss-transfer-cli') continue;
    if (runningDeployments.has(id)) keptViews.push(id);
    else await rm(p, { recursive: true, force: true });
  }
  return { removed: dir, keptViews };
}
