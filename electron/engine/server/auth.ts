// Token, Host and Origin checks for `berth serve`.
//
// The token (random per serve, or --token / BERTH_SERVE_TOKEN) is required on every /api call
// and the WebSocket, on loopback too: GPU workstations are shared, and any local user could
// otherwise open, read and overwrite files through Berth and start containers. As in
// Jupyter, the URL printed at start carries it (`/?token=...`); the first page load trades it
// for an HttpOnly, SameSite=Strict cookie and redirects to the same URL without it.
// Scripts send `Authorization: Bearer TOKEN` (or `x-berth-key: TOKEN`). Tokens are compared
// in constant time. Host and Origin checks stop a web page in the user's browser from
// driving the API (DNS rebinding, cross-site requests).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { API_KEY_HEADER } from '../../../shared/api/index.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant time: both sides are hashed to 32 bytes first, so the length leaks nothing either. */
export function keyMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** Query parameters that carry the token in the URL printed by `berth serve` (`key` was the old name). */
export const TOKEN_PARAMS = ['token', 'key'] as const;

/**
 * The cookie holding the token. Cookies are not scoped by port, so each port gets its own
 * name: two `berth serve` on one machine do not log each other out.
 */
export function tokenCookieName(port: number): string {
  return `berth_token_${port}`;
}

export function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** `Set-Cookie` for the token: HttpOnly (no script reads it), SameSite=Strict, this server only. */
export function tokenCookie(name: string, token: string): string {
  return `${name}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

/**
 * Every token the request carries: `x-berth-key`, `Authorization: Bearer`, the cookie, and
 * (WebSocket only: browsers cannot set its headers) `?token=` / `?key=`.
 */
export function tokensFrom(req: IncomingMessage, url: URL, cookieName: string, allowQuery: boolean): string[] {
  const out: string[] = [];
  const h = req.headers[API_KEY_HEADER];
  if (typeof h === 'string' && h) out.push(h);
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) out.push(auth.replace(/^Bearer\s+/i, '').trim());
  const c = cookieValue(req, cookieName);
  if (c) out.push(c);
  if (allowQuery) for (const p of TOKEN_PARAMS) for (const v of url.searchParams.getAll(p)) if (v) out.push(v);
  return out;
}

/** True when any token the request carries is the expected one (each compared in constant time). */
export function requestAuthorized(req: IncomingMessage, url: URL, expected: string | null, cookieName: string, allowQuery: boolean): boolean {
  if (!expected) return true;
  let ok = false;
  for (const t of tokensFrom(req, url, cookieName, allowQuery)) ok = keyMatches(t, expected) || ok;
  return ok;
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
