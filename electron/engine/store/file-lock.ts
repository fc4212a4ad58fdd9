// A lock between processes: the Electron app, `berth serve` and `berth secrets set` may all
// read-modify-write one JSON file at once, and a per-process mutex cannot see the others.
// The lock is a file created with O_EXCL holding its owner (pid, host, a random token).
// A lock whose owner died (same host, pid gone) or that is older than `staleMs` (a pid
// reused, another host) is broken: one breaker at a time, under a second O_EXCL file, so
// two processes that both saw the same stale lock never remove a fresh one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { BerthError } from '../../../shared/errors.js';

export interface FileLockOptions {
  /** A lock older than this is taken over whoever holds it (ms). */
  staleMs?: number;
  /** Give up waiting after this long (ms); must exceed staleMs to outwait a stale lock. */
  timeoutMs?: number;
  /** Mode of the directory when it has to be created. */
  dirMode?: number;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

const DEFAULT_STALE_MS = 15_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A breaker holds its file for a few ms; one older than this crashed mid-break. */
const BREAK_STALE_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<{ text: string; ageMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { text, ageMs: Date.now() - st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string' ? (o as Owner) : null;
  } catch {
    return null; // being written right now, or garbage
  }
}

function isStale(lock: { text: string; ageMs: number }, staleMs: number): boolean {
  if (lock.ageMs > staleMs) return true;
  const o = parseOwner(lock.text);
  return !!o && o.host === hostname() && o.pid !== process.pid && !pidAlive(o.pid);
}

async function tryCreate(file: string, text: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes the lock if it is (still) stale; only one process breaks a given lock at a time. */
async function breakStale(file: string, staleMs: number): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    const b = await readLock(breaker).catch(() => null);
    if (b && b.ageMs > BREAK_STALE_MS) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    // Re-checked under the breaker file: nobody can create the lock while it exists, and no
    // other breaker can remove it meanwhile, so the lock judged stale here is the one removed.
    const lock = await readLock(file);
    if (lock && isStale(lock, staleMs)) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

async function acquire(file: string, o: FileLockOptions): Promise<string> {
  const staleMs = o.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const token = randomBytes(12).toString('hex');
  const text = JSON.stringify({ pid: process.pid, host: hostname(), token } satisfies Owner);
  await mkdir(dirname(file), { recursive: true, mode: o.dirMode ?? 0o700 });
  for (let round = 0; ; round++) {
    if (await tryCreate(file, text)) return token;
    const lock = await readLock(file);
    if (!lock) continue; // released between our create and read
    if (isStale(lock, staleMs)) {
      await breakStale(file, staleMs);
      continue;
    }
    if (Date.now() > deadline) {
      const owner = parseOwner(lock.text);
      throw new BerthError(
        'INTERNAL',
        `${file} is locked by another Berth process${owner ? ` (pid ${owner.pid})` : ''}.`,
        `Wait for it to finish and retry; if no Berth process is running, remove ${file}.`,
      );
    }
    // Holders keep it for milliseconds: poll quickly, with jitter so waiters do not march in step.
    await sleep(Math.min(5 + round * 2, 50) + Math.random() * 5);
  }
}

async function release(file: string, token: string): Promise<void> {
  const lock = await readLock(file).catch(() => null);
  // Not ours any more (taken over as stale): leave the new holder's lock alone.
  if (lock && parseOwner(lock.text)?.token === token) await unlink(file).catch(() => undefined);
}

/** Runs fn while holding the lock file `lockFile` (typically `<file>.lock`), across processes. */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, o: FileLockOptions = {}): Promise<T> {
  const token = await acquire(lockFile, o);
  try {
    return await fn();
  } finally {
    await release(lockFile, token);
  }
}
