// A deployment's weights view: for each entry with a container path, a folder of the repo's
// kept files as hardlinks to the cache's blobs. Mounted alone, a snapshot folder's relative
// symlinks would dangle inside the container; hardlinks are real files and cost no second
// copy of the bytes. Rebuilt from scratch at every start (links are cheap), so a view never
// holds files an edited config no longer keeps.
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CONTAINER_HF_HUB_CACHE, MANIFEST_FILE, weightsViewPath, type WeightsEntry } from '../../../shared/truss/weights.js';
import type { HubFile } from './hub-client.js';
import { blobPath } from './hf-cache.js';
import { repoFolder } from './cache-paths.js';

export interface ViewEntry {
  entry: WeightsEntry;
  commit: string;
  files: HubFile[];
}

export interface ViewResult {
  /** Files copied because the view is on another filesystem than the cache. */
  copied: number;
  manifestLines: number;
}

/** Container path of one kept file: under the entry's target, or in the shared HF cache. */
export function containerPathOf(v: ViewEntry, f: HubFile): string {
  if (v.entry.target) return `${v.entry.target}/${f.path}`;
  return `${CONTAINER_HF_HUB_CACHE}/${repoFolder(v.entry.repoId)}/snapshots/${v.commit}/${f.path}`;
}

export async function buildView(viewDir: string, cacheDir: string, entries: ViewEntry[]): Promise<ViewResult> {
  await rm(viewDir, { recursive: true, force: true });
  await mkdir(viewDir, { recursive: true, mode: 0o755 });
  let copied = 0;
  const manifest: string[] = [];
  for (const v of entries) {
    for (const f of v.files) {
      manifest.push(`${f.size}\t${containerPathOf(v, f)}`);
      if (!v.entry.target) continue;
      const dest = join(weightsViewPath(viewDir, v.entry), ...f.path.split('/'));
      await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
      const src = blobPath(cacheDir, v.entry.repoId, f.etag);
      try {
        await link(src, dest);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        // Another filesystem: a reflink where the filesystem has them, else a real copy.
        await copyFile(src, dest, constants.COPYFILE_FICLONE);
        copied++;
      }
    }
    if (v.entry.target) await mkdir(weightsViewPath(viewDir, v.entry), { recursive: true, mode: 0o755 });
  }
  await writeFile(join(viewDir, MANIFEST_FILE), `${manifest.join('\n')}\n`, { mode: 0o644 });
  return { copied, manifestLines: manifest.length };
}

export async function removeView(viewDir: string): Promise<void> {
  await rm(viewDir, { recursive: true, force: true });
}
