// The HTTP relay: one request to the model server, streamed both ways with no buffering.
// The upstream side uses undici's Pool through its low-level dispatch API: about a third
// less CPU per request than http.request + Agent (measured, see bench/gateway.mjs), keep-
// alive connections, llhttp parsing, and backpressure without stream plumbing.
// Response chunks go to the client as they arrive (headers flushed at once for streams);
// a client that goes away aborts the upstream request so the model stops generating;
// uploads are counted against the body limit as they stream.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { clientResponseHeaders, type RequestHeaderResult } from './headers.js';
import { countSseTokens } from './metrics.js';
import { sendJson } from './respond.js';
import type { UpstreamSockets } from './upstream-sockets.js';
import type { RequestCapture } from './history/capture.js';

export interface RelayTarget {
  pool: Pool;
  host: string;
  port: number;
  hostHeader: string;
  maxBodyBytes: number;
  /** Raw keep-alive connections for the fast path. */
  sockets: UpstreamSockets;
}

export interface RelayHooks {
  newRequestId(): string;
  /** Null when no gateway key exists (nothing to strip). */
  isGatewayKey: ((value: string) => boolean) | null;
  onResponseHeaders(startedAt: number): void;
  onTokens(n: number): void;
}

/** A keep-alive pool to one model server. No timeouts: generations may run for hours. */
export function createUpstreamPool(host: string, port: number, connections: number): Pool {
  const h = host.includes(':') ? `[${host}]` : host;
  return new Pool(`http://${h}:${port}`, {
    connections,
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 4_000,
    // Stays under the 5 s idle timeout of Node and uvicorn servers so a reused
    // connection is never one the server is closing.
    keepAliveMaxTimeout: 4_000,
  });
}

export interface RelayedResponse extends ServerResponse {
  berthAbort?: (() => void) | null;
  /** The request's history record in the making, when the gateway keeps one. */
  berthCapture?: RequestCapture | null;
}

/** Called when the client's response closes: an unfinished exchange stops upstream too. */
export function abortUpstream(res: RelayedResponse): void {
  const abort = res.berthAbort;
  if (abort === undefined) return;
  res.berthAbort = undefined;
  if (abort !== null && !res.writableFinished) abort();
}

const BODY_TOO_LARGE = Symbol('body too large');

/**
 * Relays `req` (its upstream headers already built into `h`) to the upstream at `path`. The caller owns the concurrency slot and frees
 * it on the response's 'close', which fires exactly once whatever happens here.
 */
export function relay(req: IncomingMessage, res: RelayedResponse, h: RequestHeaderResult, path: string, target: RelayTarget, hooks: RelayHooks, startedAt: number): void {
  const requestId = h.requestId;
  let body: Dispatcher.DispatchOptions['body'] = null;
  const capture = res.berthCapture ?? null;
  // A recorded body is read through a generator that copies it as it passes; undici still
  // frames it by the Content-Length header the client sent.
  if (h.hasBody === 'length') body = capture === null ? req : (tappedBody(req, capture) as unknown as Dispatcher.DispatchOptions['body']);
  // undici streams async iterables (chunked framing); its types omit them.
  else if (h.hasBody === 'chunked') body = countedBody(req, target.maxBodyBytes, capture) as unknown as Dispatcher.DispatchOptions['body'];
  // null = connecting, the client may still go away before the abort handle exists.
  res.berthAbort = null;
  target.pool.dispatch(
    { method: req.method as Dispatcher.HttpMethod, path, headers: h.headers, body },
    new RelayHandler(res, requestId, h.hasBody === 'chunked' ? target.maxBodyBytes : 0, hooks, startedAt),
  );
}

/** Streams a chunked upload, failing once it passes `max` bytes. */
async function* countedBody(req: IncomingMessage, max: number, capture: RequestCapture | null): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > max) throw Object.assign(new Error('request body too large'), { [BODY_TOO_LARGE]: true });
    capture?.requestData(chunk);
    yield chunk;
  }
}

