// Which config paths the API may open (and so read back and save). Over HTTP (`berth serve`)
// anyone holding the token could otherwise turn Berth into a reader and writer of any file
// the user can touch; so `deployments.open` accepts only what the user chose:
//   - paths given on the command line (`berth serve PATH...`, `berth PATH`),
//   - folders the user added (`berth serve --allow DIR`): anything under them,
//   - configs in the recent list (the user opened them before),
//   - the bundled examples,
//   - a path the native open dialog returned (desktop app), and any config opened since.
// Over Electron IPC every caller is the app itself acting for the user (its open dialog,
// its command line, its own UI), so the policy trusts the caller there.
//
// Saving (deployments.saveConfig) writes only a config that is open right now, keeps the
// file's mode (and group, where allowed), and writes through a symlink to its target.
//
// Paths are compared as given (absolute, normalized) and by their real path, so a symlinked
// config the user named stays openable, and `dir` and `dir/config.yaml` are the same choice.
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { BerthError } from '../../../shared/errors.js';

const CONFIG_NAMES = ['config.yaml', 'config.yml'];

export interface PathPolicyOptions {
  /** true over Electron IPC: every caller is the desktop app acting for the user. */
  trustCaller?: boolean;
  /** Folders whose contents are always allowed (the bundled examples). */
  folders?: string[];
  /** Config paths the user opened before (the recent list), read at check time. */
  recent?: () => Promise<string[]>;
}

async function real(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch {
    return null;
  }
}

function under(p: string, folder: string): boolean {
  return p === folder || p.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

export class PathPolicy {
  readonly trustCaller: boolean;
  private readonly paths = new Set<string>();
  private readonly folders = new Set<string>();
  private readonly recent: () => Promise<string[]>;

  constructor(o: PathPolicyOptions = {}) {
    this.trustCaller = !!o.trustCaller;
    for (const f of o.folders ?? []) this.allowFolder(f);
    this.recent = o.recent ?? (async () => []);
  }

  /** One path the user chose (a truss dir or a config file): that path only. */
  allowPath(p: string): void {
    this.paths.add(resolve(p));
  }

  /** A folder the user chose: everything under it. */
  allowFolder(dir: string): void {
    this.folders.add(resolve(dir));
  }

  /** What is allowed beyond the recent list, for messages and `berth serve`'s startup lines. */
  allowed(): { paths: string[]; folders: string[] } {
    return { paths: [...this.paths], folders: [...this.folders] };
  }

  /** The forms of one choice: the path, its real path, and dir <-> dir/config.yaml. */
  private async forms(p: string): Promise<string[]> {
    const abs = resolve(p);
    const out = new Set<string>([abs]);
    const r = await real(abs);
    if (r) out.add(r);
    for (const x of [...out]) {
      if (CONFIG_NAMES.includes(basename(x))) out.add(dirname(x));
      else if ((await stat(x).catch(() => null))?.isDirectory()) for (const n of CONFIG_NAMES) out.add(join(x, n));
    }
    return [...out];
  }

  async isAllowed(p: string): Promise<boolean> {
    if (this.trustCaller) return true;
    const asked = await this.forms(p);
    const abs = resolve(p);
    const realAsked = await real(abs);
    // Under a chosen folder: by the path as given, and by where it really is.
    for (const f of this.folders) {
      const realF = (await real(f)) ?? f;
      if (under(abs, f) || (realAsked && (under(realAsked, realF) || under(realAsked, f)))) return true;
    }
    const exact = new Set<string>();
    for (const q of [...this.paths, ...(await this.recent().catch(() => []))]) for (const x of await this.forms(q)) exact.add(x);
    return asked.some((x) => exact.has(x));
  }

  /** Throws a BerthError saying how to allow the path when it is not allowed. */
  async check(p: string): Promise<void> {
    if (await this.isAllowed(p)) return;
    const abs = resolve(p);
    const folder = (await stat(abs).catch(() => null))?.isDirectory() ? abs : dirname(abs);
    throw new BerthError(
      'BAD_REQUEST',
      `${abs} is not in the folders this Berth server may open.`,
      `Berth over HTTP opens only configs you chose: restart it with 'berth serve --allow ${folder}' (any config under that folder), or 'berth serve ${abs}' to open this one; configs in Recent and the bundled examples are always allowed.`,
    );
  }
}

async function configFileOf(p: string): Promise<string> {
  if (!(await stat(p).catch(() => null))?.isDirectory()) return p;
  for (const n of CONFIG_NAMES) if ((await stat(join(p, n)).catch(() => null))?.isFile()) return join(p, n);
  return join(p, CONFIG_NAMES[0]);
}

/**
 * The open deployment whose config is `path` (its file, or the truss dir it was opened as),
 * and that config file; null when no open deployment has it.
 */
export async function findOpenConfig<D extends { configPath: string; summary(): { configPath: string } }>(open: D[], path: string): Promise<{ deployment: D; file: string } | null> {
  const asked = resolve(path);
  for (const d of open) {
    for (const p of new Set([d.configPath, d.summary().configPath])) {
      const file = await configFileOf(p);
      if (p === asked || file === asked) return { deployment: d, file };
    }
  }
  return null;
}

const writeFailed = (file: string, err: unknown) =>
  new BerthError('BAD_REQUEST', `Could not write ${file}: ${(err as Error).message}.`, 'Check that the file and its folder are writable.');

/**
 * Replaces a config's text. Atomic where the folder is writable (a temp file renamed over
 * the target); the file keeps its mode (0600 stays 0600) and group; a symlink is written
 * through to its target, so the link stays a link. A file that is writable in a folder
 * that is not is written in place.
 */
export async function writeConfigInPlace(file: string, text: string): Promise<void> {
  let target = file;
  const link = await lstat(file).catch(() => null);
  if (link?.isSymbolicLink()) {
    const r = await real(file);
    if (!r) throw new BerthError('BAD_REQUEST', `${file} is a symbolic link to a file that no longer exists.`, 'Fix or remove the link, then open the config again.');
    target = r;
  }
  const st = await stat(target).catch(() => null);
  const mode = st ? st.mode & 0o7777 : undefined;
  const tmp = join(dirname(target), `.${basename(target)}.berth-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx', mode: mode ?? 0o666 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (st && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
      // No temp file beside it: write the file itself (keeps inode, mode and owner).
      await writeFile(target, text, 'utf8').catch((e) => {
        throw writeFailed(target, e);
      });
      return;
    }
    throw writeFailed(target, err);
  }
  try {
    if (st) {
      await chmod(tmp, mode!); // the umask narrowed the mode given at creation
      await chown(tmp, st.uid, st.gid).catch(() => chown(tmp, -1, st.gid).catch(() => undefined));
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeFailed(target, err);
  }
}
