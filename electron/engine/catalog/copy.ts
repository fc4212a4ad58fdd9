// Putting a config where the user can run and edit it: a catalog entry copied whole (config.yaml
// and data/), or the wizard's text written as a new truss folder. Berth writes only into a
// folder that is new or empty, so no file of the user's is ever replaced.
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BerthError } from '../../../shared/errors.js';

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Throws unless `dir` does not exist or is an empty folder; creates it. */
export async function claimFolder(dir: string): Promise<string> {
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => null);
  if (st && !st.isDirectory()) throw new BerthError('BAD_REQUEST', `${abs} is a file, not a folder.`, 'Choose a new folder name (Berth creates it) or an empty folder.');
  if (st && (await readdir(abs)).length) throw new BerthError('BAD_REQUEST', `${abs} is not empty.`, 'Choose a new folder name (Berth creates it) or an empty folder, so no file of yours is replaced.');
  try {
    await mkdir(abs, { recursive: true });
  } catch (err) {
    throw new BerthError('BAD_REQUEST', `Could not create ${abs}: ${(err as Error).message}.`, 'Choose a folder you can write to.');
  }
  return abs;
}

/** Copies catalog entry `name` into `target` (new or empty); returns the config.yaml written. */
export async function copyEntryTo(catalogDir: string, name: string, target: string): Promise<string> {
  const dir = await claimFolder(target);
  await cp(join(catalogDir, name), dir, { recursive: true, errorOnExist: true, force: false });
  return join(dir, 'config.yaml');
}

/**
 * Run's copy, under Berth's data dir: reused as it is when an earlier Run made it (the user
 * may have edited it), else made now.
 */
export async function managedCopy(catalogDir: string, name: string, managedRoot: string): Promise<{ path: string; reused: boolean }> {
  const dir = join(managedRoot, name);
  if (await isDir(dir)) {
    const file = join(dir, 'config.yaml');
    if (await stat(file).catch(() => null)) return { path: file, reused: true };
  }
  return { path: await copyEntryTo(catalogDir, name, dir), reused: false };
}

/** Writes config text as a new truss folder's config.yaml. */
export async function writeNewTruss(target: string, text: string): Promise<string> {
  const dir = await claimFolder(target);
  const file = join(dir, 'config.yaml');
  await writeFile(file, text, { encoding: 'utf8', flag: 'wx' });
  return file;
}

/** A folder under root for `slug` that does not exist yet: slug, slug-2, slug-3, ... */
export async function freshFolder(root: string, slug: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const dir = join(root, n === 1 ? slug : `${slug}-${n}`);
    if (!(await stat(dir).catch(() => null))) return dir;
  }
  throw new BerthError('BAD_REQUEST', `Too many configs named ${slug} under ${root}.`, 'Remove old ones, or give this config another name.');
}
