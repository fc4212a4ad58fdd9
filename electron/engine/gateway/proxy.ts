// The HTTP relay: one request to the model server, streamed both ways with no buffering.
// Response chunks are written to the client as they arrive (chunked framing, headers
// flushed at once for streams); a client that goes away destroys the upstream request so
// the model stops generating; uploads are counted against the body limit as they stream.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { countSseTokens } from './metrics.js';
import { sendJson } from './respond.js';

export interface RelayTarget {
  agent: http.Agent;
  host: string;
  port: number;
  hostHeader: string;
  maxBodyBytes: number;
}

export interface RelayHooks {
  newRequestId(): string;
  /** Null when no gateway key exists (nothing to strip). */
  isGatewayKey: ((value: string) => boolean) | null;
  onResponseHeaders(startedAt: number): void;
  onTokens(n: number): void;
}

/**
 * Relays `req` to the upstream at `path`. The caller owns the concurrency slot and frees
 * it on the response's 'close', which fires exactly once whatever happens here.
 */
export function relay(req: IncomingMessage, res: ServerResponse, path: string, target: RelayTarget, hooks: RelayHooks, startedAt: number): void {
  const h = upstreamRequestHeaders(req.rawHeaders, target.hostHeader, req.socket.remoteAddress, hooks.newRequestId, hooks.isGatewayKey, false);
  const requestId = h.requestId;
  let answered = false; // the gateway itself answered (413/502): ignore later upstream noise

  const upreq = http.request({
    agent: target.agent,
    host: target.host,
    port: target.port,
    method: req.method,
    path,
    headers: h.headers as unknown as http.OutgoingHttpHeaders,
  });

  upreq.on('response', (upres) => {
    if (answered) {
      upres.resume();
      return;
    }
    hooks.onResponseHeaders(startedAt);
    const out = clientResponseHeaders(upres.rawHeaders, requestId);
    res.writeHead(upres.statusCode ?? 502, upres.statusMessage, out.headers as unknown as http.OutgoingHttpHeaders);
    if (out.streaming) {
      // A stream's headers go out now, not with its first chunk, so clients see the
      // status as soon as the model answers.
      res.flushHeaders();
      forward(upres, res, out.sse ? hooks : null, -1);
    } else forward(upres, res, null, out.contentLength);
  });

  upreq.on('error', (err: NodeJS.ErrnoException) => {
    if (answered) return;
    answered = true;
    if (res.headersSent) {
      // Mid-stream failure: a truncated response must not look complete.
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    const refused = err.code === 'ECONNREFUSED';
    sendJson(res, 502, requestId, {
      error: refused ? 'The model server refused the connection.' : `The connection to the model server failed (${err.code ?? 'error'}).`,
      hint: refused
        ? 'The server process may have exited or not bound its port yet: check the deployment logs in Berth.'
        : 'Check the deployment logs in Berth; the request can be retried.',
    });
  });

  // The gateway's own 'close' handler destroys this if the client goes away first.
  (res as RelayedResponse).berthUpstream = upreq;

  if (h.hasBody === 'none') {
    upreq.end();
  } else if (h.hasBody === 'length') {
    req.pipe(upreq);
  } else {
    // Chunked upload: the size is only known as it streams, so count it.
    let bytes = 0;
    const max = target.maxBodyBytes;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > max) {
        if (answered) return;
        answered = true;
        req.pause();
        upreq.destroy();
        sendJson(
          res,
          413,
          requestId,
          { error: `The request body is larger than ${Math.round(max / 1048576)} MiB.`, hint: 'Send a smaller body, or pass large inputs by URL.' },
          true,
        );
        return;
      }
      if (!upreq.write(chunk)) req.pause();
    });
    upreq.on('drain', () => req.resume());
    req.on('end', () => {
      if (!answered) upreq.end();
    });
  }
}

export interface RelayedResponse extends ServerResponse {
  berthUpstream?: http.ClientRequest;
}

/** Called when the client's response closes: an unfinished exchange stops upstream too. */
export function abortUpstream(res: RelayedResponse): void {
  const up = res.berthUpstream;
  if (up === undefined) return;
  res.berthUpstream = undefined;
  if (!up.destroyed && !res.writableFinished) up.destroy();
}

/**
 * Copies the upstream body to the client chunk by chunk, with backpressure. Cheaper than
 * pipe() (no listener set-up and tear-down per request); a body that arrives in one chunk
 * goes out with the headers in a single write.
 */
function forward(upres: IncomingMessage, res: ServerResponse, sse: RelayHooks | null, contentLength: number): void {
  let seen = 0;
  let ended = false;
  upres.on('data', (chunk: Buffer) => {
    if (sse !== null) {
      const n = countSseTokens(chunk);
      if (n > 0) sse.onTokens(n);
    }
    seen += chunk.length;
    if (seen === contentLength) {
      ended = true;
      res.end(chunk);
      return;
    }
    if (!res.write(chunk)) {
      upres.pause();
      res.once('drain', () => upres.resume());
    }
  });
  upres.on('end', () => {
    if (!ended) res.end();
  });
  // Mid-stream failure: a truncated response must not look complete.
  upres.on('aborted', () => res.destroy());
  upres.on('error', () => res.destroy());
}
