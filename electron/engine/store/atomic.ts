// Atomic JSON files: write a temp file beside the target (same filesystem), fsync, rename over.
// A crash mid-write leaves the old file intact, never a half-written one. The temp file is
// created with the final mode, so a secret file is never readable by others even for a moment.
import { mkdir, open, readFile, rename, unlink, chmod } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
}

export async function writeFileAtomic(file: string, data: string, opts: { mode?: number; dirMode?: number } = {}): Promise<void> {
  const mode = opts.mode ?? 0o600;
  const dir = dirname(file);
  await ensureDir(dir, opts.dirMode ?? 0o700);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    // umask may have narrowed the mode at creation; make it exact.
    if (process.platform !== 'win32') await chmod(tmp, mode);
    await renameWithRetry(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Windows refuses to rename over a file another process has open; retry briefly. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw err;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

export async function writeJsonAtomic(file: string, value: unknown, opts: { mode?: number; dirMode?: number } = {}): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}

export type JsonRead = { ok: true; value: unknown } | { ok: false; missing: true } | { ok: false; missing: false; error: string };

/** Reads a JSON file; a missing file and a corrupt one are told apart (and neither throws). */
export async function readJson(file: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true };
    return { ok: false, missing: false, error: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // No parser message: it may quote file content, and this helper also reads secret files.
    return { ok: false, missing: false, error: `${file} is not valid JSON` };
  }
}

/** Serializes async read-modify-write cycles within this process. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
