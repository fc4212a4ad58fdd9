// One ranged GET written straight into place in a file: undici's dispatch handler, not a
// body stream. At hundreds of MB/s on a 2-core machine the stream's async iteration and
// per-chunk promises cost more CPU than the copy itself; here socket chunks are gathered
// into 1 MiB batches, each written with one positional writev while the socket is paused.
import type { FileHandle } from 'node:fs/promises';
import type { Dispatcher } from 'undici';

const WRITE_BATCH = 1 << 20;

/**
 * writev until every byte is down: a nearly full disk can take part of a batch and report
 * it as written without an error; the next call then gets ENOSPC. Counting a short write as
 * whole would leave a hole recorded as data.
 */
async function writeAll(fh: FileHandle, bufs: Buffer[], len: number, pos: number): Promise<void> {
  let done = 0;
  while (done < len) {
    const rest = done === 0 ? bufs : sliceFrom(bufs, done);
    const { bytesWritten } = await fh.writev(rest, pos + done);
    if (bytesWritten <= 0) throw Object.assign(new Error(`no progress writing at byte ${pos + done}`), { code: 'EIO' });
    done += bytesWritten;
  }
}

function sliceFrom(bufs: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

export interface RangeTarget {
  fh: FileHandle;
  /** File offset of the first byte of the response body. */
  position: number;
  /** Most bytes to take from the body (the range's length). */
  maxBytes: number;
  /** After each batch reaches the file. */
  onWritten(bytes: number): void;
}

export interface RangeResponse {
  status: number;
  headers: Record<string, string>;
}

/**
 * Resolves with the status and headers once the body is fully written (2xx), or without
 * reading the body for other statuses. Rejects on a connection error after writing every
 * byte that arrived, so the caller's progress stays exact.
 */
export function fetchRangeInto(dispatcher: Dispatcher, url: string, headers: Record<string, string>, signal: AbortSignal | undefined, target: RangeTarget): Promise<RangeResponse> {
  const u = new URL(url);
  return new Promise<RangeResponse>((resolve, reject) => {
    let response: RangeResponse | null = null;
    let batch: Buffer[] = [];
    let batchLen = 0;
    let taken = 0;
    let pos = target.position;
    let writing: Promise<void> | null = null;
    let failed: Error | null = null;
    let ended = false;
    let ctl: Dispatcher.DispatchController | null = null;

    const finish = () => {
      if (writing || batchLen) return;
      signal?.removeEventListener('abort', onAbort);
      if (failed) reject(failed);
      else if (ended) resolve(response!);
    };
    const write = () => {
      if (writing || !batchLen) return finish();
      const bufs = batch;
      const len = batchLen;
      batch = [];
      batchLen = 0;
      writing = writeAll(target.fh, bufs, len, pos).then(
        () => {
          pos += len;
          target.onWritten(len);
        },
        (err: Error) => {
          failed ??= err;
          ctl?.abort(err);
        },
      );
      void writing.then(() => {
        writing = null;
        if (batchLen >= WRITE_BATCH || ((ended || failed) && batchLen)) write();
        else {
          if (ctl?.paused && !ended && !failed) ctl.resume();
          finish();
        }
      });
    };
    const onAbort = () => ctl?.abort(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });

    dispatcher.dispatch(
      { origin: u.origin, path: `${u.pathname}${u.search}`, method: 'GET', headers },
      {
        onRequestStart(controller) {
          ctl = controller;
          if (signal?.aborted) onAbort();
        },
        onResponseStart(controller, statusCode, h) {
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(h)) if (typeof v === 'string') flat[k] = v;
          response = { status: statusCode, headers: flat };
          if (statusCode < 200 || statusCode >= 300) {
            // The caller turns the status into an error; the body is not wanted.
            ended = true;
            controller.abort(new Error(`HTTP ${statusCode}`));
            signal?.removeEventListener('abort', onAbort);
            resolve(response);
          }
        },
        onResponseData(controller, chunk) {
          if (response && (response.status < 200 || response.status >= 300)) return;
          const room = target.maxBytes - taken;
          if (room <= 0) return;
          const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
          taken += piece.length;
          batch.push(piece);
          batchLen += piece.length;
          if (batchLen >= WRITE_BATCH && !writing) {
            controller.pause();
            write();
          } else if (writing && batchLen >= 4 * WRITE_BATCH) controller.pause();
        },
        onResponseEnd() {
          ended = true;
          write();
        },
        onResponseError(_controller, err) {
          if (response && (response.status < 200 || response.status >= 300)) return;
          failed ??= err;
          ended = true;
          write();
        },
      },
    );
  });
}
