// Small JSON answers from the gateway itself (errors, gating). Bodies always say what to do.
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, requestId: string | null, body: object, close = false, extra?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  if (requestId) headers['x-baseten-request-id'] = requestId;
  if (close) headers.connection = 'close';
  if (extra) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(text);
}
