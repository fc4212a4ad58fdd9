// The weights stage: between the image and the container, every model_cache / weights entry
// is resolved to a commit, filtered by its patterns, downloaded into the host's Hugging Face
// cache where missing, linked into the cache's snapshot layout, and laid out in the
// deployment's view for the container. Without the Hub, what the cache already holds is
// used (with a warning).
import { mkdir, stat, statfs } from 'node:fs/promises';
import { BerthError } from '../../../shared/errors.js';
import type { WeightsProgress } from '../../../shared/api/types.js';
import { describePatterns, keepPath, weightsLabel, type WeightsEntry } from '../../../shared/truss/weights.js';
import { formatBytes } from '../../../shared/truss/units.js';
import { downloadBlobs, partialPaths, type BlobJob, type DownloadOptions } from './blob-download.js';
import { tryLockBlob, waitForUnlock } from './blob-lock.js';
import { blobPath, hasBlob, linkSnapshot, readRef, snapshotFiles, writeRef } from './hf-cache.js';
import { HubClient, type HubAuth, type HubFile, type ResolvedRepo } from './hub-client.js';
import { buildView, type ViewEntry } from './view.js';

export interface ResolvedEntry extends ViewEntry {
  auth: HubAuth;
  /** Resolved from the cache alone: the Hub was unreachable. */
  offline: boolean;
  /** Etags of the kept files not in the cache when the entry was resolved. */
  missing: Set<string>;
  /** Bytes of the kept files, and of those not yet in the cache. */
  totalBytes: number;
  missingBytes: number;
  missingFiles: number;
}

export interface WeightsContext {
  cacheDir: string;
  endpoint: string;
  /** The token for an entry (its secret, else HF_TOKEN for the CLI), with where it came from. */
  authFor(entry: WeightsEntry): Promise<HubAuth>;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  connections?: number;
  chunkBytes?: number;
  /**
   * Hub resolutions shared by callers that ask about the same repos at one moment (`berth plan`
   * lists the weights and estimates the fit): one revision lookup and file listing each.
   */
  resolved?: Map<string, Promise<ResolvedRepo>>;
}

/** Resolves one entry: commit and kept files, from the Hub, or from the cache when it is unreachable. */
export async function resolveEntry(entry: WeightsEntry, ctx: WeightsContext): Promise<ResolvedEntry> {
  const auth = await ctx.authFor(entry);
  let commit: string;
  let files: HubFile[];
  let offline = false;
  try {
    const key = `${entry.repoId}@${entry.revision}\0${auth.token ?? ''}`;
    let pending = ctx.resolved?.get(key);
    if (!pending) {
      pending = new HubClient(ctx.endpoint, auth).resolve(entry.repoId, entry.revision, ctx.signal);
      ctx.resolved?.set(key, pending);
    }
    const r = await pending;
    commit = r.commit;
    files = r.files;
  } catch (err) {
    if (!(err instanceof BerthError) || err.code !== 'WEIGHTS_UNREACHABLE') throw err;
    const cached = await readRef(ctx.cacheDir, entry.repoId, entry.revision);
    const cachedFiles = cached ? await snapshotFiles(ctx.cacheDir, entry.repoId, cached) : [];
    if (!cached || !cachedFiles.length) {
      throw new BerthError('WEIGHTS_UNREACHABLE', `${err.message.replace(/\.$/, '')}, and ${entry.repoId}@${entry.revision} is not in the Hugging Face cache (${ctx.cacheDir}).`, 'Connect to the network once (or set HF_ENDPOINT to a reachable mirror) so Berth can download it; later starts work offline.');
    }
    commit = cached;
    files = cachedFiles;
    offline = true;
  }
  const kept = files.filter((f) => keepPath(f.path, entry));
  if (!kept.length) {
    throw new BerthError('WEIGHTS_NOT_FOUND', `No files matched in ${entry.repoId}@${entry.revision} (${files.length} files at ${commit.slice(0, 12)}): ${describePatterns(entry)}.`, `Fix the patterns of ${entry.key}[${entry.index}]: ${entry.dialect === 'glob' ? 'weights use shell globs (* stays in one folder, **/ crosses folders)' : 'model_cache patterns without * must equal the path'}.`);
  }
  // Which blobs the cache has, looked up together (a second start checks them all).
  const present = await Promise.all(kept.map((f) => hasBlob(blobPath(ctx.cacheDir, entry.repoId, f.etag), f.size)));
  const missing = kept.filter((_, i) => !present[i]);
  const missingBytes = missing.reduce((n, f) => n + f.size, 0);
  const missingFiles = missing.length;
  if (offline && missingFiles) {
    throw new BerthError('WEIGHTS_UNREACHABLE', `The Hub at ${ctx.endpoint} is unreachable and ${missingFiles} files of ${entry.repoId}@${commit.slice(0, 12)} are missing from the cache.`, 'Connect to the network (or set HF_ENDPOINT to a reachable mirror) and start again.');
  }
  return { entry, auth, commit, files: kept, missing: new Set(missing.map((f) => f.etag)), offline, totalBytes: kept.reduce((n, f) => n + f.size, 0), missingBytes, missingFiles };
}

