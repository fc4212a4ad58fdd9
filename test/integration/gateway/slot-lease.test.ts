// Every way a request can end gives its predict_concurrency slot back, on both the fast
// path and Node's path: with predict_concurrency 1 and no queue, a slot that leaked would
// turn every later request into 429. The model server here is a raw TCP one, so it can die
// at any byte (before the head, mid Content-Length body, mid SSE stream).
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../electron/engine/gateway/index.js';
import { startGateway } from './helpers.js';

/** The upstream's behaviour is chosen by the request path: /sync/<mode>. */
type Mode = 'ok' | 'close-before-head' | 'cut-length' | 'reset-sse' | 'stream' | 'hold';

function rawUpstream(): net.Server {
  return net.createServer((s) => {
    s.on('error', () => undefined);
    let buf = '';
    let timer: NodeJS.Timeout | null = null;
    s.on('close', () => timer && clearInterval(timer));
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const mode = (buf.slice(0, buf.indexOf('\r\n')).split(' ')[1] ?? '/').slice(1).split('?')[0] as Mode;
      buf = '';
      switch (mode) {
        case 'ok':
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          break;
        case 'close-before-head':
          s.destroy();
          break;
        case 'cut-length':
          s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
          break;
        case 'reset-sse':
          s.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
          s.write(chunk('data: {"choices":[{"delta":{"content":"a"}}]}\n\n'));
          setTimeout(() => s.resetAndDestroy(), 50);
          break;
        case 'stream':
          s.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
          timer = setInterval(() => s.write(chunk('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')), 20);
          break;
        case 'hold':
          break; // reads the request (and any body), never answers
      }
    });
  });
}

function chunk(s: string): string {
  return `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
}

/** A raw client connection; collects everything until it closes. */
class Conn {
  readonly sock: net.Socket;
  data = '';
  private readonly gone: Promise<void>;
  constructor(port: number) {
    this.sock = net.connect({ port, host: '127.0.0.1' });
    this.sock.on('error', () => undefined);
    this.sock.on('data', (d) => (this.data += d.toString('latin1')));
    this.gone = new Promise((r) => this.sock.once('close', () => r()));
  }
  /** Resolves when the gateway closed the connection; throws after `ms`. */
  closed(ms = 3000): Promise<void> {
    return Promise.race([this.gone, new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`still open; have ${JSON.stringify(this.data)}`)), ms).unref())]);
  }
  async waitFor(re: RegExp, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!re.test(this.data)) {
      if (Date.now() > deadline) throw new Error(`no ${re} in ${JSON.stringify(this.data)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** `node`: `Connection: close` keeps the request off the fast path. */
const PATHS = { fast: '', node: 'Connection: close\r\n' } as const;
const req = (mode: Mode, extra: string, body?: { length: number }) =>
  `GET /environments/production/sync/${mode} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}${body ? `Content-Length: ${body.length}\r\n` : ''}\r\n`;

describe('predict_concurrency slots are given back however a request ends', () => {
  let up: net.Server;
  let gw: Gateway;

  beforeAll(async () => {
    up = rawUpstream();
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await new Promise((r) => up.close(r));
  });
  // A gateway per test: a slot leaked by one case must not fail the next.
  beforeEach(async () => {
    gw = await startGateway((up.address() as net.AddressInfo).port, { predictConcurrency: 1, queueLimit: 0 });
  });
  afterEach(async () => {
    await gw?.close();
  });

  /** The slot is free again and the next request (on a new connection) is served, not 429. */
  async function expectSlotFree(path: keyof typeof PATHS): Promise<void> {
    const deadline = Date.now() + 2000;
    while (gw.metricsSnapshot().inFlight !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(gw.metricsSnapshot().inFlight, 'slots in flight after the request ended').toBe(0);
    const c = new Conn(gw.port!);
    c.sock.write(req('ok', PATHS[path]));
    await c.waitFor(/^HTTP\/1\.1 \d{3}[^]*\r\n\r\n/);
    expect(c.data.slice(9, 12), c.data).toBe('200');
    c.sock.destroy();
  }

  for (const path of ['fast', 'node'] as const) {
    describe(`${path} path`, () => {
      it('upstream closes before the response head: 502, slot back', async () => {
        const c = new Conn(gw.port!);
        c.sock.write(req('close-before-head', PATHS[path]));
        await c.waitFor(/^HTTP\/1\.1 502/);
        c.sock.destroy();
        await expectSlotFree(path);
      });

      it('upstream cuts a Content-Length body short: client cut, slot back', async () => {
        const c = new Conn(gw.port!);
        c.sock.write(req('cut-length', PATHS[path]));
        await c.closed();
        expect(c.data).toMatch(/^HTTP\/1\.1 200/);
        expect(c.data).toMatch(/only part$/);
        await expectSlotFree(path);
      });

      it('upstream resets mid-SSE: client cut, slot back', async () => {
        const c = new Conn(gw.port!);
        c.sock.write(req('reset-sse', PATHS[path]));
        await c.closed();
        expect(c.data).toMatch(/^HTTP\/1\.1 200/);
        expect(c.data).toContain('data: ');
        await expectSlotFree(path);
      });

      it('client aborts mid response body: slot back', async () => {
        const c = new Conn(gw.port!);
        c.sock.write(req('stream', PATHS[path]));
        await c.waitFor(/data: /);
        c.sock.destroy();
        await expectSlotFree(path);
      });

      it('client aborts mid request body: slot back', async () => {
        const c = new Conn(gw.port!);
        c.sock.write(req('hold', PATHS[path], { length: 1000 }) + 'x'.repeat(10));
        // The request reached the model server (its slot is taken) before the client left.
        const deadline = Date.now() + 2000;
        while (gw.metricsSnapshot().inFlight !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(gw.metricsSnapshot().inFlight).toBe(1);
        c.sock.destroy();
        await expectSlotFree(path);
      });
    });
  }
});
