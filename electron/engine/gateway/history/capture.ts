// One request as the gateway sees it pass: fed by both relay paths (proxy.ts, fast-path.ts)
// with the decoded body bytes each way, finished once with the status. Cheap when bodies
// are not captured: counters, a bounded buffer for JSON `usage`, and the SSE reassembler.
import { performance } from 'node:perf_hooks';
import type { RequestRecord, TokenSource, WsMessage } from '../../../../shared/requests.js';
import { SseAssembler } from './sse.js';

/** What a capture hands its log when the request is over. */
export interface FinishedCapture {
  record: Omit<RequestRecord, 'seq' | 'headers' | 'bodies'>;
  rawHeaders: readonly string[];
  bodies: { request: Buffer | null; requestTruncated: boolean; response: string | null; responseTruncated: boolean; reassembled: boolean; messages?: WsMessage[] } | null;
}

export interface CaptureSink {
  finished(c: FinishedCapture): void;
}

export class RequestCapture {
  requestId: string | null = null;
  upstreamPath: string | null = null;
  private readonly time = Date.now();
  private bytesIn = 0;
  private bytesOut = 0;
  private reqParts: Buffer[] | null;
  private reqLen = 0;
  private respParts: Buffer[] = [];
  private respLen = 0;
  private ttfbMs: number | null = null;
  private ttftMs: number | null = null;
  private contentType: string | null = null;
  private sse: SseAssembler | null = null;
  private done = false;

  constructor(
    private readonly sink: CaptureSink,
    private readonly deploymentId: string,
    private readonly startedAt: number,
    private readonly method: string,
    private readonly url: string,
    private readonly rawHeaders: readonly string[],
    private readonly client: string | null,
    /** Keep the bodies (the capture setting), each up to `maxBody` bytes. */
    private readonly keepBodies: boolean,
    private readonly maxBody: number,
  ) {
    this.reqParts = keepBodies ? [] : null;
  }

  /** Request body bytes as they go upstream. */
  requestData(b: Buffer): void {
    this.bytesIn += b.length;
    if (this.reqParts === null || this.reqLen > this.maxBody) return;
    this.reqParts.push(Buffer.from(b.subarray(0, this.maxBody + 1 - this.reqLen)));
    this.reqLen += b.length;
  }

  responseHead(rawHeaders: readonly string[], sse: boolean): void {
    this.ttfbMs = performance.now() - this.startedAt;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (rawHeaders[i].length === 12 && rawHeaders[i].toLowerCase() === 'content-type') this.contentType = rawHeaders[i + 1];
    }
    if (sse) this.sse = new SseAssembler(this.keepBodies, this.maxBody, () => (this.ttftMs = performance.now() - this.startedAt));
  }

  /** Response body bytes (payload, without chunked framing). */
  responseData(b: Buffer): void {
    this.bytesOut += b.length;
    if (this.sse !== null) {
      this.sse.push(b);
      return;
    }
    // Kept even without body capture, to read `usage` from a JSON answer.
    if (this.respLen > this.maxBody) return;
    this.respParts.push(Buffer.from(b.subarray(0, this.maxBody + 1 - this.respLen)));
    this.respLen += b.length;
  }

  /** The request is over (`status` 499: the client left before an answer). Once only. */
  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    const latencyMs = performance.now() - this.startedAt;
    let tokensIn: number | null = null;
    let tokensOut: number | null = null;
    let tokensSource: TokenSource | null = null;
    let response: string | null = null;
    const respTruncated = this.respLen > this.maxBody;
    const sse = this.sse;
    if (sse !== null) {
      tokensIn = numberOr(sse.usage?.prompt_tokens);
      tokensOut = numberOr(sse.usage?.completion_tokens);
      if (tokensOut !== null) tokensSource = 'usage';
      else if (sse.contentChunks > 0) {
        tokensOut = sse.contentChunks;
        tokensSource = 'chunks';
      }
      if (this.keepBodies) response = sse.reassembled();
    } else if (this.respLen > 0) {
      const text = Buffer.concat(this.respParts).toString('utf8', 0, Math.min(this.respLen, this.maxBody));
      if (!respTruncated && this.contentType !== null && this.contentType.includes('json')) {
        const usage = usageOf(text);
        if (usage) {
          tokensIn = numberOr(usage.prompt_tokens);
          tokensOut = numberOr(usage.completion_tokens);
          if (tokensOut !== null) tokensSource = 'usage';
        }
      }
      if (this.keepBodies) response = text;
    }
    this.respParts = [];
    const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);
    this.sink.finished({
      record: {
        deploymentId: this.deploymentId,
        requestId: this.requestId,
        time: this.time,
        method: this.method,
        route: this.url,
        upstreamPath: this.upstreamPath,
        status,
        latencyMs: round(latencyMs)!,
        ttfbMs: round(this.ttfbMs),
        ttftMs: round(this.ttftMs),
        stream: sse !== null,
        tokensIn,
        tokensOut,
        tokensSource,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        client: this.client,
        contentType: this.contentType,
      },
      rawHeaders: this.rawHeaders,
      bodies: this.keepBodies
        ? {
            request: this.reqParts !== null && this.reqParts.length > 0 ? Buffer.concat(this.reqParts).subarray(0, this.maxBody) : null,
            requestTruncated: this.reqLen > this.maxBody,
            response,
            responseTruncated: sse !== null ? sse.truncated : respTruncated,
            reassembled: sse !== null,
          }
        : null,
    });
  }
}

function numberOr(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function usageOf(text: string): { prompt_tokens?: unknown; completion_tokens?: unknown } | null {
  // Most answers are not completions: skip the parse unless a usage block is there.
  if (!text.includes('"usage"')) return null;
  try {
    const v = JSON.parse(text) as { usage?: unknown };
    return v && typeof v.usage === 'object' && v.usage !== null ? (v.usage as { prompt_tokens?: unknown; completion_tokens?: unknown }) : null;
  } catch {
    return null;
  }
}
