// The standard Hugging Face cache layout, read and written the way every HF client does:
// models--org--name/{blobs/<etag>, snapshots/<commit>/<path> -> ../../blobs/<etag>, refs/<branch>}.
import { lstat, mkdir, readFile, readdir, readlink, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { HubFile } from './hub-client.js';
import { repoDir } from './cache-paths.js';

const COMMIT = /^[0-9a-f]{40}$/;

export function blobPath(cacheDir: string, repoId: string, etag: string): string {
  return join(repoDir(cacheDir, repoId), 'blobs', etag);
}

export function snapshotDir(cacheDir: string, repoId: string, commit: string): string {
  return join(repoDir(cacheDir, repoId), 'snapshots', commit);
}

/** A blob counts as present when it has the expected size (others wrote it after their own checks). */
export async function hasBlob(path: string, size: number): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isFile() && st.size === size;
  } catch {
    return false;
  }
}

/** snapshots/<commit>/<path> as a relative symlink to its blob, as huggingface_hub makes it. */
export async function linkSnapshot(cacheDir: string, repoId: string, commit: string, file: HubFile): Promise<void> {
  const link = join(snapshotDir(cacheDir, repoId, commit), ...file.path.split('/'));
  const depth = file.path.split('/').length - 1;
  const target = posix.join(...Array(depth + 2).fill('..'), 'blobs', file.etag);
  await mkdir(dirname(link), { recursive: true });
  try {
    if ((await readlink(link)) === target) return;
    await unlink(link);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EINVAL: a real file there (some clients copy instead of linking on Windows): replace it.
    if (code === 'EINVAL') await unlink(link);
    else if (code !== 'ENOENT') throw err;
  }
  await symlink(target, link);
}

/** refs/<branch or tag> = commit (no newline), unless the revision is the commit itself. */
export async function writeRef(cacheDir: string, repoId: string, revision: string, commit: string): Promise<void> {
  // An empty refs/ for a repo pinned by commit: @huggingface/hub's scanner expects the folder.
  await mkdir(join(repoDir(cacheDir, repoId), 'refs'), { recursive: true });
  if (revision === commit) return;
  const ref = join(repoDir(cacheDir, repoId), 'refs', ...revision.split('/'));
  if ((await readFile(ref, 'utf8').catch(() => null)) === commit) return;
  await mkdir(dirname(ref), { recursive: true });
  const tmp = `${ref}.berth-tmp`;
  await writeFile(tmp, commit);
  await rename(tmp, ref);
}

/** The commit a revision points at in the cache (offline use), or null. */
export async function readRef(cacheDir: string, repoId: string, revision: string): Promise<string | null> {
  if (COMMIT.test(revision)) return (await stat(snapshotDir(cacheDir, repoId, revision)).then(() => true, () => false)) ? revision : null;
  try {
    const commit = (await readFile(join(repoDir(cacheDir, repoId), 'refs', ...revision.split('/')), 'utf8')).trim();
    return COMMIT.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

/**
 * The files of a cached snapshot, for a start without the Hub: each symlink's blob name is
 * its etag (64 hex: sha256 of an LFS file). Files that are not symlinks are skipped.
 */
export async function snapshotFiles(cacheDir: string, repoId: string, commit: string): Promise<HubFile[]> {
  const root = snapshotDir(cacheDir, repoId, commit);
  const out: HubFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${ent.name}` : ent.name;
      const p = join(dir, ent.name);
      if (ent.isDirectory()) await walk(p, rel);
      else if (ent.isSymbolicLink()) {
        const etag = basename(await readlink(p));
        const st = await stat(p).catch(() => null);
        if (st?.isFile()) out.push({ path: rel, size: st.size, etag, lfs: etag.length === 64 });
      }
    }
  };
  await walk(root, '').catch((err) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export async function isDir(p: string): Promise<boolean> {
  return lstat(p).then((s) => s.isDirectory(), () => false);
}
