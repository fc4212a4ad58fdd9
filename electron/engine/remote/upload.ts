// Copies a local truss folder (config.yaml, data/, requirements, packages...) to a folder the
// remote Berth manages (BERTH_HOME/uploads/<name> there), over SFTP on the machine's one SSH
// connection. The remote serve is started with that folder allowed, so the copy can be
// opened, run and edited there. Version control and virtualenv folders are left behind.
import { lstat, readdir } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { BerthError } from '../../../shared/errors.js';
import type { SshConnection } from './ssh-connection.js';

const SKIP = new Set(['.git', '.venv', 'venv', '__pycache__', 'node_modules', '.mypy_cache', '.pytest_cache']);

function mkdirp(sftp: SFTPWrapper, dir: string): Promise<void> {
  return new Promise((res, rej) => sftp.mkdir(dir, { mode: 0o700 }, (err) => (!err || (err as { code?: number }).code === 4 ? res() : rej(err))));
}

function put(sftp: SFTPWrapper, from: string, to: string, mode: number): Promise<void> {
  return new Promise((res, rej) => sftp.fastPut(from, to, { mode }, (err) => (err ? rej(err) : res())));
}

/** A folder name for the copy: the local folder's name, made safe. */
export function uploadName(localDir: string): string {
  return basename(localDir).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '') || 'truss';
}

export async function uploadTruss(conn: SshConnection, uploadsDir: string, localPath: string): Promise<{ path: string; files: number }> {
  let dir = resolve(localPath);
  const st = await lstat(dir).catch(() => null);
  if (!st) throw new BerthError('NOT_FOUND', `${dir} does not exist.`, 'Give the path to a truss folder (the one holding config.yaml).');
  if (st.isFile()) dir = resolve(dir, '..');
  const target = posix.join(uploadsDir, uploadName(dir));
  const sftp = await conn.sftp();
  let files = 0;
  try {
    await mkdirp(sftp, uploadsDir);
    const walk = async (from: string, to: string): Promise<void> => {
      await mkdirp(sftp, to);
      for (const e of await readdir(from, { withFileTypes: true })) {
        if (SKIP.has(e.name)) continue;
        const src = join(from, e.name);
        const dst = posix.join(to, e.name);
        if (e.isDirectory()) await walk(src, dst);
        else if (e.isFile()) {
          await put(sftp, src, dst, (await lstat(src)).mode & 0o777);
          files++;
        }
        // Symlinks are not followed: they could point anywhere on this computer.
      }
    };
    await walk(dir, target);
  } catch (err) {
    throw new BerthError('INTERNAL', `Copying ${dir} to machine '${conn.machine}' failed: ${(err as Error).message}.`, 'Check free space and permissions there, then retry.');
  } finally {
    sftp.end();
  }
  return { path: target, files };
}
