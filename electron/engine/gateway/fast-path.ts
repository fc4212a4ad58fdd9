// The gateway's fast path: plain keep-alive HTTP/1.1 requests relayed over raw sockets,
// without Node's IncomingMessage/ServerResponse machinery (which cost about two thirds of
// the gateway's CPU per request in bench/gateway.mjs). It takes a request only when its
// whole head is in hand and of the common shape (see http-head.ts) and the gateway admits
// it at once (key, route, gate, body limit, a free slot). Anything else, at a request
// boundary, hands the connection to Node's HTTP server with the unread bytes put back, so
// every odd case keeps its one, tested answer.
import { STATUS_CODES } from 'node:http';
import { answerClientError, HEADERS_TIMEOUT_MS } from '../http/client-errors.js';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { clientResponseHeaders, type RequestHeaderResult } from './headers.js';
import { ChunkedScanner, CRLFCRLF, FAST_HEAD_MAX, parseFastRequestHead, parseResponseHead, type FastRequestHead, type ResponseHead } from './http-head.js';
import { countSseTokens } from './metrics.js';
import { upstreamFailure, type RelayHooks } from './proxy.js';
import type { UpstreamSockets } from './upstream-sockets.js';
import type { SlotLease } from './limiter.js';
import type { RequestCapture } from './history/capture.js';

export interface FastAdmission {
  path: string;
  headers: RequestHeaderResult;
  sockets: UpstreamSockets;
  /** The request's concurrency slot: the exchange owns it and gives it back in settle(). */
  lease: SlotLease;
  /** The request's history record in the making (null: no history kept). */
  capture: RequestCapture | null;
}

export interface FastHost {
  /** Admits a request (taking its slot) or returns null: Node's server answers it. */
  admit(head: FastRequestHead, remoteAddress: string | undefined): FastAdmission | null;
  /** Records the outcome (status 499: the client left first); the slot is already back. */
  finish(status: number, startedAt: number): void;
  /** Gives the connection to Node's HTTP server. */
  handOff(socket: net.Socket): void;
  readonly hooks: RelayHooks;
}

/** Idle keep-alive connections close after this, like Node's server.keepAliveTimeout. */
export const FAST_KEEP_ALIVE_MS = 65_000;
/** Pipelined bytes held while a request is served; past this the socket is paused. */
const PIPELINE_HOLD = 64 * 1024;
/** A model server's response head larger than this is refused as malformed. */
const RESPONSE_HEAD_MAX = 64 * 1024;

let dateCache = '';
let dateAt = 0;
function httpDate(now: number): string {
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateCache = new Date(dateAt).toUTCString();
  }
  return dateCache;
}

/** One client connection while it is on the fast path. */
export class FastConnection {
  lastActive = Date.now();
  exchange: Exchange | null = null;
  private served = 0;
  private buf: Buffer | null = null;
  private gone = false;
  private readonly onData = (d: Buffer) => {
    try {
      this.data(d);
    } catch (err) {
      this.crash(err as Error);
    }
  };
  private readonly onClose = () => this.closed();
  // Node's server runs with allowHalfOpen; like it (httpAllowHalfOpen false), a client that
  // ends its side has left: its request is aborted and the connection closed.
  private readonly onEnd = () => this.socket.destroy();

  constructor(
    readonly socket: net.Socket,
    private readonly host: FastHost,
    private readonly registry: Set<FastConnection>,
  ) {
    registry.add(this);
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    socket.on('error', noop);
  }

  private data(d: Buffer): void {
    this.lastActive = Date.now();
    const ex = this.exchange;
    if (ex !== null && ex.bodyLeft > 0) {
      const take = Math.min(ex.bodyLeft, d.length);
      ex.sendBody(take === d.length ? d : d.subarray(0, take));
      if (take === d.length) return;
      d = d.subarray(take);
    }
    this.buf = this.buf === null ? d : Buffer.concat([this.buf, d]);
    if (this.exchange !== null) {
      if (this.buf.length > PIPELINE_HOLD) this.socket.pause();
      return;
    }
    this.next();
  }

  /** Starts the next buffered request, or hands the connection over. */
  next(): void {
    const buf = this.buf;
    if (buf === null || this.exchange !== null || this.gone) return;
    const end = buf.indexOf(CRLFCRLF);
    // A head split across reads, an oversized one, or one not of the plain shape: Node's
    // server takes it (with its header timeout, 400/431 answers and the rest).
    if (end === -1 || end > FAST_HEAD_MAX) return this.handOff();
    let head: FastRequestHead | null = null;
    try {
      head = parseFastRequestHead(buf.toString('latin1', 0, end));
    } catch {
      head = null;
    }
    if (head === null) return this.handOff();
    const startedAt = performance.now();
    const admission = this.host.admit(head, this.socket.remoteAddress);
    if (admission === null) return this.handOff();
    let rest: Buffer | null = end + 4 === buf.length ? null : buf.subarray(end + 4);
    this.buf = null;
    const ex = new Exchange(this, this.host, head, admission, startedAt);
    this.exchange = ex;
    if (rest !== null && ex.bodyLeft > 0) {
      const take = Math.min(ex.bodyLeft, rest.length);
      ex.sendBody(take === rest.length ? rest : rest.subarray(0, take));
      rest = take === rest.length ? null : rest.subarray(take);
    }
    this.buf = rest;
    ex.start();
  }

