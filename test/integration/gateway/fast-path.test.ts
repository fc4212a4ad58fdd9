// The gateway's raw-socket fast path, driven over real TCP with hand-written bytes against
// the fixture model server (and, for odd upstream framings, a raw TCP upstream): pipelined
// requests, heads and bodies split across packets, chunked both ways, a request Node's
// server must take in the middle of a keep-alive connection, close-delimited answers.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../electron/engine/gateway/index.js';
import { startFixtureProcess, startGateway, type FixtureProcess } from './helpers.js';

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw client: writes bytes, parses responses (Content-Length, chunked, or until close)
 * in order. Deliberately independent of the gateway's own parsers.
 */
class RawClient {
  private readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(port: number) {
    this.sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
    this.sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    this.sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    this.sock.on('error', () => undefined);
  }

  write(b: string | Buffer): Promise<void> {
    return new Promise((r) => this.sock.write(b, () => r()));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async waitMore(deadline: number): Promise<void> {
    if (this.closed) throw new Error('connection closed before the response ended');
    if (Date.now() > deadline) throw new Error(`no complete response; have: ${JSON.stringify(this.buf.toString('latin1'))}`);
    await new Promise<void>((r) => {
      this.wake = r;
      setTimeout(r, 50);
    });
    this.wake = null;
  }

  /** `noBody`: the answer to a HEAD request (headers only, whatever they say). */
  async read(noBody = false, timeoutMs = 5_000): Promise<Parsed> {
    const deadline = Date.now() + timeoutMs;
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) === -1) await this.waitMore(deadline);
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    let rest = this.buf.subarray(end + 4);
    this.buf = rest;
    if (noBody || status === 204 || status === 304) return { status, headers, body: '' };
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      while (this.buf.length < n) await this.waitMore(deadline);
      const body = this.buf.subarray(0, n).toString('utf8');
      this.buf = this.buf.subarray(n);
      return { status, headers, body };
    }
    if (headers['transfer-encoding'] === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        let eol: number;
        while ((eol = this.buf.indexOf('\r\n')) === -1) await this.waitMore(deadline);
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1'), 16);
        while (this.buf.length < eol + 2 + size + 2) await this.waitMore(deadline);
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
        this.buf = this.buf.subarray(eol + 2 + size + 2);
        if (size === 0) break;
      }
      return { status, headers, body: Buffer.concat(parts).toString('utf8') };
    }
    while (!this.closed) await this.waitMore(deadline).catch(() => undefined);
    rest = this.buf;
    this.buf = Buffer.alloc(0);
    return { status, headers, body: rest.toString('utf8') };
  }

  close(): void {
    this.sock.destroy();
  }
}