/** Progress over all files of a stage: totals, a rate over the last seconds, the files in flight. */
class ProgressMeter {
  private done = 0;
  private filesDone = 0;
  private readonly active = new Map<string, { repo: string; path: string; size: number; done: number }>();
  private readonly samples: Array<[number, number]> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly total: number,
    private readonly files: number,
    private readonly cached: number,
    private readonly emit: (p: WeightsProgress) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), 250);
    this.timer.unref?.();
    this.flush();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
  fileStart(job: BlobJob, already: number): void {
    this.active.set(job.blobPath, { repo: job.repoId, path: job.file.path, size: job.file.size, done: already });
    this.done += already;
  }
  bytes(job: BlobJob, n: number): void {
    this.done += n;
    const a = this.active.get(job.blobPath);
    if (a) a.done += n;
  }
  fileDone(job: BlobJob): void {
    this.active.delete(job.blobPath);
    this.filesDone++;
  }

  snapshot(): WeightsProgress {
    const now = Date.now();
    this.samples.push([now, this.done]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const rate = now > t0 ? ((this.done - b0) * 1000) / (now - t0) : 0;
    const left = Math.max(0, this.total - this.done);
    return {
      totalBytes: this.total,
      doneBytes: Math.min(this.done, this.total),
      rate,
      etaS: rate > 0 ? left / rate : null,
      filesTotal: this.files,
      filesDone: this.filesDone,
      filesCached: this.cached,
      active: [...this.active.values()].slice(0, 6),
      message: `${formatBytes(Math.min(this.done, this.total))} of ${formatBytes(this.total)}, ${this.filesDone}/${this.files} files${rate > 0 ? ` at ${formatBytes(rate)}/s` : ''}`,
    };
  }

  private flush(): void {
    this.emit(this.snapshot());
  }
}

/**
 * Downloads the blobs this process can lock; waits for those another deployment or Berth
 * process is downloading, then takes over whatever that download did not finish.
 */
async function downloadShared(jobs: BlobJob[], o: DownloadOptions): Promise<void> {
  const mine: Array<{ job: BlobJob; release: () => Promise<void> }> = [];
  const theirs: BlobJob[] = [];
  for (const job of jobs) {
    const release = await tryLockBlob(job.blobPath);
    if (release) mine.push({ job, release });
    else theirs.push(job);
  }
  if (theirs.length) o.onLine?.(`${theirs.length} files are being downloaded by another deployment or Berth process: waiting for them (${theirs.map((j) => j.file.path).slice(0, 3).join(', ')}${theirs.length > 3 ? ', ...' : ''})`);
  // Waiting ends with this stage: when our own downloads fail, nobody polls on behind it.
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const waits = theirs.map(async (job) => {
    await waitForUnlock(job.blobPath, stop.signal);
    if (await hasBlob(job.blobPath, job.file.size)) {
      o.onFileStart?.(job, job.file.size);
      o.onFileDone?.(job);
      return null;
    }
    return job;
  });
  const waited = Promise.all(waits);
  waited.catch(() => undefined);
  try {
    await downloadBlobs(mine.map((m) => m.job), o);
  } catch (err) {
    stop.abort(err);
    o.signal?.removeEventListener('abort', onAbort);
    throw err;
  } finally {
    await Promise.all(mine.map((m) => m.release()));
  }
  const left = (await waited.finally(() => o.signal?.removeEventListener('abort', onAbort))).filter((j): j is BlobJob => j !== null);
  if (left.length) await downloadShared(left, o);
}