  /** The exchange ended; `reusable` false closes the connection. */
  exchangeDone(reusable: boolean): void {
    this.exchange = null;
    this.served++;
    this.lastActive = Date.now();
    if (!reusable) {
      this.gone = true;
      this.socket.end();
      // A client that never reads or closes must not keep the socket.
      setTimeout(() => this.socket.destroy(), 1_000).unref();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.next();
  }

  private handOff(): void {
    this.detach();
    const s = this.socket;
    if (this.buf !== null) s.unshift(this.buf);
    this.buf = null;
    this.host.handOff(s);
  }

  private detach(): void {
    this.registry.delete(this);
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', noop);
  }

  private closed(): void {
    this.gone = true;
    this.registry.delete(this);
    this.exchange?.clientGone();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Timeouts, called from the gateway's sweep: a connection that never sent a whole
   * request head gets Node's 408 after the header timeout; an idle keep-alive one closes.
   */
  sweep(now: number): void {
    if (this.exchange !== null || this.gone) return;
    const idle = now - this.lastActive;
    if (this.served === 0 && idle > HEADERS_TIMEOUT_MS) {
      this.gone = true;
      this.detach();
      answerClientError(Object.assign(new Error('request head timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), this.socket);
    } else if (idle > FAST_KEEP_ALIVE_MS) this.destroy();
  }

  /** A bug in the fast path costs this request a 500 and this connection, never the app. */
  crash(err: Error): void {
    const ex = this.exchange;
    if (ex !== null && ex.answerInternalError(err)) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1_000).unref();
    } else this.socket.destroy();
  }
}

function noop(): void {}

/**
 * One request relayed to the model server over a pooled connection. It ends in settle(),
 * and only there: the model server's answer relayed, the model server failing (502, or the
 * client cut mid-answer), or the client connection closing (the backstop: every exchange's
 * client socket closes sooner or later), whichever comes first.
 */
class Exchange {
  bodyLeft: number;
  private up: net.Socket | null = null;
  private reused = false;
  private retried = false;
  private pendingBody: Buffer[] | null = null;
  private upBuf: Buffer | null = null;
  private resp: ResponseHead | null = null;
  private respLeft = 0;
  private scanner: ChunkedScanner | null = null;
  private sse = false;
  private status = 0;
  private headSent = false;
  private gotBytes = false;
  private done = false;
  private readonly onUpData = (d: Buffer) => {
    try {
      this.upData(d);
    } catch (err) {
      this.conn.crash(err as Error);
    }
  };
  private readonly onUpEnd = () => {
    try {
      this.upEnded(null);
    } catch (err) {
      this.conn.crash(err as Error);
    }
  };
  private readonly onUpError = (e: Error & { code?: string }) => {
    try {
      this.upEnded(e);
    } catch (err) {
      this.conn.crash(err as Error);
    }
  };
  private readonly onClientDrain = () => this.up?.resume();
  private readonly onUpDrain = () => this.conn.socket.resume();
  private readonly countTokens = (payload: Buffer) => {
    if (this.sse) {
      const n = countSseTokens(payload);
      if (n > 0) this.host.hooks.onTokens(n);
    }
    this.admission.capture?.responseData(payload);
  };
  /** Decoded body bytes are wanted: SSE token counting or a history record. */
  private watchBody = false;

  constructor(
    private readonly conn: FastConnection,
    private readonly host: FastHost,
    private readonly head: FastRequestHead,
    private readonly admission: FastAdmission,
    private readonly startedAt: number,
  ) {
    this.bodyLeft = head.contentLength > 0 ? head.contentLength : 0;
  }

  private requestHead(): string {
    const h = this.admission.headers.headers;
    let s = this.head.method + ' ' + this.admission.path + ' HTTP/1.1\r\n';
    for (let i = 0; i < h.length; i += 2) s += h[i] + ': ' + h[i + 1] + '\r\n';
    return s + '\r\n';
  }

  start(): void {
    const pool = this.admission.sockets;
    const reuse = pool.take(Date.now());
    this.reused = reuse !== null;
    this.attach(reuse ?? pool.connect());
  }

  private attach(up: net.Socket): void {
    this.up = up;
    up.on('data', this.onUpData);
    up.on('end', this.onUpEnd);
    up.on('close', this.onUpEnd);
    up.on('error', this.onUpError);
    up.write(this.requestHead(), 'latin1');
    const pending = this.pendingBody;
    this.pendingBody = null;
    if (pending !== null) for (const b of pending) this.writeBody(b);
  }

  /** Request body bytes from the client, in order. */
  sendBody(b: Buffer): void {
    this.bodyLeft -= b.length;
    this.admission.capture?.requestData(b);
    if (this.up === null) (this.pendingBody ??= []).push(b);
    else this.writeBody(b);
  }

  private writeBody(b: Buffer): void {
    if (this.done) return;
    // Kept for a retry on a fresh connection only when nothing was sent yet: bodies are not.
    this.retried = true;
    if (!this.up!.write(b)) {
      this.conn.socket.pause();
      this.up!.once('drain', this.onUpDrain);
    }
  }

  private detachUp(): net.Socket | null {
    const up = this.up;
    if (up === null) return null;
    this.up = null;
    up.off('data', this.onUpData);
    up.off('end', this.onUpEnd);
    up.off('close', this.onUpEnd);
    up.off('error', this.onUpError);
    up.off('drain', this.onUpDrain);
    if (up.isPaused()) up.resume();
    return up;
  }

  private upData(d: Buffer): void {
    if (this.done) return;
    this.gotBytes = true;
    if (this.resp === null) {
      const buf = this.upBuf === null ? d : Buffer.concat([this.upBuf, d]);
      const end = buf.indexOf(CRLFCRLF);
      if (end === -1) {
        if (buf.length > RESPONSE_HEAD_MAX) return this.fail('EMSGSIZE');
        this.upBuf = buf;
        return;
      }
      this.upBuf = null;
      const resp = parseResponseHead(buf.toString('latin1', 0, end), this.head.method);
      if (resp === null) return this.fail('HPE_INVALID_RESPONSE');
      const rest = buf.subarray(end + 4);
      // Nobody asked this server to switch protocols.
      if (resp.status === 101) return this.fail('HPE_UNEXPECTED_UPGRADE');
      // An interim answer (103 Early Hints): the real one follows.
      if (resp.status < 200) return rest.length > 0 ? this.upData(rest) : undefined;
      this.resp = resp;
      this.writeHead(resp, rest);
      return;
    }
    this.body(d);
  }

  private writeHead(resp: ResponseHead, rest: Buffer): void {
    this.host.hooks.onResponseHeaders(this.startedAt);
    const out = clientResponseHeaders(resp.raw, this.admission.headers.requestId);
    this.sse = out.sse;
    this.watchBody = out.sse || this.admission.capture !== null;
    this.admission.capture?.responseHead(resp.raw, out.sse);
    this.status = resp.status;
    const h = out.headers;
    let s = 'HTTP/1.1 ' + resp.status + ' ' + (resp.statusText || STATUS_CODES[resp.status] || '') + '\r\n';
    let haveDate = false;
    // Beside chunked framing a Content-Length would contradict it (RFC 9112 6.3).
    const dropLength = resp.framing === 'chunked' || resp.framing === 'close';
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i];
      const len = name.length;
      if (len === 4 && name.toLowerCase() === 'date') haveDate = true;
      else if (dropLength && len === 14 && name.toLowerCase() === 'content-length') continue;
      s += name + ': ' + h[i + 1] + '\r\n';
    }
    if (!haveDate) s += 'Date: ' + httpDate(Date.now()) + '\r\n';
    if (resp.framing === 'chunked') s += 'Transfer-Encoding: chunked\r\n';
    if (resp.framing === 'close') s += 'Connection: close\r\n\r\n';
    else s += 'Connection: keep-alive\r\nKeep-Alive: timeout=' + FAST_KEEP_ALIVE_MS / 1000 + '\r\n\r\n';
    this.headSent = true;
    if (resp.framing === 'length') this.respLeft = resp.contentLength;
    else if (resp.framing === 'chunked') this.scanner = new ChunkedScanner();
    if (resp.framing === 'none' || (resp.framing === 'length' && resp.contentLength === 0)) {
      this.conn.socket.write(s, 'latin1');
      return this.complete(rest.length === 0);
    }
    if (rest.length === 0) {
      // Streams show their status as soon as the model answers.
      this.conn.socket.write(s, 'latin1');
      return;
    }
    // Head and the first body bytes in one write.
    const headLen = Buffer.byteLength(s, 'latin1');
    const out1 = Buffer.allocUnsafe(headLen + rest.length);
    out1.write(s, 0, 'latin1');
    rest.copy(out1, headLen);
    this.body(out1, headLen);
  }

  /** Relays body bytes (`chunk` from `from` on; earlier bytes are the head). */
  private body(chunk: Buffer, from = 0): void {
    const resp = this.resp!;
    let end = chunk.length;
    let finished = false;
    let clean = true;
    if (resp.framing === 'length') {
      const n = chunk.length - from;
      if (n >= this.respLeft) {
        end = from + this.respLeft;
        finished = true;
        clean = n === this.respLeft;
      }
      this.respLeft -= Math.min(n, this.respLeft);
      if (this.watchBody) this.countTokens(chunk.subarray(from, end));
    } else if (resp.framing === 'chunked') {
      const at = this.scanner!.push(from === 0 ? chunk : chunk.subarray(from), this.watchBody ? this.countTokens : null);
      if (at === -2) {
        this.conn.socket.write(from === 0 ? chunk.subarray(0, 0) : chunk.subarray(0, from));
        return this.fail('HPE_INVALID_CHUNK_SIZE');
      }
      if (at >= 0) {
        end = from + at;
        finished = true;
        clean = end === chunk.length;
      }
    } else if (this.watchBody) this.countTokens(chunk.subarray(from));
    const piece = end === chunk.length ? chunk : chunk.subarray(0, end);
    const ok = this.conn.socket.write(piece);
    if (finished) return this.complete(clean);
    if (!ok) {
      this.up!.pause();
      this.conn.socket.once('drain', this.onClientDrain);
    }
  }

  /** The response is fully relayed. */
  private complete(clean: boolean): void {
    if (this.done) return;
    this.done = true;
    this.conn.socket.off('drain', this.onClientDrain);
    const resp = this.resp;
    const up = this.detachUp();
    if (up !== null) {
      if (clean && resp !== null && !resp.closes && this.bodyLeft === 0 && this.pendingBody === null) this.admission.sockets.put(up, Date.now());
      else up.destroy();
    }
    this.settle(this.status);
    // Unread request body (the server answered early) or a close-delimited answer: this
    // connection cannot carry another request.
    this.conn.exchangeDone(this.bodyLeft === 0 && (resp === null || resp.framing !== 'close'));
  }

  private upEnded(err: (Error & { code?: string }) | null): void {
    if (this.done) return;
    const resp = this.resp;
    if (resp !== null && resp.framing === 'close' && err === null) return this.complete(false);
    // A reused connection the server had just closed: one fresh try, before any byte of
    // an answer and only for requests without a body.
    if (this.reused && !this.gotBytes && !this.retried && this.head.contentLength <= 0) {
      this.retried = true;
      this.detachUp()?.destroy();
      this.reused = false;
      this.attach(this.admission.sockets.connect());
      return;
    }
    this.fail(err?.code ?? (resp === null ? 'ECONNRESET' : 'EPIPE'));
  }

  /** The model server failed: 502 before any answer went out, else cut the stream. */
  private fail(code: string): void {
    if (this.done) return;
    this.detachUp()?.destroy();
    if (this.headSent) {
      // A truncated response must not look complete.
      this.settle(this.status);
      this.conn.socket.destroy();
      return;
    }
    const body = JSON.stringify(upstreamFailure(code));
    const keep = this.bodyLeft === 0;
    const s =
      'HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ' +
      Buffer.byteLength(body) +
      '\r\ncache-control: no-store\r\nx-baseten-request-id: ' +
      this.admission.headers.requestId +
      '\r\nDate: ' +
      httpDate(Date.now()) +
      (keep ? '\r\nConnection: keep-alive\r\nKeep-Alive: timeout=' + FAST_KEEP_ALIVE_MS / 1000 : '\r\nConnection: close') +
      '\r\n\r\n';
    this.status = 502;
    this.headSent = true;
    this.conn.socket.write(s + body);
    this.settle(502);
    this.conn.exchangeDone(keep);
  }

  /** Answers 500 when nothing was sent yet (true), so the client hears what happened. */
  answerInternalError(err: Error): boolean {
    this.detachUp()?.destroy();
    if (this.done || this.headSent) return false;
    const body = JSON.stringify({ error: `The gateway failed on this request: ${err.message}`, hint: 'Retry; if it keeps happening, report it with the Berth logs.' });
    this.conn.socket.write(
      'HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ' +
        Buffer.byteLength(body) +
        '\r\ncache-control: no-store\r\nConnection: close\r\n\r\n' +
        body,
    );
    this.headSent = true;
    this.status = 500;
    this.settle(500);
    return true;
  }

  /** The client went away: stop the upstream request (the model stops generating). */
  clientGone(): void {
    if (!this.done) this.detachUp()?.destroy();
    this.settle(this.headSent ? this.status : 499);
  }

  /** The exchange is over: no more relaying; the slot goes back and the outcome is counted, once. */
  private settle(status: number): void {
    this.done = true;
    const lease = this.admission.lease;
    if (!lease.held) return;
    lease.release();
    this.admission.capture?.finish(status);
    this.host.finish(status, this.startedAt);
  }
}
