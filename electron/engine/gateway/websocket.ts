// WebSocket relay: the client's upgrade request is replayed to the model server over a
// raw TCP connection and the two sockets are then piped together. Frames are never
// parsed, so extensions (permessage-deflate), subprotocols, pings and close codes pass
// through exactly as the two ends negotiate them.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upstreamRequestHeaders } from './headers.js';
import type { WsCapture } from './history/ws-capture.js';

export interface UpgradeTarget {
  host: string;
  port: number;
  hostHeader: string;
}

export interface UpgradeHooks {
  newRequestId(): string;
  isGatewayKey: ((value: string) => boolean) | null;
  /** Called once when both sides are closed, with 101 or the status the session ended with. */
  onClose(status: number): void;
  /** The session's history record, finished with the same status. */
  capture?: WsCapture | null;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export function relayUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, path: string, target: UpgradeTarget, hooks: UpgradeHooks): void {
  const h = upstreamRequestHeaders(req.rawHeaders, target.hostHeader, req.socket.remoteAddress, hooks.newRequestId, hooks.isGatewayKey, true);
  let text = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < h.headers.length; i += 2) text += `${h.headers[i]}: ${h.headers[i + 1]}\r\n`;
  text += '\r\n';

  let closed = false;
  let piped = false;
  // null until the model server answers the handshake (or the gateway answers for it).
  let status: number | null = null;
  const capture = hooks.capture ?? null;
  if (capture) capture.requestId = h.requestId;
  const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
  // Without an answer, a client that left first is a 499, a model server that hung up a 502.
  const finish = (clientLeft: boolean) => {
    if (closed) return;
    closed = true;
    upstream.destroy();
    client.destroy();
    const s = status ?? (clientLeft ? 499 : 502);
    capture?.finish(s);
    hooks.onClose(s);
  };
  client.on('error', () => finish(true));
  client.on('close', () => finish(true));
  upstream.on('close', () => finish(false));
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!piped && !closed && client.writable) {
      const body = JSON.stringify({
        error: `The model server did not accept the WebSocket connection (${err.code ?? 'error'}).`,
        hint: 'Check the deployment logs in Berth; the server may have exited or not bound its port yet.',
      });
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `x-baseten-request-id: ${h.requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
      status = 502;
    }
    finish(false);
  });

  // Hold the upstream's handshake response until its header block is complete, add the
  // request id to it, then hand both sockets over to plain pipes.
  let pending: Buffer | null = null;
  const onHandshake = (chunk: Buffer) => {
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    const end = pending.indexOf(HEADER_END);
    if (end === -1) {
      if (pending.length > 65536) finish(false);
      return;
    }
    upstream.off('data', onHandshake);
    const headerBlock = pending.subarray(0, end + 2).toString('latin1');
    const rest = pending.subarray(end + 2);
    pending = null;
    const withId = /\r\nx-baseten-request-id:/i.test(headerBlock) ? headerBlock : headerBlock + `X-Baseten-Request-Id: ${h.requestId}\r\n`;
    status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headerBlock)?.[1] ?? 502);
    client.write(withId);
    client.write(rest);
    piped = true;
    // Frames follow a 101 only; after a refusal the rest is an HTTP body.
    if (capture && status === 101) {
      capture.handshake();
      if (head.length > 0) capture.clientData(head);
      if (rest.length > 2) capture.serverData(rest.subarray(2));
      upstream.on('data', (b: Buffer) => capture.serverData(b));
      client.on('data', (b: Buffer) => capture.clientData(b));
    }
    upstream.pipe(client);
    client.pipe(upstream);
  };

  upstream.on('connect', () => {
    if (client instanceof net.Socket) client.setNoDelay(true);
    upstream.write(text);
    if (head.length > 0) upstream.write(head);
    upstream.on('data', onHandshake);
  });
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(client: Duplex, status: number, reason: string, requestId: string | null, body: object, extra?: Record<string, string>): void {
  if (!client.writable) {
    client.destroy();
    return;
  }
  const text = JSON.stringify(body);
  let head = `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n`;
  if (requestId) head += `x-baseten-request-id: ${requestId}\r\n`;
  if (extra) for (const [k, v] of Object.entries(extra)) head += `${k}: ${v}\r\n`;
  client.end(head + '\r\n' + text);
}
