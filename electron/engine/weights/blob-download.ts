// Downloads cache blobs: several files at once, large files in ranged chunks over parallel
// connections, resumable, and checked before they enter the cache.
//
// A blob is written to `blobs/<etag>.berth-partial` by positional writes, so chunks land in
// any order; `<etag>.berth-partial.json` records the chunks that are complete and, every
// half second, how far each chunk in flight has got. A file with
// holes is therefore never taken for a complete one, and a restart after a kill fetches only
// the missing chunks. (Python's huggingface_hub resumes `<etag>.incomplete` by appending from
// its size, so Berth must not leave holed files under that name.) Only after the sha256 (LFS)
// or git blob sha1 (other files) matches the etag is the partial renamed to `blobs/<etag>`.
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { fetchRangeInto } from './range-fetch.js';
import { BerthError } from '../../../shared/errors.js';
import { hubError, unreachable, type HubAuth, type HubFile } from './hub-client.js';

export interface BlobJob {
  repoId: string;
  commit: string;
  file: HubFile;
  /** Final path: <repo>/blobs/<etag>. */
  blobPath: string;
  /** The entry's token: sent to the hub's host only. */
  auth: HubAuth;
}

export interface DownloadOptions {
  endpoint: string;
  /** Connections in flight over all files (default 16). */
  connections?: number;
  /** Range size for chunked files (default 16 MiB); smaller files go in one request. */
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Content bytes written to disk (a retry continues after them, so none are counted twice). */
  onBytes?: (job: BlobJob, delta: number) => void;
  onFileStart?: (job: BlobJob, alreadyBytes: number) => void;
  onFileDone?: (job: BlobJob) => void;
  /** Lines for the deployment log (retries, resumes). */
  onLine?: (line: string) => void;
}

interface PartialState {
  size: number;
  chunkBytes: number;
  done: number[];
  /** Chunks begun but not finished: index -> bytes from the chunk's start already on disk. */
  partial?: Record<string, number>;
}

/** How often the record of in-flight chunks is saved: what a kill can cost, per connection. */
const SAVE_EVERY_MS = 500;

const RETRIES = 5;

export function partialPaths(blobPath: string): { data: string; state: string } {
  return { data: `${blobPath}.berth-partial`, state: `${blobPath}.berth-partial.json` };
}

/** Bytes of complete chunks already on disk for a blob (what a resume will not fetch again). */
export async function resumableBytes(blobPath: string, size: number): Promise<number> {
  const st = await readState(partialPaths(blobPath).state, size);
  if (!st) return 0;
  const partial = Object.values(st.partial ?? {}).reduce((n, b) => n + b, 0);
  return st.done.reduce((n, i) => n + Math.min(st.chunkBytes, size - i * st.chunkBytes), 0) + partial;
}

async function readState(path: string, size: number): Promise<PartialState | null> {
  try {
    const st = JSON.parse(await readFile(path, 'utf8')) as PartialState;
    if (st.size !== size || !(st.chunkBytes > 0) || !Array.isArray(st.done)) return null;
    return st;
  } catch {
    return null;
  }
}

function diskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function diskFullError(job: BlobJob): BerthError {
  return new BerthError('WEIGHTS_DISK_FULL', `The disk holding the Hugging Face cache filled up while downloading ${job.repoId}/${job.file.path}.`, 'Free space (or `berth weights rm` unused repos), then start again: the bytes already downloaded are kept and the download resumes.');
}

/** Where the bytes of one file come from: the hub's resolve URL, or the CDN it redirects to. */
async function locate(job: BlobJob, o: DownloadOptions, dispatcher: Dispatcher): Promise<{ url: string; withToken: boolean }> {
  const endpoint = new URL(o.endpoint);
  const url = `${o.endpoint}/${job.repoId}/resolve/${job.commit}/${job.file.path.split('/').map(encodeURIComponent).join('/')}`;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'HEAD', dispatcher, signal: o.signal, headers: job.auth.token ? { authorization: `Bearer ${job.auth.token}` } : {} });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw unreachable(err, o.endpoint);
  }
  await res.body.dump();
  if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
    const to = new URL(String(res.headers.location), url);
    // The token stays with the hub: a presigned CDN URL refuses a second credential anyway.
    return { url: to.href, withToken: to.origin === endpoint.origin };
  }
  if (res.statusCode >= 400) {
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
    throw await hubError(new Response(null, { status: res.statusCode, headers }), { repoId: job.repoId, revision: job.commit, path: job.file.path }, job.auth, o.endpoint);
  }
  return { url, withToken: true };
}

