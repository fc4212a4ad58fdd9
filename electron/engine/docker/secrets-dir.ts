// The one place secret values touch the disk: a private directory per container, bind-
// mounted read-only at /secrets. The parent is 0700 root so no other host user can reach
// it; the mounted dir and files belong to the container's user so it can read them.
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SecretsDir {
  /** The private directory (removed by cleanup). */
  root: string;
  /** The directory to mount at /secrets. */
  mountSource: string;
  cleanup(): Promise<void>;
}

/** Inside Berth's data dir: Docker Desktop can bind-mount it (it shares the home dir), unlike /run/user. */
export function defaultSecretsRoot(): string {
  const home = process.env.BERTH_HOME || join(homedir(), '.config', 'berth');
  return join(home, 'run', 'secrets');
}

/**
 * Writes each secret to <root>/<instance>/secrets/<name>. `uid`/`gid`: owner of the files
 * (the container's user); null keeps the caller's owner with mode 0444 inside the private
 * parent, for images whose user is a name we cannot resolve on the host.
 */
export async function writeSecretsDir(secretsRoot: string, instanceId: string, values: Record<string, string>, owner: { uid: number; gid: number } | null): Promise<SecretsDir> {
  await mkdir(secretsRoot, { recursive: true, mode: 0o700 });
  await chmod(secretsRoot, 0o700);
  const root = join(secretsRoot, instanceId.replace(/[^a-zA-Z0-9_.-]/g, '_'));
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { mode: 0o700 });
  const mountSource = join(root, 'secrets');
  await mkdir(mountSource, { mode: 0o700 });
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    for (const [name, value] of Object.entries(values)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') throw new Error(`secret name "${name}" is not a valid file name`);
      const file = join(mountSource, name);
      await writeFile(file, value, { mode: 0o400, flag: 'wx' });
    }
    // Only root may give files away; a desktop user's Berth falls back to world-readable
    // files inside the private 0700 parent (the container sees the mount, not the parent).
    let owned = false;
    if (owner) {
      try {
        for (const name of Object.keys(values)) await chown(join(mountSource, name), owner.uid, owner.gid);
        await chown(mountSource, owner.uid, owner.gid);
        owned = true;
      } catch {
        owned = false;
      }
    }
    if (!owned) {
      for (const name of Object.keys(values)) await chmod(join(mountSource, name), 0o444);
      await chmod(mountSource, 0o755);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { root, mountSource, cleanup };
}
