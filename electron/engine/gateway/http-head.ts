// Strict parsers for the gateway's fast path: HTTP/1.1 request heads of the common shape
// (from API clients: a request with an Origin header, i.e. from a browser, is declined),
// and model-server response heads. They accept only what they are sure of; anything else
// (a request they decline) goes to Node's own HTTP server, which answers every odd case
// (400/431, Expect, chunked uploads, upgrades, HTTP/1.0, HEAD) the way it always has.

export const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Heads larger than this go to Node's server (which answers 431 past its own limit). */
export const FAST_HEAD_MAX = 8192;

export interface FastRequestHead {
  method: string;
  url: string;
  /** Flat [name, value, ...] like Node's rawHeaders (values trimmed). */
  raw: string[];
  /** -1 when the request has no body. */
  contentLength: number;
  authorization: string | undefined;
  host: string;
}

// The methods the fast path relays; HEAD (no response body whatever the headers say) and
// anything unusual go to Node's server.
const FAST_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

// RFC 9110 tchar: what a header name may hold.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

function isToken(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Field value chars: VCHAR, SP, HTAB, obs-text; no CR, LF, NUL or other controls. */
function isFieldValue(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

function trimOws(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === 0x20 || s.charCodeAt(from) === 0x09)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 0x09)) to--;
  return s.slice(from, to);
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Splits header lines of `head` starting at `at` into raw pairs; null on anything odd. */
function parseFields(head: string, at: number, raw: string[]): boolean {
  const end = head.length;
  while (at < end) {
    let eol = head.indexOf('\r\n', at);
    if (eol === -1) eol = end;
    const colon = head.indexOf(':', at);
    if (colon === -1 || colon > eol) return false;
    // No whitespace before the colon (request smuggling vector), no obs-fold.
    if (!isToken(head, at, colon)) return false;
    if (!isFieldValue(head, colon + 1, eol)) return false;
    raw.push(head.slice(at, colon), trimOws(head, colon + 1, eol));
    at = eol + 2;
  }
  return true;
}

/**
 * Parses a request head (the bytes before CRLFCRLF, latin1) when it is the plain common
 * case: HTTP/1.1, a fast method, an origin-form target, a Host, no body or one
 * Content-Length, no Transfer-Encoding, Expect, Upgrade, Origin or Connection: close. Null means
 * "let Node's server have it", never "reject".
 */
export function parseFastRequestHead(head: string): FastRequestHead | null {
  const sp1 = head.indexOf(' ');
  if (sp1 <= 0 || sp1 > 7) return null;
  const method = head.slice(0, sp1);
  if (!FAST_METHODS.has(method)) return null;
  let lineEnd = head.indexOf('\r\n', sp1);
  if (lineEnd === -1) lineEnd = head.length;
  const sp2 = lineEnd - 9;
  if (sp2 <= sp1 + 1 || head.charCodeAt(sp2) !== 0x20 || head.slice(sp2 + 1, lineEnd) !== 'HTTP/1.1') return null;
  if (head.charCodeAt(sp1 + 1) !== 0x2f /* '/' */) return null;
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = head.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return null;
  }
  const url = head.slice(sp1 + 1, sp2);
  const raw: string[] = [];
  if (lineEnd < head.length && !parseFields(head, lineEnd + 2, raw)) return null;
  let contentLength = -1;
  let hosts = 0;
  let host = '';
  let authorization: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    // Only names of the lengths below matter; skip the lowercasing for the rest.
    const len = name.length;
    if (len !== 4 && len !== 6 && len !== 7 && len !== 10 && len !== 13 && len !== 14 && len !== 17) continue;
    const lower = name.toLowerCase();
    const value = raw[i + 1];
    if (lower === 'host') {
      hosts++;
      host = value;
    } else if (lower === 'content-length') {
      if (contentLength !== -1 || !isDigits(value)) return null;
      contentLength = Number(value);
    } else if (lower === 'transfer-encoding' || lower === 'expect' || lower === 'upgrade') return null;
    // Browser requests (CORS, preflights) are answered in one place: Node's request path.
    else if (lower === 'origin') return null;
    else if (lower === 'connection') {
      // Anything beyond plain keep-alive goes through Node's path.
      if (value.trim().toLowerCase() !== 'keep-alive') return null;
    } else if (lower === 'authorization') {
      if (authorization !== undefined) return null;
      authorization = value;
    }
  }
  if (hosts !== 1) return null;
  return { method, url, raw, contentLength, authorization, host };
}

export interface ResponseHead {
  status: number;
  statusText: string;
  /** HTTP/1.1 (keep-alive by default) rather than 1.0. */
  http11: boolean;
  raw: string[];
  /** 'length' with contentLength, 'chunked', 'close' (body ends with the connection), 'none'. */
  framing: 'length' | 'chunked' | 'close' | 'none';
  contentLength: number;
  /** The server will close the connection after this response. */
  closes: boolean;
}