/**
 * The file's hash, computed while it downloads: each time the chunks from the start are
 * complete up to some point, that stretch is read back (from the page cache) and hashed, so
 * only the last chunk is left to hash when the download ends. sha256 for LFS files, the
 * git blob sha1 (header + content) for the others, as their etags are.
 */
class RunningHash {
  private readonly h;
  private next = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly buf = Buffer.allocUnsafe(1 << 20);

  constructor(
    private readonly file: HubFile,
    private readonly chunkBytes: number,
  ) {
    this.h = createHash(file.lfs ? 'sha256' : 'sha1');
    if (!file.lfs) this.h.update(`blob ${file.size}\0`);
  }

  /** Hashes whatever complete prefix `done` now allows; calls are serialised. */
  advance(fh: FileHandle, done: ReadonlySet<number>, chunks: number): Promise<void> {
    this.chain = this.chain.then(async () => {
      while (this.next < chunks && done.has(this.next)) {
        const start = this.next * this.chunkBytes;
        const end = Math.min(this.file.size, start + this.chunkBytes);
        for (let pos = start; pos < end; ) {
          const { bytesRead } = await fh.read(this.buf, 0, Math.min(this.buf.length, end - pos), pos);
          if (bytesRead <= 0) throw new Error(`short read at byte ${pos} of ${this.file.path}`);
          this.h.update(this.buf.subarray(0, bytesRead));
          pos += bytesRead;
        }
        this.next++;
      }
    });
    return this.chain;
  }

  async matches(fh: FileHandle, done: ReadonlySet<number>, chunks: number): Promise<boolean> {
    if (this.file.size > 0) await this.advance(fh, done, chunks);
    return (this.file.size === 0 || this.next >= chunks) && this.h.digest('hex') === this.file.etag;
  }
}

class FileDownload {
  private readonly paths: { data: string; state: string };
  private fh: FileHandle | null = null;
  private state!: PartialState;
  private next = 0;
  private running = 0;
  private failed: unknown = null;
  private source: Promise<{ url: string; withToken: boolean }> | null = null;
  private finished!: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (e: unknown) => void;
  private saving: Promise<void> = Promise.resolve();
  private settling = false;
  private lastSave = 0;
  /** Bytes on disk of each chunk in flight, saved with the record so a kill loses little. */
  private readonly inflight = new Map<number, { written: number }>();
  /** Chunks a killed run had begun: where each resumes. */
  private resume = new Map<number, number>();
  private hash!: RunningHash;
  private readonly doneSet = new Set<number>();

  constructor(
    readonly job: BlobJob,
    private readonly o: DownloadOptions,
    private readonly dispatcher: Dispatcher,
    private readonly chunkBytes: number,
  ) {
    this.paths = partialPaths(job.blobPath);
    this.finished = new Promise((res, rej) => {
      this.resolveFinished = res;
      this.rejectFinished = rej;
    });
    this.finished.catch(() => undefined);
  }

  get chunks(): number {
    return Math.max(1, Math.ceil(this.job.file.size / this.state.chunkBytes));
  }

  async open(): Promise<void> {
    await mkdir(this.job.blobPath.slice(0, this.job.blobPath.lastIndexOf('/')), { recursive: true });
    const size = this.job.file.size;
    let st = await readState(this.paths.state, size);
    const dataExists = await stat(this.paths.data).then((s) => s.isFile(), () => false);
    if (!st || !dataExists) st = { size, chunkBytes: this.chunkBytes, done: [] };
    this.state = st;
    for (const i of st.done) this.doneSet.add(i);
    this.hash = new RunningHash(this.job.file, st.chunkBytes);
    this.resume = new Map(Object.entries(st.partial ?? {}).map(([i, b]) => [Number(i), b]));
    this.fh = await open(this.paths.data, dataExists ? 'r+' : 'w+');
    const already = await resumableBytes(this.job.blobPath, size);
    if (already > 0) this.o.onLine?.(`resuming ${this.job.repoId}/${this.job.file.path}: ${already} of ${size} bytes already downloaded`);
    this.o.onFileStart?.(this.job, already);
    this.next = 0;
    this.skipDone();
    if (this.next >= this.chunks && size > 0) this.settleIfDone();
    if (size === 0) this.settleIfDone();
  }

