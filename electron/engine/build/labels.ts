// What marks a build container, so recovery can find one a Berth left behind when it died
// mid-build (the container holds the build secrets in its bind-mounted dir), and tell it
// apart from one a build of this process is still running.
import { readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** On every build container (value "true"), beside LABELS.managed, deployment and instance. */
export const BUILD_CONTAINER_LABEL = 'dev.berth.build-container';

const inUse = new Set<string>();

/**
 * Marks a build container name as used by a build of this process until the returned
 * release is called. Marked before the container is created, so a recovery running at the
 * same time never sees an unmarked one of a live build.
 */
export function markBuildContainerInUse(name: string): () => void {
  inUse.add(name);
  return () => void inUse.delete(name);
}

export function isBuildContainerInUse(name: string): boolean {
  return inUse.has(name.replace(/^\//, ''));
}

/** In each build secrets dir (beside the mounted `secrets/`): "<pid>@<hostname>" of the Berth that wrote it. */
export const BUILD_OWNER_FILE = 'owner';

function ownerAlive(owner: string): boolean {
  const at = owner.indexOf('@');
  const pid = Number(owner.slice(0, at));
  if (at < 0 || !Number.isInteger(pid) || pid <= 0) return false;
  // Another host's process cannot be checked from here: count it as alive.
  if (owner.slice(at + 1) !== hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes build secrets dirs (`<root>/build-*`) whose Berth process is gone: the build
 * container removal takes its dir with it, but a Berth killed before its container existed,
 * or one whose container was removed from outside, leaves the secrets on disk. Returns the
 * dirs removed. A dir without an owner file (older Berth) is left alone.
 */
export async function sweepBuildSecrets(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!n.startsWith('build-')) continue;
    const dir = join(root, n);
    const owner = await readFile(join(dir, BUILD_OWNER_FILE), 'utf8').catch(() => null);
    if (owner === null || ownerAlive(owner.trim())) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
