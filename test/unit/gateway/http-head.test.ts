// The fast path's head parsers: they must take the plain case and decline (null) anything
// Node's own server should answer, and the chunked scanner must find a body's end however
// the bytes are split.
import { describe, expect, it } from 'vitest';
import { ChunkedScanner, parseFastRequestHead, parseResponseHead } from '../../../electron/engine/gateway/http-head.js';

const head = (lines: string[]) => lines.join('\r\n');

describe('parseFastRequestHead', () => {
  it('parses a plain request: method, target, trimmed raw headers, length, authorization', () => {
    const r = parseFastRequestHead(head(['POST /environments/production/predict?x=1 HTTP/1.1', 'Host: a:1', 'Content-Length:  12 ', 'Authorization: Api-Key k', 'X-Other:\tv\t']));
    expect(r).toEqual({
      method: 'POST',
      url: '/environments/production/predict?x=1',
      raw: ['Host', 'a:1', 'Content-Length', '12', 'Authorization', 'Api-Key k', 'X-Other', 'v'],
      contentLength: 12,
      authorization: 'Api-Key k',
      host: 'a:1',
    });
    expect(parseFastRequestHead(head(['GET / HTTP/1.1', 'host: x']))?.contentLength).toBe(-1);
    expect(parseFastRequestHead(head(['GET / HTTP/1.1', 'Host: x', 'Connection: keep-alive']))).not.toBeNull();
    expect(parseFastRequestHead(head(['GET / HTTP/1.1', 'Host: x', 'X-Empty:']))?.raw).toEqual(['Host', 'x', 'X-Empty', '']);
  });

  it.each([
    ['HTTP/1.0', ['GET / HTTP/1.0', 'Host: x']],
    ['HEAD (no body whatever the headers say)', ['HEAD / HTTP/1.1', 'Host: x']],
    ['an unknown method', ['BREW / HTTP/1.1', 'Host: x']],
    ['lowercase method', ['get / HTTP/1.1', 'Host: x']],
    ['absolute-form target', ['GET http://x/ HTTP/1.1', 'Host: x']],
    ['a space in the target', ['GET /a b HTTP/1.1', 'Host: x']],
    ['non-ASCII in the target', ['GET /\u00e9 HTTP/1.1', 'Host: x']],
    ['no Host', ['GET / HTTP/1.1', 'X: y']],
    ['two Hosts', ['GET / HTTP/1.1', 'Host: x', 'Host: y']],
    ['Transfer-Encoding', ['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked']],
    ['Expect', ['POST / HTTP/1.1', 'Host: x', 'Expect: 100-continue', 'Content-Length: 1']],
    ['Upgrade', ['GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket']],
    ['an Origin (browser requests get CORS handling on the Node path)', ['GET / HTTP/1.1', 'Host: x', 'Origin: http://127.0.0.1:1']],
    ['Connection: close', ['GET / HTTP/1.1', 'Host: x', 'Connection: close']],
    ['two Content-Lengths', ['POST / HTTP/1.1', 'Host: x', 'Content-Length: 1', 'Content-Length: 1']],
    ['a signed Content-Length', ['POST / HTTP/1.1', 'Host: x', 'Content-Length: +1']],
    ['an empty Content-Length', ['POST / HTTP/1.1', 'Host: x', 'Content-Length: ']],
    ['whitespace before the colon', ['GET / HTTP/1.1', 'Host : x']],
    ['obs-fold', ['GET / HTTP/1.1', 'Host: x', 'X: a', ' b']],
    ['a bare LF inside', ['GET / HTTP/1.1', 'Host: x\nX: y']],
    ['a NUL in a value', ['GET / HTTP/1.1', 'Host: x', 'X: a\u0000b']],
    ['a line without colon', ['GET / HTTP/1.1', 'Host: x', 'garbage']],
    ['an empty header name', ['GET / HTTP/1.1', 'Host: x', ': v']],
    ['two Authorization headers', ['GET / HTTP/1.1', 'Host: x', 'Authorization: a', 'Authorization: b']],
  ])('declines %s', (_what, lines) => {
    expect(parseFastRequestHead(head(lines))).toBeNull();
  });
});

