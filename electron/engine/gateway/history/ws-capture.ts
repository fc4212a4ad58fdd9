// One WebSocket session as the gateway relays it: the relay stays a pair of raw pipes, and
// this reads a copy of the bytes each way. Only frame headers are parsed (to count messages
// and read the close code); payloads are skipped unless body capture keeps the first few
// messages, which then share the one size cap a request's bodies have.
import { performance } from 'node:perf_hooks';
import type { WsMessage } from '../../../../shared/requests.js';
import type { CaptureSink } from './capture.js';

/** Messages kept per session at most (body capture on), both directions together. */
export const WS_KEPT_MESSAGES = 8;

interface KeptMessage {
  dir: 'in' | 'out';
  binary: boolean;
  compressed: boolean;
  bytes: number;
  parts: Buffer[];
  truncated: boolean;
}

export class WsCapture {
  requestId: string | null = null;
  upstreamPath: string | null = null;
  private readonly time = Date.now();
  private handshakeMs: number | null = null;
  private readonly kept: KeptMessage[] | null;
  private budget: number;
  private readonly fromClient = new FrameTap('in', this);
  private readonly fromServer = new FrameTap('out', this);
  private done = false;

  constructor(
    private readonly sink: CaptureSink,
    private readonly deploymentId: string,
    private readonly startedAt: number,
    private readonly url: string,
    private readonly rawHeaders: readonly string[],
    private readonly client: string | null,
    keepBodies: boolean,
    maxBody: number,
  ) {
    this.kept = keepBodies ? [] : null;
    this.budget = maxBody;
  }

  /** The model server answered the handshake (101: frames follow). */
  handshake(): void {
    this.handshakeMs = performance.now() - this.startedAt;
  }

  /** Frame bytes from the client after the handshake. */
  clientData(b: Buffer): void {
    this.fromClient.push(b);
  }

  /** Frame bytes from the model server after the handshake. */
  serverData(b: Buffer): void {
    this.fromServer.push(b);
  }

  /** @internal A data message starts: a slot to keep its payload in, or null. */
  startMessage(dir: 'in' | 'out', binary: boolean, compressed: boolean): KeptMessage | null {
    if (this.kept === null || this.kept.length >= WS_KEPT_MESSAGES || this.budget <= 0) return null;
    const m: KeptMessage = { dir, binary, compressed, bytes: 0, parts: [], truncated: false };
    this.kept.push(m);
    return m;
  }

  /** @internal Payload bytes (unmasked) of a kept message; counted whole, kept within the cap. */
  keep(m: KeptMessage, b: Buffer): void {
    m.bytes += b.length;
    if (m.compressed) return;
    const n = Math.min(b.length, this.budget);
    if (n > 0) m.parts.push(Buffer.from(b.subarray(0, n)));
    this.budget -= n;
    if (n < b.length) m.truncated = true;
  }

  /** The session is over: 101 when it was relayed, else the status it was refused with. Once only. */
  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);
    const messages: WsMessage[] | null =
      this.kept === null
        ? null
        : this.kept.map((m) => {
            const payload = Buffer.concat(m.parts);
            return { dir: m.dir, binary: m.binary, bytes: m.bytes, data: m.compressed ? null : payload.toString(m.binary ? 'base64' : 'utf8'), truncated: m.truncated, compressed: m.compressed };
          });
    this.sink.finished({
      record: {
        kind: 'ws',
        deploymentId: this.deploymentId,
        requestId: this.requestId,
        time: this.time,
        method: 'GET',
        route: this.url,
        upstreamPath: this.upstreamPath,
        status,
        latencyMs: round(performance.now() - this.startedAt)!,
        ttfbMs: round(this.handshakeMs),
        ttftMs: null,
        stream: false,
        tokensIn: null,
        tokensOut: null,
        tokensSource: null,
        bytesIn: this.fromClient.bytes,
        bytesOut: this.fromServer.bytes,
        client: this.client,
        contentType: null,
        ws: { messagesIn: this.fromClient.messages, messagesOut: this.fromServer.messages, closeCode: this.fromClient.closeCode ?? this.fromServer.closeCode },
      },
      rawHeaders: this.rawHeaders,
      bodies: messages === null ? null : { request: null, requestTruncated: false, response: null, responseTruncated: false, reassembled: false, messages },
    });
  }
}

