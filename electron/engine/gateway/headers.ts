// Header rewriting for the relay: hop-by-hop headers are dropped in both directions
// (RFC 9110 7.6.1), the gateway's own key never reaches the model server, and the
// request id travels both ways. Works on Node's flat rawHeaders arrays so no header
// object is built on the hot path.

// Hop-by-hop headers (RFC 9110 7.6.1, plus the legacy proxy ones): never relayed either way;
// Node's server re-frames the response itself.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

// Request headers the relay drops or sets itself. transfer-encoding and expect are the
// upstream client's business (it frames a streamed upload itself; Node's server already
// answered 100-continue to the client).
const REQUEST_DROP = new Set([...HOP_BY_HOP, 'expect', 'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

const RESPONSE_DROP = new Set(HOP_BY_HOP);

export const REQUEST_ID = 'x-baseten-request-id';

const PROTECTED = new Set(['content-length', 'transfer-encoding', 'host', REQUEST_ID]);

/** Extra header names a Connection header lists (beyond keep-alive/close/upgrade). */
function connectionListed(value: string | undefined): Set<string> | null {
  if (!value) return null;
  // The common values, without splitting.
  if (value.length <= 10) {
    const v = value.toLowerCase();
    if (v === 'keep-alive' || v === 'close' || v === 'upgrade') return null;
  }
  let set: Set<string> | null = null;
  for (const t of value.split(',')) {
    const n = t.trim().toLowerCase();
    if (n === '' || n === 'keep-alive' || n === 'close' || n === 'upgrade') continue;
    // Framing and identity are never the client's to remove: dropping Content-Length here
    // would turn the body into a second, smuggled request to the model server.
    if (PROTECTED.has(n)) continue;
    (set ??= new Set()).add(n);
  }
  return set;
}

export interface RequestHeaderResult {
  headers: string[];
  requestId: string;
  hasBody: 'none' | 'length' | 'chunked';
  contentLength: number;
}

/**
 * Builds the upstream request header list.
 * - `isGatewayKey(value)` says whether an Authorization value carries the gateway key:
 *   that header is consumed here; any other Authorization (a model server's own key,
 *   e.g. vLLM --api-key) is forwarded.
 * - `keepUpgrade` keeps Connection/Upgrade for the WebSocket handshake.
 */
export function upstreamRequestHeaders(
  raw: string[],
  hostHeader: string,
  remoteAddress: string | undefined,
  newRequestId: () => string,
  isGatewayKey: ((value: string) => boolean) | null,
  keepUpgrade: boolean,
): RequestHeaderResult {
  const out: string[] = [];
  let requestId = '';
  let xff = '';
  let origHost = '';
  let connection: string | undefined;
  let hasBody: RequestHeaderResult['hasBody'] = 'none';
  let contentLength = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const lower = name.length === 0 ? name : name.toLowerCase();
    if (REQUEST_DROP.has(lower)) {
      if (lower === 'connection') {
        connection = value;
        if (keepUpgrade) out.push(name, value);
      } else if (lower === 'upgrade') {
        if (keepUpgrade) out.push(name, value);
      } else if (lower === 'x-forwarded-for') xff = value;
      else if (lower === 'host') origHost = value;
      else if (lower === 'transfer-encoding') {
        if (hasBody === 'none') hasBody = 'chunked';
        if (keepUpgrade) out.push(name, value);
      }
      continue;
    }
    if (lower === 'authorization' && isGatewayKey !== null && isGatewayKey(value)) continue;
    if (lower === REQUEST_ID) requestId = value;
    else if (lower === 'content-length') {
      hasBody = 'length';
      contentLength = Number(value);
    }
    out.push(name, value);
  }
  if (requestId === '') {
    requestId = newRequestId();
    out.push('X-Baseten-Request-Id', requestId);
  }
  out.push('Host', hostHeader);
  if (remoteAddress) out.push('X-Forwarded-For', xff ? xff + ', ' + remoteAddress : remoteAddress);
  out.push('X-Forwarded-Proto', 'http');
  if (origHost) out.push('X-Forwarded-Host', origHost);
  const listed = connectionListed(connection);
  return { headers: listed ? dropNames(out, listed) : out, requestId, hasBody, contentLength };
}

/** The response header list for the client, with the request id added when absent. */
export function clientResponseHeaders(raw: string[], requestId: string): { headers: string[]; streaming: boolean; sse: boolean; contentLength: number } {
  const out: string[] = [];
  let connection: string | undefined;
  let haveId = false;
  let streaming = true;
  let sse = false;
  let contentLength = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const lower = name.toLowerCase();
    if (RESPONSE_DROP.has(lower)) {
      if (lower === 'connection') connection = value;
      continue;
    }
    if (lower === 'content-length') {
      streaming = false;
      contentLength = Number(value);
    }
    else if (lower === REQUEST_ID) haveId = true;
    else if (lower === 'content-type') sse = value.startsWith('text/event-stream');
    out.push(name, value);
  }
  if (!haveId) out.push('X-Baseten-Request-Id', requestId);
  const listed = connectionListed(connection);
  return { headers: listed ? dropNames(out, listed) : out, streaming, sse, contentLength };
}

function dropNames(list: string[], names: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (!names.has(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
  }
  return out;
}
