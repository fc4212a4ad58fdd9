// The request history of one deployment: a ring of the last `capacity` records, bodies on
// the most recent `bodyRecords` of them only, and (with a dir) the same bounds on disk: two
// JSONL segments of at most capacity/2 records and 8 MiB each, so the file never outgrows
// the cap however long Berth runs. The file lets `berth requests` read and follow the
// history of a gateway that runs in another process (the app, `berth serve`, `berth run`).
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RequestFilter, RequestRecord } from '../../../../shared/requests.js';
import { RequestCapture, type CaptureSink, type FinishedCapture } from './capture.js';
import { redactHeaders, redactText } from './redact.js';
import { WsCapture } from './ws-capture.js';

export const DEFAULT_CAPACITY = 1000;
export const DEFAULT_BODY_RECORDS = 100;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;
const FLUSH_MS = 250;

export interface RequestLogOptions {
  deploymentId: string;
  capacity?: number;
  bodyRecords?: number;
  maxBodyBytes?: number;
  /** Folder for the JSONL segments; null: memory only. */
  dir?: string | null;
  /** The body-capture setting, read per request. */
  captureBodies?: () => boolean;
  /** Secret values to keep out of the history (read when a record is stored). */
  secretValues?: () => readonly string[];
}

/** The history file of a deployment (the older segment is `<id>.1.jsonl`). */
export function historyFile(dir: string, deploymentId: string, older = false): string {
  return path.join(dir, `${deploymentId.replace(/[^A-Za-z0-9_.-]/g, '_')}${older ? '.1' : ''}.jsonl`);
}

export class RequestLog extends EventEmitter implements CaptureSink {
  readonly deploymentId: string;
  readonly capacity: number;
  readonly bodyRecords: number;
  readonly maxBodyBytes: number;
  private readonly ring: RequestRecord[] = [];
  private seq = 0;
  private readonly file: string | null;
  private pendingLines: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private segRecords = 0;
  private segBytes = 0;

  constructor(private readonly opts: RequestLogOptions) {
    super();
    this.deploymentId = opts.deploymentId;
    this.capacity = Math.max(2, opts.capacity ?? DEFAULT_CAPACITY);
    this.bodyRecords = Math.max(0, Math.min(this.capacity, opts.bodyRecords ?? DEFAULT_BODY_RECORDS));
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.file = opts.dir ? historyFile(opts.dir, opts.deploymentId) : null;
    if (opts.dir) this.load(opts.dir);
  }

  /** Starts recording one request (both relay paths call this once it is admitted). */
  begin(startedAt: number, method: string, url: string, rawHeaders: readonly string[], client: string | undefined): RequestCapture {
    const keep = this.opts.captureBodies ? this.opts.captureBodies() : true;
    return new RequestCapture(this, this.deploymentId, startedAt, method, url, rawHeaders, client ?? null, keep && this.bodyRecords > 0, this.maxBodyBytes);
  }

  /** Starts recording one WebSocket session (its upgrade request, before any check). */
  beginWs(startedAt: number, url: string, rawHeaders: readonly string[], client: string | undefined): WsCapture {
    const keep = this.opts.captureBodies ? this.opts.captureBodies() : true;
    return new WsCapture(this, this.deploymentId, startedAt, url, rawHeaders, client ?? null, keep && this.bodyRecords > 0, this.maxBodyBytes);
  }

  /** @internal CaptureSink: a request ended. */
  finished(c: FinishedCapture): void {
    const secrets = this.opts.secretValues ? this.opts.secretValues() : [];
    const b = c.bodies;
    const record: RequestRecord = {
      ...c.record,
      route: redactText(c.record.route, secrets),
      seq: ++this.seq,
      headers: redactHeaders(c.rawHeaders, secrets),
      bodies: b
        ? {
            request: b.request === null ? null : redactText(b.request.toString('utf8'), secrets),
            requestTruncated: b.requestTruncated,
            response: b.response === null ? null : redactText(b.response, secrets),
            responseTruncated: b.responseTruncated,
            reassembled: b.reassembled,
            // Text messages may carry a pasted key as well; binary ones are kept as sent.
            ...(b.messages ? { messages: b.messages.map((m) => (m.binary || m.data === null ? m : { ...m, data: redactText(m.data, secrets) })) } : {}),
          }
        : null,
    };
    this.push(record);
    this.persist(record);
    this.emit('record', record);
  }

  private push(record: RequestRecord): void {
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    // Bodies only on the newest `bodyRecords`: the one that just fell out of that window loses them.
    const old = this.ring.length - 1 - this.bodyRecords;
    if (old >= 0 && this.ring[old].bodies) this.ring[old] = { ...this.ring[old], bodies: null };
  }

  list(filter: RequestFilter = {}): RequestRecord[] {
    return filterRecords(this.ring, filter);
  }

  get(key: string | number): RequestRecord | null {
    return this.ring.find((r) => r.seq === Number(key) || (r.requestId !== null && r.requestId === key)) ?? null;
  }

