// Keep-alive TCP connections to one model server for the fast path. An idle connection is
// reused only while younger than IDLE_MAX_MS: Node and uvicorn servers close idle
// connections after 5 s, and a request written onto a connection the server is closing
// would fail.
import net from 'node:net';

const IDLE_MAX_MS = 3_500;
const MAX_IDLE = 256;

interface IdleSocket extends net.Socket {
  berthIdleSince?: number;
}

function onIdleGone(this: IdleSocket): void {
  this.destroy();
}

export class UpstreamSockets {
  private readonly idle: IdleSocket[] = [];
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  /** A reused idle connection, or null (the caller then opens one with `connect`). */
  take(now: number): net.Socket | null {
    const idle = this.idle;
    while (idle.length > 0) {
      const s = idle.pop()!;
      s.off('close', onIdleGone);
      s.off('end', onIdleGone);
      s.off('data', onIdleGone);
      s.off('error', onIdleGone);
      if (!s.destroyed && s.readable && s.writable && now - s.berthIdleSince! < IDLE_MAX_MS) return s;
      s.destroy();
    }
    return null;
  }

  connect(): net.Socket {
    return net.connect({ host: this.host, port: this.port, noDelay: true });
  }

  /** Hands back a connection whose last exchange ended cleanly. */
  put(s: net.Socket, now: number): void {
    if (this.closed || this.idle.length >= MAX_IDLE || s.destroyed) {
      s.destroy();
      return;
    }
    const i = s as IdleSocket;
    i.berthIdleSince = now;
    // A server closing an idle connection: drop it from the pool.
    i.on('close', onIdleGone);
    i.on('end', onIdleGone);
    // Bytes nobody asked for: the connection's framing can no longer be trusted.
    i.on('data', onIdleGone);
    // A reset of an idle connection (ECONNRESET) must drop it, not crash the process.
    i.on('error', onIdleGone);
    this.idle.push(i);
  }

  /** Closes connections idle past the limit (called from the gateway's sweep). */
  sweep(now: number): void {
    const keep: IdleSocket[] = [];
    for (const s of this.idle) {
      if (now - s.berthIdleSince! < IDLE_MAX_MS && !s.destroyed) keep.push(s);
      else s.destroy();
    }
    this.idle.length = 0;
    this.idle.push(...keep);
  }

  destroy(): void {
    this.closed = true;
    for (const s of this.idle) s.destroy();
    this.idle.length = 0;
  }
}
