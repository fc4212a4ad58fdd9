// CORS for Berth's own UI only. The Playground (served by `berth serve` at
// http://127.0.0.1:<port>, or by the desktop app at berth://app) calls a deployment's
// gateway from the browser. Any other web page gets no CORS headers, so a site the user
// visits cannot read a local model's answers or send it JSON.
// A laptop driving this Berth over SSH shows these gateways through loopback forwards in its
// own UI, so it grants its UI's origins here (gateway.allowUiOrigins, an authenticated call);
// only berth://app and loopback http origins are accepted (shared/remote.ts UI_ORIGIN).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UI_ORIGIN } from '../../../shared/remote.js';

const allowed = new Set<string>();
/** Granted by laptops; bounded (oldest dropped) since each connect re-sends its origins. */
const granted = new Set<string>();
const MAX_GRANTED = 16;

/** Lets the UI served from `origin` call every gateway of this process. */
export function allowUiOrigin(origin: string): void {
  allowed.add(origin.replace(/\/+$/, ''));
}

export function disallowUiOrigin(origin: string): void {
  allowed.delete(origin.replace(/\/+$/, ''));
}

/** This process's own UI origins (a laptop passes them on to the machines it drives). */
export function uiOrigins(): string[] {
  return [...allowed];
}

/** Origins of a laptop's Berth UI; anything but UI_ORIGIN is ignored (the schema refuses it first). */
export function allowLaptopUiOrigins(origins: string[]): void {
  for (const o of origins.filter((x) => UI_ORIGIN.test(x))) {
    granted.delete(o);
    granted.add(o);
  }
  for (const o of granted) {
    if (granted.size <= MAX_GRANTED) break;
    granted.delete(o);
  }
}

/** The Access-Control-* headers for a response to `origin`, or null when it is not Berth's UI. */
export function corsHeaders(origin: string | undefined): Record<string, string> | null {
  if (!origin || !(allowed.has(origin) || granted.has(origin))) return null;
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'x-baseten-request-id, retry-after, content-type',
    vary: 'Origin',
  };
}

/**
 * Answers a CORS preflight (OPTIONS with Access-Control-Request-Method) and returns true;
 * returns false for any other request. Preflights never carry credentials, so they are
 * answered before the API-key check; the real request is still checked.
 */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  const h = corsHeaders(req.headers.origin);
  if (!h) {
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': '0', vary: 'Origin' });
    res.end();
    return true;
  }
  res.writeHead(204, {
    ...h,
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': 'content-type, authorization, accept, x-baseten-request-id',
    'access-control-max-age': '600',
    'content-length': '0',
  });
  res.end();
  return true;
}
