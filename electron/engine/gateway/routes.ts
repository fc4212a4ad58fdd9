// The gateway's router: request-path normalisation and matching against the one route
// table in shared/routes.ts (which also gives the 404 body's list, the plan's routes and
// the UI's). Pure: no Node imports.
import { ROUTE_ENDPOINTS, ROUTE_PREFIXES, routeAvailability, servedRoutes, unservedRoutes, type RouteEndpoint, type RouteTableOptions } from '../../../shared/routes.js';

export type RouteMatch =
  /** Forward to the model server at `target` (path + original query string). */
  | { kind: 'forward'; target: string; websocket: false }
  /** WebSocket upgrade to `target`. */
  | { kind: 'websocket'; target: string; websocket: true }
  | { kind: 'error'; status: number; error: string; hint: string };

export type RouteOptions = RouteTableOptions;

/**
 * Normalises the path part of a request target: splits on '/', percent-decodes each
 * segment, drops empty and '.' segments and resolves '..' (never above the root), then
 * re-encodes each segment. Decoding per segment keeps an encoded '/' (%2F) inside its
 * segment, while '%2e%2e' is recognised as '..' so it cannot climb out of a route prefix.
 * Returns null when the path is not valid percent-encoding.
 */
export function normalisePath(path: string): string | null {
  const parts = path.split('/');
  const out: string[] = [];
  for (const raw of parts) {
    if (raw === '') continue;
    let seg: string;
    if (raw.indexOf('%') === -1) seg = raw;
    else {
      try {
        seg = decodeURIComponent(raw);
      } catch {
        return null;
      }
    }
    if (seg === '.') continue;
    if (seg === '..') {
      out.pop();
      continue;
    }
    out.push(encodeSegment(seg));
  }
  const trailing = path.length > 1 && path.endsWith('/') && out.length > 0;
  return '/' + out.join('/') + (trailing ? '/' : '');
}

// The characters RFC 3986 allows unencoded in a path segment stay as they are, so a
// clean path round-trips byte for byte.
const SEGMENT_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;
function encodeSegment(seg: string): string {
  if (SEGMENT_SAFE.test(seg)) return seg;
  return encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** A path needs the full normalisation only when it holds '%', '//' or a dot segment. */
function needsNormalising(path: string): boolean {
  return path.indexOf('%') !== -1 || path.indexOf('//') !== -1 || path.indexOf('/.') !== -1;
}

/** The routes a user can call, for 404 bodies and the UI: the served rows of the table. */
export function routeList(opts: RouteOptions): string[] {
  return servedRoutes(opts);
}

// The router, compiled once from the shared table (shared/routes.ts).
interface PrefixMatcher {
  /** '/environments/' (then one segment) or '/production/' */
  literal: string;
  /** Followed by a `{param}` segment. */
  param: boolean;
}
const PREFIXES: readonly PrefixMatcher[] = ROUTE_PREFIXES.map((p) => {
  const brace = p.indexOf('{');
  return brace === -1 ? { literal: p + '/', param: false } : { literal: p.slice(0, brace), param: true };
});

interface EndpointMatcher {
  endpoint: RouteEndpoint;
  /** '/predict', or the base of a `/{path}` suffix ('/sync'). */
  base: string;
  rest: boolean;
}
const ENDPOINTS: readonly EndpointMatcher[] = ROUTE_ENDPOINTS.map((e) =>
  e.suffix.endsWith('/{path}') ? { endpoint: e, base: e.suffix.slice(0, -'/{path}'.length), rest: true } : { endpoint: e, base: e.suffix, rest: false },
);

/** What follows the environment prefix ('/predict', '/sync/...'), or null for no prefix. */
function stripPrefix(path: string): string | null {
  for (const p of PREFIXES) {
    if (!path.startsWith(p.literal)) continue;
    if (!p.param) return path.slice(p.literal.length - 1);
    const slash = path.indexOf('/', p.literal.length);
    if (slash === -1 || slash === p.literal.length) return null;
    return path.slice(slash);
  }
  return null;
}

/**
 * Matches a request target (path and query, as received) against the route table.
 * Every prefix in ROUTE_PREFIXES is accepted; locally there is exactly one deployment, so
 * any env name or deployment id reaches it.
 */
export function matchRoute(url: string, opts: RouteOptions): RouteMatch {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  if (path.charCodeAt(0) !== 47 /* '/' */) return notFound(opts);
  if (needsNormalising(path)) {
    const n = normalisePath(path);
    if (n === null) {
      return { kind: 'error', status: 400, error: 'The request path is not valid percent-encoding.', hint: 'Encode reserved characters in the URL as %XX.' };
    }
    path = n;
  }
  const rest = stripPrefix(path);
  if (rest === null) return notFound(opts);
  for (const m of ENDPOINTS) {
    let target: string;
    if (m.rest) {
      if (rest !== m.base && !rest.startsWith(m.base + '/')) continue;
      target = rest.length <= m.base.length + 1 ? '/' : rest.slice(m.base.length);
    } else {
      if (rest !== m.base && !(rest.length === m.base.length + 1 && rest.startsWith(m.base) && rest.endsWith('/'))) continue;
      target = '';
    }
    const e = m.endpoint;
    const a = routeAvailability(e.action, opts.transport);
    if (!a.served) return { kind: 'error', status: a.status, error: a.error, hint: a.hint };
    if (e.maps === 'predict_endpoint') target = opts.predictEndpoint;
    if (e.method === 'WS') return { kind: 'websocket', target: target + query, websocket: true };
    return { kind: 'forward', target: target + query, websocket: false };
  }
  return notFound(opts);
}

function notFound(opts: RouteOptions): RouteMatch {
  const routes = routeList(opts);
  return {
    kind: 'error',
    status: 404,
    error: 'No such route on this Berth gateway.',
    hint: routes.length > 0 ? 'Valid routes: ' + routes.join(', ') : unservedRoutes(opts).join('; '),
  };
}