/**
 * Reads RFC 6455 frames from one direction's byte stream, whatever the chunk splits: counts
 * complete data messages (fragments joined), reads a close frame's code, and hands payload
 * of kept messages over unmasked. A stream that stops being valid WebSocket is only counted
 * in bytes from there on.
 */
export class FrameTap {
  bytes = 0;
  messages = 0;
  closeCode: number | null = null;
  private readonly head = Buffer.alloc(14);
  private headLen = 0;
  private need = 2;
  private remaining = 0;
  private inPayload = false;
  private broken = false;
  private opcode = 0;
  private fin = false;
  private mask: Buffer | null = null;
  private maskAt = 0;
  private message: KeptMessage | null = null;
  private inMessage = false;
  private control: Buffer[] = [];

  constructor(
    private readonly dir: 'in' | 'out',
    private readonly owner: Pick<WsCapture, 'startMessage' | 'keep'>,
  ) {}

  push(b: Buffer): void {
    this.bytes += b.length;
    let i = 0;
    while (i < b.length && !this.broken) {
      if (this.inPayload) {
        const n = Math.min(this.remaining, b.length - i);
        this.payload(b.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      const n = Math.min(this.need - this.headLen, b.length - i);
      b.copy(this.head, this.headLen, i, i + n);
      this.headLen += n;
      i += n;
      if (this.headLen === 2) {
        const len7 = this.head[1] & 0x7f;
        this.need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.head[1] & 0x80 ? 4 : 0);
      }
      if (this.headLen === this.need) this.startFrame();
    }
  }

  private startFrame(): void {
    const h = this.head;
    this.fin = (h[0] & 0x80) !== 0;
    this.opcode = h[0] & 0x0f;
    const len7 = h[1] & 0x7f;
    let at = 2;
    let len = len7;
    if (len7 === 126) {
      len = h.readUInt16BE(2);
      at = 4;
    } else if (len7 === 127) {
      len = Number(h.readBigUInt64BE(2));
      at = 10;
    }
    this.mask = h[1] & 0x80 ? Buffer.from(h.subarray(at, at + 4)) : null;
    this.maskAt = 0;
    if (this.opcode === 1 || this.opcode === 2) {
      if (this.inMessage) return this.break();
      this.inMessage = true;
      // RSV1 on a message's first frame: compressed with permessage-deflate.
      this.message = this.owner.startMessage(this.dir, this.opcode === 2, (h[0] & 0x40) !== 0);
    } else if (this.opcode === 0) {
      if (!this.inMessage) return this.break();
    } else if (this.opcode < 8 || this.opcode > 10) {
      return this.break();
    }
    this.control = [];
    this.remaining = len;
    this.inPayload = true;
    if (len === 0) this.endFrame();
  }

  private payload(b: Buffer): void {
    const isControl = this.opcode >= 8;
    if (!isControl && this.message === null) return;
    let data = b;
    if (this.mask !== null) {
      data = Buffer.allocUnsafe(b.length);
      for (let j = 0; j < b.length; j++) data[j] = b[j] ^ this.mask[(this.maskAt + j) & 3];
      this.maskAt += b.length;
    }
    if (isControl) {
      // Control payloads are at most 125 bytes: the close code is in the first 2.
      if (this.opcode === 8) this.control.push(Buffer.from(data));
    } else this.owner.keep(this.message!, data);
  }

  private endFrame(): void {
    this.inPayload = false;
    this.headLen = 0;
    this.need = 2;
    if (this.opcode === 8) {
      const p = Buffer.concat(this.control);
      if (this.closeCode === null && p.length >= 2) this.closeCode = p.readUInt16BE(0);
    } else if (this.opcode <= 2 && this.fin) {
      this.messages++;
      this.inMessage = false;
      this.message = null;
    }
  }

  private break(): void {
    this.broken = true;
  }
}
