// A local 127.0.0.1 port whose connections are carried over SSH to 127.0.0.1:PORT on the
// machine (like `ssh -L`). The listener outlives the SSH connection: after a reconnect new
// connections go through the new one, so URLs handed out (the gateway's, the serve's) keep
// working. The remote side only ever sees a loopback connection from sshd.
import { createServer, type Server, type Socket } from 'node:net';
import type { SshConnection } from './ssh-connection.js';

export class PortForward {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  localPort = 0;

  constructor(
    /** The current connection (null while disconnected: new clients are closed at once). */
    private readonly conn: () => SshConnection | null,
    /** The port on the machine; may change (a restarted serve picks a new one). */
    public remotePort: number,
  ) {}

  /** Listens on 127.0.0.1, on `preferredPort` when free (so a gateway URL keeps its number), else any. */
  async listen(preferredPort = 0): Promise<number> {
    const server = createServer((sock) => this.accept(sock));
    const tryListen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    try {
      await tryListen(preferredPort);
    } catch (err) {
      if (!preferredPort) throw err;
      await tryListen(0);
    }
    this.server = server;
    this.localPort = (server.address() as { port: number }).port;
    return this.localPort;
  }

  private accept(sock: Socket): void {
    const conn = this.conn();
    if (!conn || conn.isClosed) {
      sock.destroy();
      return;
    }
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.pause();
    conn.forwardOut(this.remotePort).then(
      (ch) => {
        if (sock.destroyed) {
          ch.close();
          return;
        }
        sock.pipe(ch).pipe(sock);
        ch.on('error', () => sock.destroy());
        ch.on('close', () => sock.destroy());
        sock.on('close', () => ch.close());
        sock.resume();
      },
      () => sock.destroy(),
    );
  }

  /** Ends the connections carried now (their SSH channels died with a dropped connection anyway). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