const SYNC = '/environments/production/sync';
const get = (p: string, extra = '') => `GET ${SYNC}${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

describe('gateway fast path over raw TCP', () => {
  let up: FixtureProcess;
  let gw: Gateway;

  beforeAll(async () => {
    up = await startFixtureProcess({ FIXTURE_TOKENS_PER_SEC: '0' });
    gw = await startGateway(up.port);
  });
  afterAll(async () => {
    await gw?.close();
    await up?.stop();
  });

  it('answers pipelined requests in order on one connection', async () => {
    const c = new RawClient(gw.port!);
    await c.write(get('/echo?i=0') + get('/echo?i=1') + `POST ${SYNC}/echo?i=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc` + get('/echo?i=3'));
    for (let i = 0; i < 4; i++) {
      const r = await c.read();
      expect(r.status).toBe(200);
      const j = JSON.parse(r.body);
      expect(j.query.i).toBe(String(i));
      expect(j.body).toBe(i === 2 ? 'abc' : '');
      expect(j.headers['x-forwarded-host']).toBe('127.0.0.1');
      expect(r.headers['x-baseten-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers.connection).toBe('keep-alive');
    }
    expect(c.isClosed).toBe(false);
    c.close();
  });

  it('never lets a Connection header strip the body framing (no request smuggling)', async () => {
    await up.resetStats();
    const smuggled = `GET ${SYNC}/echo?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n`;
    for (const conn of ['content-length', 'keep-alive, Content-Length', 'close, content-length, host']) {
      const c = new RawClient(gw.port!);
      await c.write(`POST ${SYNC}/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${conn}\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`);
      const r = await c.read();
      expect(r.status, conn).toBe(200);
      const j = JSON.parse(r.body);
      expect(j.body, conn).toBe(smuggled); // the bytes arrived as this request's body
      expect(j.headers['content-length'], conn).toBe(String(smuggled.length));
      c.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    // Three requests reached the model server, none of them the smuggled GET.
    expect((await up.stats()).total).toBe(3);
  });

  it('serves a request head split across TCP packets, then more on the same connection', async () => {
    const c = new RawClient(gw.port!);
    const req = get('/echo?split=1', 'X-Baseten-Request-Id: rid-split\r\n');
    for (const piece of [req.slice(0, 5), req.slice(5, 30), req.slice(30, req.length - 1), req.slice(req.length - 1)]) {
      await c.write(piece);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await c.read();
    expect(r.status).toBe(200);
    expect(r.headers['x-baseten-request-id']).toBe('rid-split');
    expect(JSON.parse(r.body).query.split).toBe('1');
    await c.write(get('/echo?after=1'));
    expect(JSON.parse((await c.read()).body).query.after).toBe('1');
    c.close();
  });

  it('relays a Content-Length body split at every byte boundary, over one keep-alive connection', async () => {
    const c = new RawClient(gw.port!);
    const body = 'héllo, berth {"k": [1,2]}';
    const bytes = Buffer.from(body);
    const headBytes = Buffer.from(`POST ${SYNC}/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${bytes.length}\r\n\r\n`);
    for (let cut = 0; cut <= bytes.length; cut++) {
      await c.write(Buffer.concat([headBytes, bytes.subarray(0, cut)]));
      await new Promise((r) => setTimeout(r, 2));
      if (cut < bytes.length) await c.write(bytes.subarray(cut));
      const r = await c.read();
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).body).toBe(body);
    }
    c.close();
  });

  it('relays chunked responses and chunked uploads, keeping the connection usable', async () => {
    const c = new RawClient(gw.port!);
    await c.write(get('/stream?chunks=3&interval_ms=5'));
    const s = await c.read();
    expect(s.status).toBe(200);
    expect(s.headers['transfer-encoding']).toBe('chunked');
    expect(s.body).toBe('chunk 0\nchunk 1\nchunk 2\n');
    // A chunked upload is Node's server's to frame: the connection changes hands here.
    await c.write(`POST ${SYNC}/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`);
    await new Promise((r) => setTimeout(r, 20));
    await c.write('4\r\ndefg\r\n0\r\n\r\n');
    const e = await c.read();
    expect(e.status).toBe(200);
    expect(JSON.parse(e.body).body).toBe('abcdefg');
    await c.write(get('/stream?chunks=2&interval_ms=0'));
    expect((await c.read()).body).toBe('chunk 0\nchunk 1\n');
    c.close();
  });

  it('hands a connection to Node mid-way (404, HEAD, bad request) with nothing lost', async () => {
    const c = new RawClient(gw.port!);
    await c.write(get('/echo?n=1') + 'GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' + `HEAD ${SYNC}/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n` + get('/echo?n=2'));
    expect(JSON.parse((await c.read()).body).query.n).toBe('1');
    const nf = await c.read();
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body).routes.length).toBeGreaterThan(0);
    // HEAD: the length of the body a GET would get, and no body.
    const h = await c.read(true);
    expect(h.status).toBe(200);
    expect(Number(h.headers['content-length'])).toBeGreaterThan(0);
    const n2 = await c.read();
    expect(JSON.parse(n2.body).query.n).toBe('2');
    c.close();
  });

  it('answers a malformed request after a fast one with 400 and closes the connection', async () => {
    const c = new RawClient(gw.port!);
    await c.write(get('/echo?n=3') + 'GET / HTTP/1.1\r\nHost : gw\r\n\r\n');
    expect((await c.read()).status).toBe(200);
    const bad = await c.read();
    expect(bad.status).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.isClosed).toBe(true);
  });

  it('answers 204 without a body (whatever its headers say) and keeps going', async () => {
    const c = new RawClient(gw.port!);
    await c.write(get('/status?code=204') + get('/echo?after=204'));
    const r = await c.read();
    expect(r.status).toBe(204);
    expect(JSON.parse((await c.read()).body).query.after).toBe('204');
    c.close();
  });

  it('counts fast-path answers in the metrics', async () => {
    const before = gw.metricsSnapshot().requests['200'] ?? 0;
    const c = new RawClient(gw.port!);
    await c.write(get('/echo') + get('/echo'));
    await c.read();
    await c.read();
    c.close();
    const m = gw.metricsSnapshot();
    expect(m.requests['200']).toBe(before + 2);
    expect(m.inFlight).toBe(0);
  });
});

describe('gateway fast path with odd model servers', () => {
  let server: net.Server;
  let gw: Gateway;
  let mode: 'close-delimited' | 'garbage' | 'cut' | 'reset-when-idle';

  beforeAll(async () => {
    server = net.createServer((s) => {
      s.on('error', () => undefined);
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        if (!buf.includes('\r\n\r\n')) return;
        buf = '';
        if (mode === 'close-delimited') s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
        else if (mode === 'garbage') s.end('NOT HTTP AT ALL\r\n\r\n');
        else if (mode === 'reset-when-idle') {
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          // The pooled, idle keep-alive connection is then reset (ECONNRESET at the gateway).
          setTimeout(() => s.resetAndDestroy(), 100);
        }
        else s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    // One slot and no queue: a slot not given back turns the next request into a 429.
    gw = await startGateway((server.address() as net.AddressInfo).port, { predictConcurrency: 1, queueLimit: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => server.close(r));
  });

  it('relays a close-delimited answer and then closes the client connection', async () => {
    mode = 'close-delimited';
    const c = new RawClient(gw.port!);
    await c.write(get('/x'));
    const r = await c.read();
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toBe('until the end');
    expect(c.isClosed).toBe(true);
  });

  it('survives the model server resetting an idle pooled connection', async () => {
    mode = 'reset-when-idle';
    const c = new RawClient(gw.port!);
    await c.write(get('/x'));
    expect((await c.read()).body).toBe('ok');
    await new Promise((r) => setTimeout(r, 400)); // the reset lands while the socket idles in the pool
    await c.write(get('/y'));
    expect((await c.read()).body).toBe('ok');
    c.close();
  });

  it('answers 502 JSON with a hint for a response that is not HTTP', async () => {
    mode = 'garbage';
    const c = new RawClient(gw.port!);
    await c.write(get('/x'));
    const r = await c.read();
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).hint).toMatch(/logs/);
    c.close();
  });

  it('cuts the client connection when the model server dies mid-body (no fake complete answer), and frees its slot', async () => {
    mode = 'cut';
    const c = new RawClient(gw.port!);
    await c.write(get('/x'));
    await expect(c.read()).rejects.toThrow(/closed before the response ended/);
    // predict_concurrency 1: the next request is served, not 429.
    await new Promise((r) => setTimeout(r, 50));
    expect(gw.metricsSnapshot().inFlight).toBe(0);
    mode = 'close-delimited';
    const next = new RawClient(gw.port!);
    await next.write(get('/after-cut'));
    const r = await next.read();
    expect(r.status).toBe(200);
    expect(r.body).toBe('until the end');
  });
});
