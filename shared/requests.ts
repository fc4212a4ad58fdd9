// Request history: what the gateway records about every request it answers. Shared by the
// engine (electron/engine/gateway/history), the API, `berth requests` and the Requests tab.

/** Where tokensOut came from: the server's `usage`, or streamed chunks counted. */
export type TokenSource = 'usage' | 'chunks';

export interface RequestBodies {
  /** The request body as text (UTF-8), secrets replaced; null when it had none. */
  request: string | null;
  requestTruncated: boolean;
  /** The response body; an SSE stream is reassembled into one JSON completion. */
  response: string | null;
  responseTruncated: boolean;
  /** True when `response` was rebuilt from an SSE stream. */
  reassembled: boolean;
  /** WebSocket sessions: the first few messages, sharing the same size cap. */
  messages?: WsMessage[];
}

/** One WebSocket message kept with a session's record (body capture on). */
export interface WsMessage {
  /** in: client to model server; out: model server to client. */
  dir: 'in' | 'out';
  binary: boolean;
  /** The message's full payload size. */
  bytes: number;
  /** Text as UTF-8, binary as base64; null when compressed (permessage-deflate), kept as sent. */
  data: string | null;
  truncated: boolean;
  compressed: boolean;
}

/** What a WebSocket session adds to its record (`kind: 'ws'`). */
export interface WsSession {
  messagesIn: number;
  messagesOut: number;
  /** The close code the first close frame carried (null: none, the connection just ended). */
  closeCode: number | null;
}

export interface RequestRecord {
  /** Order of arrival within the deployment's history (gaps: records dropped by the cap). */
  seq: number;
  /** 'ws': one WebSocket session (status 101 or its refusal, latency = session length). Absent: HTTP. */
  kind?: 'http' | 'ws';
  deploymentId: string;
  /** The X-Baseten-Request-Id the gateway forwarded (null: answered by the gateway itself). */
  requestId: string | null;
  /** Start, ms since epoch. */
  time: number;
  method: string;
  /** Path and query as the client sent them (secret values replaced). */
  route: string;
  /** The model server path it was relayed to; null when the gateway answered (401, 404, 429, 503...). */
  upstreamPath: string | null;
  /** HTTP status; 499 when the client left before any answer. */
  status: number;
  latencyMs: number;
  /** Time to the response headers. */
  ttfbMs: number | null;
  /** Streams: time to the first chunk carrying generated content. */
  ttftMs: number | null;
  stream: boolean;
  tokensIn: number | null;
  tokensOut: number | null;
  tokensSource: TokenSource | null;
  bytesIn: number;
  bytesOut: number;
  client: string | null;
  /** Request headers; credentials and cookies read "[redacted]". */
  headers: Record<string, string>;
  contentType: string | null;
  /** Present for the most recent requests while body capture is on. */
  bodies: RequestBodies | null;
  /** WebSocket sessions only; bytesIn/bytesOut then count frames after the handshake. */
  ws?: WsSession;
}

export interface RequestFilter {
  /** Records after this seq (for following). */
  afterSeq?: number;
  /** Status class or code: "2xx", "4xx", "5xx", "429"... */
  status?: string;
  /** Substring of the route. */
  route?: string;
  /** Only HTTP requests or only WebSocket sessions. */
  kind?: 'http' | 'ws';
  limit?: number;
}

export const REDACTED = '[redacted]';