describe('parseResponseHead', () => {
  it('finds the framing', () => {
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 5']), 'GET')).toMatchObject({ status: 200, statusText: 'OK', framing: 'length', contentLength: 5, closes: false });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), 'GET')).toMatchObject({ framing: 'chunked', closes: false });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked', 'Content-Length: 9']), 'GET')).toMatchObject({ framing: 'chunked' });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip']), 'GET')).toMatchObject({ framing: 'close', closes: true });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Type: text/plain']), 'GET')).toMatchObject({ framing: 'close', closes: true });
    expect(parseResponseHead(head(['HTTP/1.1 204 No Content', 'Content-Length: 7']), 'GET')).toMatchObject({ framing: 'none' });
    expect(parseResponseHead(head(['HTTP/1.1 304 Not Modified']), 'GET')).toMatchObject({ framing: 'none' });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 7']), 'HEAD')).toMatchObject({ framing: 'none' });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 1', 'Connection: close']), 'GET')).toMatchObject({ closes: true });
    expect(parseResponseHead(head(['HTTP/1.0 200 OK', 'Content-Length: 1']), 'GET')).toMatchObject({ http11: false, closes: true });
    expect(parseResponseHead(head(['HTTP/1.0 200 OK', 'Content-Length: 1', 'Connection: keep-alive']), 'GET')).toMatchObject({ closes: false });
    expect(parseResponseHead('HTTP/1.1 200', 'GET')).toMatchObject({ status: 200, statusText: '', raw: [] });
    expect(parseResponseHead(head(['HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 3']), 'GET')).toMatchObject({ contentLength: 3 });
  });

  it.each([
    ['a non-HTTP status line', 'ICY 200 OK'],
    ['HTTP/2', 'HTTP/2 200 OK'],
    ['a short status', 'HTTP/1.1 20 OK'],
    ['conflicting Content-Lengths', head(['HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 4'])],
    ['a bad Content-Length', head(['HTTP/1.1 200 OK', 'Content-Length: 3x'])],
    ['a broken header line', head(['HTTP/1.1 200 OK', 'nocolon'])],
  ])('refuses %s', (_what, text) => {
    expect(parseResponseHead(text, 'GET')).toBeNull();
  });
});

describe('ChunkedScanner', () => {
  const body = Buffer.from('5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n');

  it('finds the end in one piece, with the payloads, and leaves later bytes alone', () => {
    const s = new ChunkedScanner();
    const seen: string[] = [];
    const withNext = Buffer.concat([body, Buffer.from('HTTP/1.1 200 OK')]);
    expect(s.push(withNext, (p) => seen.push(p.toString()))).toBe(body.length);
    expect(seen.join('')).toBe('hello0123456789');
  });

  it('finds the same end however the body is split, at every byte boundary and byte by byte', () => {
    for (let cut = 0; cut <= body.length; cut++) {
      const s = new ChunkedScanner();
      const seen: string[] = [];
      const a = s.push(body.subarray(0, cut), (p) => seen.push(p.toString()));
      if (cut === body.length) expect(a).toBe(cut);
      else {
        expect(a).toBe(-1);
        expect(s.push(body.subarray(cut), (p) => seen.push(p.toString()))).toBe(body.length - cut);
      }
      expect(seen.join('')).toBe('hello0123456789');
    }
    const s = new ChunkedScanner();
    let end = -1;
    for (let i = 0; i < body.length; i++) {
      end = s.push(body.subarray(i, i + 1), null);
      if (i < body.length - 1) expect(end).toBe(-1);
    }
    expect(end).toBe(1);
  });

  it('ends on an empty body without trailers', () => {
    expect(new ChunkedScanner().push(Buffer.from('0\r\n\r\n'), null)).toBe(5);
  });

  it.each([
    ['a non-hex size', 'zz\r\n'],
    ['a missing size', '\r\n'],
    ['no CRLF after the payload', '2\r\nabXY'],
    ['a bare LF after the size', '2\nab'],
    ['a huge size', 'fffffffffffff\r\n'],
  ])('reports %s as a framing error', (_what, text) => {
    expect(new ChunkedScanner().push(Buffer.from(text), null)).toBe(-2);
  });
});

describe('isLoopbackHostHeader', () => {
  it('accepts loopback names with or without a port, and nothing else', async () => {
    const { isLoopbackHostHeader } = await import('../../../electron/engine/gateway/auth.js');
    for (const ok of ['127.0.0.1', '127.0.0.1:8701', 'localhost:1', 'LOCALHOST', '[::1]:8701', '[::1]']) expect(isLoopbackHostHeader(ok), ok).toBe(true);
    for (const bad of [undefined, '', 'evil.example', 'evil.example:8701', '127.0.0.1.evil.example', '10.0.0.1:80', 'localhost.evil:1']) expect(isLoopbackHostHeader(bad), String(bad)).toBe(false);
  });
});