export interface StageResult {
  entries: ResolvedEntry[];
  warnings: string[];
  /** Bytes actually transferred by this start. */
  downloadedBytes: number;
}

export interface StageOptions extends WeightsContext {
  /** The deployment's view folder (plan.weightsView); null builds none. */
  viewDir: string | null;
  onProgress?: (p: WeightsProgress) => void;
}

/** Runs the whole stage for a plan's entries. Cancelled by the signal; partial data stays for a resume. */
export async function runWeightsStage(entries: WeightsEntry[], o: StageOptions): Promise<StageResult> {
  const warnings: string[] = [];
  const resolved: ResolvedEntry[] = [];
  // Entries resolve at once: each is a round trip or two to the Hub.
  const all = await Promise.all(entries.map((e) => resolveEntry(e, o)));
  for (const r of all) {
    const e = r.entry;
    o.onLine?.(`${weightsLabel(e)} -> commit ${r.commit}${r.offline ? ' (from the cache: the Hub is unreachable)' : ''}: ${r.files.length} files, ${formatBytes(r.totalBytes)}${r.missingFiles ? `, ${r.missingFiles} to download (${formatBytes(r.missingBytes)})` : ', all cached'}`);
    if (r.offline) warnings.push(`the Hub at ${o.endpoint} is unreachable: using ${e.repoId}@${r.commit.slice(0, 12)} from the cache`);
    resolved.push(r);
  }

  // One job per missing blob: two entries of the same repo share their downloads.
  const jobs = new Map<string, BlobJob>();
  let cachedFiles = 0;
  for (const r of resolved) {
    for (const f of r.files) {
      const path = blobPath(o.cacheDir, r.entry.repoId, f.etag);
      if (jobs.has(path)) continue;
      if (!r.missing.has(f.etag)) cachedFiles++;
      else jobs.set(path, { repoId: r.entry.repoId, commit: r.commit, file: f, blobPath: path, auth: r.auth });
    }
  }
  const list = [...jobs.values()];
  let total = 0;
  // Space a partial file already holds is written over in place, not taken again: what it
  // occupies on disk (blocks, holes excluded) counts as held, whatever its record says.
  let held = 0;
  for (const j of list) {
    total += j.file.size;
    const st = await stat(partialPaths(j.blobPath).data).catch(() => null);
    held += Math.min(j.file.size, st ? st.blocks * 512 : 0);
  }
  if (list.length) {
    // Before the first byte: a download that cannot fit fails now, not at 90%.
    const need = total - held;
    await mkdir(o.cacheDir, { recursive: true });
    const fs = await statfs(o.cacheDir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    if (need > free) {
      throw new BerthError('WEIGHTS_DISK_FULL', `The weights need ${formatBytes(need)} more in ${o.cacheDir}, which has ${formatBytes(free)} free.`, 'Free space on that disk (`berth weights rm` removes cached repos), or point HF_HOME / HF_HUB_CACHE at a larger disk, then start again.');
    }
  }

  const meter = new ProgressMeter(total, list.length, cachedFiles, (p) => o.onProgress?.(p));
  let downloaded = 0;
  if (list.length) {
    meter.start();
    try {
      await downloadShared(list, {
        endpoint: o.endpoint,
        connections: o.connections,
        chunkBytes: o.chunkBytes,
        signal: o.signal,
        onLine: o.onLine,
        onFileStart: (j, already) => meter.fileStart(j, already),
        onBytes: (j, n) => {
          downloaded += n;
          meter.bytes(j, n);
        },
        onFileDone: (j) => meter.fileDone(j),
      });
    } finally {
      meter.stop();
    }
  }

  await Promise.all(resolved.map(async (r) => {
    await Promise.all(r.files.map((f) => linkSnapshot(o.cacheDir, r.entry.repoId, r.commit, f)));
    await writeRef(o.cacheDir, r.entry.repoId, r.entry.revision, r.commit);
  }));
  if (o.viewDir) {
    const v = await buildView(o.viewDir, o.cacheDir, resolved);
    if (v.copied) warnings.push(`${v.copied} weights files were copied, not linked: the Hugging Face cache and ${o.viewDir} are on different filesystems (set BERTH_WEIGHTS_VIEWS to a folder on the cache's disk)`);
  }
  return { entries: resolved, warnings, downloadedBytes: downloaded };
}
