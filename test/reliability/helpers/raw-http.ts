// Raw TCP clients for malformed HTTP: what fetch or http.request would refuse to send.
import net from 'node:net';

export interface RawResult {
  /** Status code of the first response line, or null when the server answered nothing. */
  status: number | null;
  text: string;
  /** The server closed the connection (rather than our timeout ending it). */
  closedByServer: boolean;
  ms: number;
}

/**
 * Sends `parts` (strings/buffers, written in order; a function part is called and awaited
 * between writes) and collects what comes back until the server closes or answers a full
 * response head, bounded by timeoutMs.
 */
export function rawRequest(port: number, parts: Array<string | Buffer | (() => Promise<void>)>, timeoutMs = 15_000): Promise<RawResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, closedByServer, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('data', (d) => {
      text += d.toString('latin1');
      // A complete response (head + declared body) is enough: keep-alive may hold the socket.
      const head = text.indexOf('\r\n\r\n');
      if (head >= 0) {
        const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head))?.[1];
        if (len !== undefined && text.length - head - 4 >= Number(len)) finish(true);
      }
    });
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
    sock.once('connect', async () => {
      for (const p of parts) {
        if (done || sock.destroyed) return;
        if (typeof p === 'function') await p();
        else if (!sock.write(p)) {
          await new Promise<void>((r) => {
            const ok = () => {
              sock.off('drain', ok);
              sock.off('close', ok);
              r();
            };
            sock.on('drain', ok);
            sock.on('close', ok);
          });
        }
      }
    });
  });
}

export interface Slowloris {
  /** Resolves when the server closed the connection; rejects after maxMs. */
  closed: Promise<number>;
  destroy(): void;
}

/** Sends a request head one byte every intervalMs and never finishes it. */
export function slowloris(port: number, path: string, intervalMs = 2_000, maxMs = 120_000): Slowloris {
  const sock = net.connect({ port, host: '127.0.0.1' });
  const head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(10_000)}`;
  let i = 0;
  const t0 = Date.now();
  sock.on('error', () => undefined);
  const timer = setInterval(() => {
    if (!sock.destroyed && i < head.length) sock.write(head[i++]);
  }, intervalMs);
  const closed = new Promise<number>((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error(`slowloris connection to ${port} still open after ${maxMs} ms`)), maxMs);
    sock.on('close', () => {
      clearTimeout(limit);
      clearInterval(timer);
      resolve(Date.now() - t0);
    });
  });
  closed.catch(() => undefined);
  return {
    closed,
    destroy: () => {
      clearInterval(timer);
      sock.destroy();
    },
  };
}