  private skipDone(): void {
    const done = new Set(this.state.done);
    while (this.next < this.chunks && done.has(this.next)) this.next++;
  }

  hasWork(): boolean {
    if (this.failed || this.job.file.size === 0) return false;
    this.skipDone();
    return this.next < this.chunks;
  }

  /** The next chunk index this file can give a free connection, or null. */
  take(): number | null {
    if (this.failed || this.job.file.size === 0) return null;
    this.skipDone();
    if (this.next >= this.chunks) return null;
    this.running++;
    return this.next++;
  }

  get done(): Promise<void> {
    return this.finished;
  }

  async runChunk(index: number): Promise<void> {
    const start = index * this.state.chunkBytes;
    const end = Math.min(this.job.file.size, start + this.state.chunkBytes) - 1;
    const progress = { written: this.resume.get(index) ?? 0 };
    this.resume.delete(index);
    this.inflight.set(index, progress);
    try {
      this.source ??= locate(this.job, this.o, this.dispatcher);
      const src = await this.source;
      // A connection that delivered bytes before it broke resets the count: only attempts
      // that make no progress at all use up the retries.
      for (let attempt = 0; progress.written < end + 1 - start; attempt++) {
        const before = progress.written;
        try {
          await this.fetchRange(src, start, end, progress);
          break;
        } catch (err) {
          if (progress.written > before) attempt = 0;
          if (err instanceof BerthError || this.o.signal?.aborted || attempt >= RETRIES || diskFull(err)) throw err;
          this.o.onLine?.(`retrying ${this.job.repoId}/${this.job.file.path} from byte ${start + progress.written} (${(err as Error).message})`);
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
      this.inflight.delete(index);
      this.state.done.push(index);
      this.doneSet.add(index);
      await this.saveState();
      // Hashing overlaps the download; a read error surfaces in finish().
      this.hash.advance(this.fh!, this.doneSet, this.chunks).catch(() => undefined);
    } catch (err) {
      this.failed ??= diskFull(err) ? diskFullError(this.job) : err;
    } finally {
      this.running--;
      this.settleIfDone();
    }
  }

  /** Fetches bytes start+progress.written..to into place; progress survives a failed attempt. */
  private async fetchRange(src: { url: string; withToken: boolean }, start: number, to: number, progress: { written: number }): Promise<void> {
    const from = start + progress.written;
    const headers: Record<string, string> = { range: `bytes=${from}-${to}` };
    if (src.withToken && this.job.auth.token) headers.authorization = `Bearer ${this.job.auth.token}`;
    const res = await fetchRangeInto(this.dispatcher, src.url, headers, this.o.signal, {
      fh: this.fh!,
      position: from,
      maxBytes: to + 1 - from,
      onWritten: (len) => {
        progress.written += len;
        this.o.onBytes?.(this.job, len);
        if (Date.now() - this.lastSave >= SAVE_EVERY_MS) void this.saveState();
      },
    });
    if (res.status !== 206 && !(res.status === 200 && from === 0 && to === this.job.file.size - 1)) {
      if (res.status === 200) throw new BerthError('WEIGHTS_FAILED', `The server of ${src.url.split('?')[0]} ignores Range requests.`, 'Use a Hub mirror that supports ranges.');
      throw await hubError(new Response(null, { status: res.status, headers: new Headers(res.headers) }), { repoId: this.job.repoId, revision: this.job.commit, path: this.job.file.path }, this.job.auth, this.o.endpoint);
    }
    const got = start + progress.written;
    if (got !== to + 1) throw new Error(`connection closed after ${got - from} of ${to + 1 - from} bytes`);
  }

  private saveState(): Promise<void> {
    // Serialised: two chunks finishing together must not interleave their writes.
    this.lastSave = Date.now();
    this.saving = this.saving.then(async () => {
      const tmp = `${this.paths.state}.tmp`;
      const partial: Record<string, number> = {};
      for (const [i, b] of this.resume) partial[i] = b;
      for (const [i, p] of this.inflight) if (p.written > 0) partial[i] = p.written;
      await writeFile(tmp, JSON.stringify({ ...this.state, partial }));
      await rename(tmp, this.paths.state);
    }).catch((err) => {
      // A record that cannot be saved (a full disk, say) only costs resume precision: the
      // last saved one still lists chunks that are on disk. The data writes report the error.
      this.o.onLine?.(`could not save the download record of ${this.job.file.path}: ${(err as Error).message}`);
    });
    return this.saving;
  }

  /** Stops handing out chunks; settles now when none is in flight (a file that never started). */
  abandon(reason: unknown): void {
    this.failed ??= reason;
    this.settleIfDone();
  }

  private settleIfDone(): void {
    if (this.running > 0 || this.settling) return;
    if (this.failed) {
      this.settling = true;
      void this.close().finally(() => this.rejectFinished(this.failed));
      return;
    }
    if (this.state.done.length < this.chunks && this.job.file.size > 0) return;
    this.settling = true;
    void this.finish().then(this.resolveFinished, this.rejectFinished);
  }

  private async finish(): Promise<void> {
    await this.saving;
    const sized = (await stat(this.paths.data)).size === this.job.file.size;
    const ok = sized && (await this.hash.matches(this.fh!, this.doneSet, this.chunks));
    await this.close();
    if (!ok) {
      // A corrupt partial would fail every resume: start that file over next time.
      await rm(this.paths.data, { force: true });
      await rm(this.paths.state, { force: true });
      throw new BerthError('WEIGHTS_FAILED', `${this.job.repoId}/${this.job.file.path} did not match its ${this.job.file.lfs ? 'sha256' : 'git hash'} ${this.job.file.etag} after download.`, 'Start again to download it afresh; if it fails again, the hub or a proxy is altering the file.');
    }
    await rename(this.paths.data, this.job.blobPath);
    await rm(this.paths.state, { force: true });
    this.o.onFileDone?.(this.job);
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Downloads every job's blob. Up to `connections` ranges are in flight: a file's chunks are
 * handed out in order, the next file starts as soon as a connection is free. Rejects with
 * the first error once every connection has stopped (partials stay for a resume).
 */
export async function downloadBlobs(jobs: BlobJob[], o: DownloadOptions): Promise<void> {
  if (!jobs.length) return;
  const connections = o.connections ?? 16;
  const chunkBytes = o.chunkBytes ?? 16 * 2 ** 20;
  const dispatcher = new Agent({ connections, pipelining: 1, keepAliveTimeout: 10_000 });
  const pending = jobs.slice();
  const open: FileDownload[] = [];
  const all: Promise<void>[] = [];
  let error: unknown = null;
  let inFlight = 0;
  let opening = 0;

  try {
    await new Promise<void>((resolve) => {
      const pump = async (): Promise<void> => {
        while (!error && !o.signal?.aborted && inFlight < connections) {
          let picked: { f: FileDownload; index: number } | null = null;
          for (const f of open) {
            const index = f.take();
            if (index !== null) {
              picked = { f, index };
              break;
            }
          }
          if (!picked) {
            const job = pending.shift();
            if (!job) break;
            const f = new FileDownload(job, o, dispatcher, chunkBytes);
            opening++;
            try {
              await f.open();
            } catch (err) {
              error ??= diskFull(err) ? diskFullError(job) : err;
              break;
            } finally {
              opening--;
            }
            open.push(f);
            all.push(f.done.then(() => {
              open.splice(open.indexOf(f), 1);
              void pump();
            }, (err) => {
              error ??= err;
            }));
            continue;
          }
          inFlight++;
          void picked.f.runChunk(picked.index).finally(() => {
            inFlight--;
            void pump();
          });
        }
        if (inFlight === 0 && opening === 0 && (error || o.signal?.aborted || (!pending.length && !open.some((f) => f.hasWork())))) resolve();
      };
      void pump();
    });
    // Files opened but never started (the error came first) settle now.
    if (error || o.signal?.aborted) for (const f of open) f.abandon(error ?? o.signal?.reason);
    await Promise.allSettled(all);
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
    if (error) throw error;
  } finally {
    await Promise.all(open.map((f) => f.close()));
    await dispatcher.close().catch(() => undefined);
  }
}