/** Parses a model server's response head; null when it is not valid HTTP/1.x. */
export function parseResponseHead(head: string, requestMethod: string): ResponseHead | null {
  if (!head.startsWith('HTTP/1.')) return null;
  const v = head.charCodeAt(7);
  if ((v !== 0x31 && v !== 0x30) || head.charCodeAt(8) !== 0x20) return null;
  const code = head.slice(9, 12);
  if (!isDigits(code)) return null;
  const status = Number(code);
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = head.length;
  if (lineEnd > 12 && head.charCodeAt(12) !== 0x20) return null;
  if (!isFieldValue(head, 12, lineEnd)) return null;
  const statusText = lineEnd > 13 ? head.slice(13, lineEnd) : '';
  const raw: string[] = [];
  if (lineEnd < head.length && !parseFields(head, lineEnd + 2, raw)) return null;
  const http11 = v === 0x31;
  let contentLength = -1;
  let chunked = false;
  let te = false;
  let closes = !http11;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (lower === 'content-length') {
      if (!isDigits(value)) return null;
      const n = Number(value);
      if (contentLength !== -1 && contentLength !== n) return null;
      contentLength = n;
    } else if (lower === 'transfer-encoding') {
      te = true;
      // The last coding decides (RFC 9112 6.3); anything but chunked is close-delimited.
      const codings = value.toLowerCase().split(',');
      chunked = codings[codings.length - 1].trim() === 'chunked';
    } else if (lower === 'connection') {
      const c = value.toLowerCase();
      if (c.includes('close')) closes = true;
      else if (!http11 && c.includes('keep-alive')) closes = false;
    }
  }
  let framing: ResponseHead['framing'];
  if (requestMethod === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) framing = 'none';
  else if (te) framing = chunked ? 'chunked' : 'close';
  else if (contentLength !== -1) framing = 'length';
  else framing = 'close';
  if (framing === 'close') closes = true;
  return { status, statusText, http11, raw, framing, contentLength: framing === 'length' ? contentLength : -1, closes };
}

/**
 * Finds where a chunked body ends, fed the bytes as they arrive. `push` returns the offset
 * in `buf` just past the final CRLF once the body is complete, -1 while more is needed,
 * or -2 on a framing error. `onData` sees each chunk's payload (for token counting).
 */
export class ChunkedScanner {
  // 0 size line, 1 payload, 2 CRLF after payload, 3 trailer line start, 4 in trailer line
  private state = 0;
  private size = 0;
  private digits = 0;
  private inExt = false;
  private left = 0;
  private sawCR = false;

  push(buf: Buffer, onData: ((payload: Buffer) => void) | null): number {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      const c = buf[i];
      switch (this.state) {
        case 0: {
          if (this.sawCR) {
            if (c !== 0x0a || this.digits === 0) return -2;
            this.sawCR = false;
            this.inExt = false;
            this.digits = 0;
            if (this.size === 0) this.state = 3;
            else {
              this.left = this.size;
              this.state = 1;
            }
            this.size = 0;
            i++;
            break;
          }
          if (c === 0x0d) this.sawCR = true;
          else if (this.inExt) {
            if (c === 0x0a) return -2;
          } else if (c === 0x3b || c === 0x20 || c === 0x09) this.inExt = true;
          else {
            const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : -1;
            if (d < 0 || this.digits >= 12) return -2;
            this.size = this.size * 16 + d;
            this.digits++;
          }
          i++;
          break;
        }
        case 1: {
          const take = Math.min(this.left, n - i);
          if (onData !== null) onData(buf.subarray(i, i + take));
          this.left -= take;
          i += take;
          if (this.left === 0) this.state = 2;
          break;
        }
        case 2: {
          if (this.sawCR) {
            if (c !== 0x0a) return -2;
            this.sawCR = false;
            this.state = 0;
          } else if (c === 0x0d) this.sawCR = true;
          else return -2;
          i++;
          break;
        }
        case 3: {
          // Start of a trailer line: CRLF here ends the body.
          if (this.sawCR) {
            if (c !== 0x0a) return -2;
            this.sawCR = false;
            this.state = 0;
            return i + 1;
          }
          if (c === 0x0d) this.sawCR = true;
          else this.state = 4;
          i++;
          break;
        }
        default: {
          if (this.sawCR) {
            if (c !== 0x0a) return -2;
            this.sawCR = false;
            this.state = 3;
          } else if (c === 0x0d) this.sawCR = true;
          i++;
        }
      }
    }
    return -1;
  }
}
