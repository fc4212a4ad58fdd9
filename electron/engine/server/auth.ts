// API key and origin checks for `berth serve`. The key is compared in constant time. Host
// and Origin checks stop a web page in the user's browser from driving the local API
// (DNS rebinding, cross-site requests) when no key is required on loopback.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { API_KEY_HEADER } from '../../../shared/api/index.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function keyMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The key from `x-berth-key`, `Authorization: Bearer`, or (for WebSockets, which cannot set headers in browsers) `?key=`. */
export function keyFrom(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const h = req.headers[API_KEY_HEADER];
  if (typeof h === 'string' && h) return h;
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  if (allowQuery) return url.searchParams.get('key');
  return null;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostname(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1).toLowerCase();
  return hostHeader.split(':')[0].toLowerCase();
}

/** On a loopback bind, only loopback Host names are accepted (DNS-rebinding guard). */
export function hostAllowed(req: IncomingMessage, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  const h = req.headers.host;
  return !!h && LOOPBACK_NAMES.has(hostname(h));
}

/** A browser Origin, when sent, must be this server itself. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}