  clear(): void {
    this.ring.length = 0;
    this.pendingLines = [];
    if (this.file) {
      const file = this.file;
      this.writing = this.writing.then(async () => {
        await fs.promises.rm(file, { force: true });
        await fs.promises.rm(historyFile(path.dirname(file), this.deploymentId, true), { force: true });
        this.segRecords = 0;
        this.segBytes = 0;
      });
    }
  }

  /** Writes what is pending (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.writeOut();
    await this.writing;
  }

  private persist(record: RequestRecord): void {
    if (!this.file) return;
    // Older records keep their bodies on disk only within the same window as in memory:
    // the file is rewritten segment by segment, so a body leaves it at the next rotation.
    this.pendingLines.push(JSON.stringify(record));
    // Appends are batched: one write per FLUSH_MS under load, not one per request.
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.writeOut();
      }, FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  private writeOut(): void {
    const lines = this.pendingLines;
    if (lines.length === 0 || !this.file) return;
    this.pendingLines = [];
    const file = this.file;
    this.writing = this.writing.then(async () => {
      try {
        await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        for (const line of lines) {
          if (this.segRecords >= this.capacity / 2 || this.segBytes >= SEGMENT_MAX_BYTES) {
            await fs.promises.rename(file, historyFile(path.dirname(file), this.deploymentId, true)).catch(() => undefined);
            this.segRecords = 0;
            this.segBytes = 0;
          }
          const text = line + '\n';
          await fs.promises.appendFile(file, text, { mode: 0o600 });
          this.segRecords++;
          this.segBytes += Buffer.byteLength(text);
        }
      } catch {
        // History on disk is a convenience: a full or read-only disk must not fail requests.
      }
    });
  }

  private load(dir: string): void {
    const records = readHistoryFiles(dir, this.deploymentId);
    for (const r of records.slice(-this.capacity)) this.push(r);
    this.seq = records.length ? records[records.length - 1].seq : 0;
    try {
      const text = fs.readFileSync(historyFile(dir, this.deploymentId), 'utf8');
      this.segRecords = text.split('\n').filter(Boolean).length;
      this.segBytes = Buffer.byteLength(text);
    } catch {
      this.segRecords = 0;
      this.segBytes = 0;
    }
  }
}

/** Reads a deployment's history files (older segment first); bad lines are skipped. */
export function readHistoryFiles(dir: string, deploymentId: string): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (const f of [historyFile(dir, deploymentId, true), historyFile(dir, deploymentId)]) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as RequestRecord;
        if (typeof r.seq === 'number') out.push(r);
      } catch {
        // A line cut by a crash mid-write.
      }
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export function filterRecords(records: readonly RequestRecord[], f: RequestFilter): RequestRecord[] {
  let out = records.filter((r) => {
    if (f.afterSeq !== undefined && r.seq <= f.afterSeq) return false;
    if (f.route && !r.route.includes(f.route)) return false;
    if (f.kind && (r.kind ?? 'http') !== f.kind) return false;
    if (f.status) {
      const s = String(r.status);
      if (/^[1-5]xx$/i.test(f.status) ? s[0] !== f.status[0] : s !== f.status) return false;
    }
    return true;
  });
  if (f.limit !== undefined && out.length > f.limit) out = out.slice(-f.limit);
  return out;
}

/** Every deployment's history in this process (kept across gateway restarts). */
export class RequestLogs {
  private readonly logs = new Map<string, RequestLog>();
  private secrets: readonly string[] = [];
  private secretsAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly o: {
      dir?: string | null;
      captureBodies?: () => boolean;
      /** Every secret value to keep out of history; refreshed at most every 2 s. */
      secretValues?: () => Promise<string[]>;
      capacity?: number;
      bodyRecords?: number;
      maxBodyBytes?: number;
    } = {},
  ) {}

  for(deploymentId: string): RequestLog {
    let log = this.logs.get(deploymentId);
    if (!log) {
      log = new RequestLog({
        deploymentId,
        dir: this.o.dir ?? null,
        capacity: this.o.capacity,
        bodyRecords: this.o.bodyRecords,
        maxBodyBytes: this.o.maxBodyBytes,
        captureBodies: this.o.captureBodies,
        secretValues: () => this.secretList(),
      });
      this.logs.set(deploymentId, log);
    }
    return log;
  }

  get(deploymentId: string): RequestLog | undefined {
    return this.logs.get(deploymentId);
  }

  /** Reads the secret values now (call before traffic: a gateway opening). */
  async refreshSecrets(): Promise<void> {
    if (!this.o.secretValues) return;
    this.refreshing ??= this.o
      .secretValues()
      .then((v) => {
        // Longest first, so a secret containing another is replaced whole.
        this.secrets = [...new Set(v.filter((s) => typeof s === 'string' && s.length > 0))].sort((a, b) => b.length - a.length);
        this.secretsAt = performance.now();
      })
      .catch(() => undefined)
      .finally(() => (this.refreshing = null));
    await this.refreshing;
  }

  private secretList(): readonly string[] {
    if (performance.now() - this.secretsAt > 2000) void this.refreshSecrets();
    return this.secrets;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.logs.values()].map((l) => l.flush()));
  }
}
