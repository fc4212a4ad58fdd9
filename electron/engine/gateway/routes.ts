// Baseten route table and request-path normalisation. Pure: no Node imports, so the unit
// tests (and the UI's route list) can use it directly.
import type { TransportKind } from '../../../shared/plan.js';

export type RouteMatch =
  /** Forward to the model server at `target` (path + original query string). */
  | { kind: 'forward'; target: string; websocket: false }
  /** WebSocket upgrade to `target`. */
  | { kind: 'websocket'; target: string; websocket: true }
  | { kind: 'error'; status: number; error: string; hint: string };

export interface RouteOptions {
  predictEndpoint: string;
  transport: TransportKind;
}

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

/** The routes a user can call, for 404 bodies and the UI. */
export function routeList(opts: RouteOptions): string[] {
  const routes = [
    'POST /environments/{env}/predict',
    'POST /production/predict',
    'POST /development/predict',
    'POST /deployment/{id}/predict',
    '* /environments/{env}/sync/{path}',
    '* /production/sync/{path}',
    '* /development/sync/{path}',
    '* /deployment/{id}/sync/{path}',
  ];
  if (opts.transport === 'websocket') {
    routes.push('GET (WebSocket) /environments/{env}/websocket', 'GET (WebSocket) /production/websocket', 'GET (WebSocket) /deployment/{id}/websocket');
  }
  return routes;
}

/**
 * Matches a request target (path and query, as received) against the Baseten routes.
 * `/environments/{env}`, `/production`, `/development` and `/deployment/{id}` are all
 * accepted as the environment prefix; locally there is exactly one deployment, so any
 * env name or deployment id reaches it.
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
  // Strip the environment prefix, leaving `rest` = '/predict', '/sync/...', ...
  let rest: string;
  if (path.startsWith('/environments/')) {
    const slash = path.indexOf('/', 14);
    if (slash === -1 || slash === 14) return notFound(opts);
    rest = path.slice(slash);
  } else if (path.startsWith('/deployment/')) {
    const slash = path.indexOf('/', 12);
    if (slash === -1 || slash === 12) return notFound(opts);
    rest = path.slice(slash);
  } else if (path.startsWith('/production/')) {
    rest = path.slice(11);
  } else if (path.startsWith('/development/')) {
    rest = path.slice(12);
  } else return notFound(opts);

  if (rest === '/predict' || rest === '/predict/') {
    if (opts.transport === 'grpc') return grpcNotProxied();
    return { kind: 'forward', target: opts.predictEndpoint + query, websocket: false };
  }
  if (rest.startsWith('/sync/') || rest === '/sync') {
    if (opts.transport === 'grpc') return grpcNotProxied();
    const target = rest.length <= 6 ? '/' : rest.slice(5);
    return { kind: 'forward', target: target + query, websocket: false };
  }
  if (rest === '/websocket' || rest === '/websocket/') {
    if (opts.transport !== 'websocket') {
      return {
        kind: 'error',
        status: 400,
        error: `This model's transport is ${opts.transport}, so the WebSocket route is not served.`,
        hint: "Call /environments/production/predict instead, or set runtime.transport.kind: websocket in config.yaml if the server speaks WebSocket.",
      };
    }
    return { kind: 'websocket', target: opts.predictEndpoint + query, websocket: true };
  }
  if (rest === '/async_predict' || rest.startsWith('/async_predict/') || rest.startsWith('/async_')) {
    return {
      kind: 'error',
      status: 501,
      error: 'Async predict is a Baseten platform queue and is not available locally.',
      hint: 'Call /environments/production/predict (synchronous) instead.',
    };
  }
  return notFound(opts);
}

function grpcNotProxied(): RouteMatch {
  return {
    kind: 'error',
    status: 501,
    error: "This model's transport is gRPC, which the local HTTP/1.1 gateway does not proxy.",
    hint: "Point your gRPC client at the model container's published port shown in Berth.",
  };
}

function notFound(opts: RouteOptions): RouteMatch {
  return {
    kind: 'error',
    status: 404,
    error: 'No such route on this Berth gateway.',
    hint: 'Valid routes: ' + routeList(opts).join(', '),
  };
}
