// Shared by the gateway and `berth serve`: how a Node HTTP server treats clients that send
// something it cannot parse or that trickle a request head (slowloris).
import type { Duplex } from 'node:stream';

/** Request heads must arrive within this; bodies are not bounded (uploads, long streams). */
export const HEADERS_TIMEOUT_MS = 20_000;
/** How often Node sweeps connections for the header timeout (its default is 30 s). */
export const CONNECTIONS_CHECK_MS = 2_000;

const REPLY: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  ERR_HTTP_HEADERS_TIMEOUT: '408 Request Timeout',
};

/**
 * Answers a malformed or too-slow request and then closes the connection for good: ending
 * only our side would leave a trickling client holding the socket open.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // The client may reset while we answer; with no listener that error would be fatal.
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = REPLY[err.code ?? ''] ?? '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  // A client that never reads or closes must not keep the socket: give the reply a moment.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
