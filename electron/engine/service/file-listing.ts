// files.list: the file picker of a remote machine's Berth. It lists only under the folders
// this Berth may open configs from (`berth serve --allow`, the uploads folder, examples), so
// the API never becomes a way to browse the whole disk. Hidden entries are left out.
import { readdir, realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import type { FileEntry, FileListing } from '../../../shared/remote.js';

const CONFIG_NAMES = new Set(['config.yaml', 'config.yml']);

function inside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

export async function listFiles(roots: string[], dir?: string): Promise<FileListing> {
  const realRoots = (await Promise.all(roots.map((r) => realpath(r).catch(() => null)))).filter((r): r is string => !!r);
  if (!realRoots.length) throw new BerthError('NOT_FOUND', 'This Berth may open configs from no folder.', "Start berth serve with --allow DIR (a remote machine's Berth allows its home folder and its uploads).");
  const want = dir ? resolve(dir) : realRoots[0];
  const real = await realpath(want).catch(() => null);
  if (!real) throw new BerthError('NOT_FOUND', `${want} does not exist.`, 'Pick a folder from the list.');
  const root = realRoots.find((r) => inside(real, r));
  if (!root) throw new BerthError('BAD_REQUEST', `${want} is outside the folders this Berth may open.`, `Allowed: ${realRoots.join(', ')}.`);
  let ents;
  try {
    ents = await readdir(real, { withFileTypes: true });
  } catch (err) {
    throw new BerthError('BAD_REQUEST', `Cannot list ${real}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, 'Pick another folder.');
  }
  const entries: FileEntry[] = ents
    .filter((e) => !e.name.startsWith('.'))
    .flatMap((e): FileEntry[] => (e.isDirectory() ? [{ name: e.name, kind: 'dir' }] : e.isFile() && CONFIG_NAMES.has(e.name) ? [{ name: e.name, kind: 'config' }] : []))
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'config' ? -1 : 1));
  return { dir: real, parent: real === root ? null : dirname(real), roots: realRoots, entries: entries.slice(0, 2000) };
}