async function* tappedBody(req: IncomingMessage, capture: RequestCapture): AsyncGenerator<Buffer> {
  for await (const chunk of req as AsyncIterable<Buffer>) {
    capture.requestData(chunk);
    yield chunk;
  }
}

class RelayHandler implements Dispatcher.DispatchHandler {
  private resume: (() => void) | null = null;
  private contentLength = -1;
  private seen = 0;
  private ended = false;
  private sse = false;

  constructor(
    private readonly res: RelayedResponse,
    private readonly requestId: string,
    private readonly maxUpload: number,
    private readonly hooks: RelayHooks,
    private readonly startedAt: number,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    const res = this.res;
    if (res.destroyed) {
      abort();
      return;
    }
    if (res.berthAbort === null) res.berthAbort = () => abort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    const res = this.res;
    if (res.headersSent || res.destroyed) return true;
    this.hooks.onResponseHeaders(this.startedAt);
    this.resume = resume;
    const raw = new Array<string>(rawHeaders.length);
    for (let i = 0; i < rawHeaders.length; i++) raw[i] = rawHeaders[i].toString('latin1');
    const out = clientResponseHeaders(raw, this.requestId);
    res.berthCapture?.responseHead(raw, out.sse);
    res.writeHead(statusCode, statusText, out.headers as unknown as OutgoingHttpHeaders);
    this.contentLength = out.contentLength;
    this.sse = out.sse;
    // A stream's headers go out now, not with its first chunk, so clients see the
    // status as soon as the model answers.
    if (out.streaming) res.flushHeaders();
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.res;
    if (res.destroyed || this.ended) return true;
    if (this.sse) {
      const n = countSseTokens(chunk);
      if (n > 0) this.hooks.onTokens(n);
    }
    res.berthCapture?.responseData(chunk);
    this.seen += chunk.length;
    if (this.seen === this.contentLength) {
      // The whole body is here: it leaves with the headers in one write.
      this.ended = true;
      res.end(chunk);
      return true;
    }
    if (res.write(chunk)) return true;
    const resume = this.resume;
    if (resume) res.once('drain', resume);
    return false;
  }

  onComplete(): void {
    if (!this.ended) {
      this.ended = true;
      this.res.end();
    }
  }

  onError(err: Error & { code?: string; cause?: { code?: string } }): void {
    const res = this.res;
    if (res.destroyed || this.ended) return;
    if ((err as { [BODY_TOO_LARGE]?: boolean })[BODY_TOO_LARGE] === true) {
      sendJson(
        res,
        413,
        this.requestId,
        { error: `The request body is larger than ${Math.round(this.maxUpload / 1048576)} MiB.`, hint: 'Send a smaller body, or pass large inputs by URL.' },
        true,
      );
      return;
    }
    if (err.code === 'UND_ERR_INVALID_ARG' || err.code === 'UND_ERR_NOT_SUPPORTED') {
      sendJson(res, 400, this.requestId, { error: `The request cannot be forwarded: ${err.message}.`, hint: 'Remove the offending header or method and retry.' });
      return;
    }
    if (res.headersSent) {
      // Mid-stream failure: a truncated response must not look complete.
      res.destroy();
      return;
    }
    const code = err.code === 'ECONNREFUSED' || err.cause?.code === 'ECONNREFUSED' ? 'ECONNREFUSED' : (err.code ?? err.cause?.code ?? 'error');
    sendJson(res, 502, this.requestId, upstreamFailure(code));
  }
}

/** The 502 body for a failed model-server connection (shared with the fast path). */
export function upstreamFailure(code: string): { error: string; hint: string } {
  const refused = code === 'ECONNREFUSED';
  return {
    error: refused ? 'The model server refused the connection.' : `The connection to the model server failed (${code}).`,
    hint: refused
      ? 'The server process may have exited or not bound its port yet: check the deployment logs in Berth.'
      : 'Check the deployment logs in Berth; the request can be retried.',
  };
}
