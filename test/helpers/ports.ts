// Free TCP ports on 127.0.0.1 for tests: ask the kernel for an ephemeral port, then
// release it. A tiny race with other processes exists; callers that bind immediately
// (gateway, registry, `docker run -p 127.0.0.1:PORT:...`) are fine in practice.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { isPortFree } from '../../electron/engine/store/port-memory.js';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** The kernel's ephemeral range: client sockets (even in TIME_WAIT) hold ports in it. */
function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return { low, high };
  } catch {
    /* not Linux */
  }
  return { low: 32768, high: 60999 };
}

/**
 * A run of `size` consecutive ports that are free now, for tests of Berth's own port range.
 * Picked below the ephemeral range: a port in it can be taken at any moment by a client
 * socket of a concurrent test, and a TIME_WAIT socket blocks listening there for a minute.
 */
export async function freePortRange(size: number): Promise<{ start: number; end: number }> {
  const { low } = ephemeralRange();
  const floor = 20_000;
  const top = (low > floor + 1000 ? low : 30_000) - size;
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = floor + Math.floor(Math.random() * (top - floor));
    const ports = Array.from({ length: size }, (_, i) => start + i);
    const free = await Promise.all(ports.map((p) => isPortFree(p)));
    if (free.every(Boolean)) return { start, end: start + size - 1 };
  }
  throw new Error(`no run of ${size} free ports found between ${floor} and ${top + size}`);
}
