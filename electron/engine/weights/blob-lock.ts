// One downloader per blob, across deployments and Berth processes sharing a cache: two
// starts of configs naming the same repo must not write the same partial file at once.
// A lock file `blobs/<etag>.berth-lock` (created exclusively, holding "<pid>@<host>") marks
// the owner; a lock whose process is gone is taken over. Others wait for the blob to appear.
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const held = new Set<string>();

function lockPath(blobPath: string): string {
  return `${blobPath}.berth-lock`;
}

function alive(owner: string): boolean {
  const [pidText, host] = owner.trim().split('@');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // Another machine's process (a cache on a network share) cannot be checked: trust it.
  if (host && host !== hostname()) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the blob's lock; returns its release, or null when a live owner holds it. */
export async function tryLockBlob(blobPath: string): Promise<(() => Promise<void>) | null> {
  const path = lockPath(blobPath);
  if (held.has(path)) return null;
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}@${hostname()}`);
      await fh.close();
      held.add(path);
      return async () => {
        held.delete(path);
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await readFile(path, 'utf8').catch(() => '');
      if (owner && alive(owner)) return null;
      // The owner died mid-download (its partial stays for us to resume): take over.
      await rm(path, { force: true });
    }
  }
  return null;
}

/** Resolves when the lock is gone (the owner finished or died), polling; rejects on abort. */
export async function waitForUnlock(blobPath: string, signal?: AbortSignal, pollMs = 200): Promise<void> {
  const path = lockPath(blobPath);
  for (;;) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (!held.has(path)) {
      const owner = await readFile(path, 'utf8').catch(() => null);
      if (owner === null || !alive(owner)) return;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
