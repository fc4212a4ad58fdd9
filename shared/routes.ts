// The local gateway's route table: Baseten's routes, what each maps to on the model server,
// and, per transport, which are served and which answer an error (501: a platform feature
// or a protocol the local HTTP/1.1 gateway does not proxy). Everything that shows or serves
// routes derives from this one table: the gateway's router and its 404 body
// (electron/engine/gateway/routes.ts), the plan's `gateway.routes` (shared/truss/plan.ts),
// `berth plan`, `berth run` and the Overview's Endpoints card. Pure: no Node or DOM imports.
import type { TransportKind } from './plan.js';

/**
 * The environment prefixes a route may start with. Locally there is exactly one
 * deployment, so any env name or deployment id reaches it.
 */
export const ROUTE_PREFIXES: readonly string[] = ['/environments/{env}', '/production', '/development', '/deployment/{id}'];

/** The prefix examples and copyable URLs use. */
export const CANONICAL_PREFIX = '/environments/production';

export type RouteAction = 'predict' | 'sync' | 'websocket' | 'async_predict';

export interface RouteEndpoint {
  action: RouteAction;
  /**
   * The documented method. The gateway forwards whatever method comes (the model server
   * judges it); WS is a WebSocket upgrade (GET with Upgrade).
   */
  method: 'POST' | 'ANY' | 'WS';
  /** The path after the prefix; a trailing `/{path}` matches the rest of the path (or none). */
  suffix: string;
  /** What it maps to on the model server: predict_endpoint, or the `{path}` of the suffix. */
  maps: 'predict_endpoint' | '/{path}';
  /** A short name for the UI. */
  label: string;
}

export const ROUTE_ENDPOINTS: readonly RouteEndpoint[] = [
  { action: 'predict', method: 'POST', suffix: '/predict', maps: 'predict_endpoint', label: 'Predict' },
  { action: 'sync', method: 'ANY', suffix: '/sync/{path}', maps: '/{path}', label: 'Sync (any server path)' },
  { action: 'websocket', method: 'WS', suffix: '/websocket', maps: 'predict_endpoint', label: 'WebSocket' },
  { action: 'async_predict', method: 'POST', suffix: '/async_predict', maps: 'predict_endpoint', label: 'Async predict' },
];

export interface RouteTableOptions {
  predictEndpoint: string;
  transport: TransportKind;
}

/** Whether the gateway serves an action for a transport, and if not, what it answers. */
export type RouteAvailability = { served: true } | { served: false; status: 400 | 501; error: string; hint: string };

const SERVED: RouteAvailability = { served: true };

const GRPC_NOT_PROXIED = {
  served: false,
  status: 501,
  error: "This model's transport is gRPC, which the local HTTP/1.1 gateway does not proxy.",
  hint: "Point your gRPC client at the model container's published port shown in Berth.",
} as const satisfies RouteAvailability;

const ASYNC_NOT_LOCAL: RouteAvailability = {
  served: false,
  status: 501,
  error: 'Async predict is a Baseten platform queue and is not available locally.',
  hint: `Call ${CANONICAL_PREFIX}/predict (synchronous) instead.`,
};

export function routeAvailability(action: RouteAction, transport: TransportKind): RouteAvailability {
  if (action === 'async_predict') return ASYNC_NOT_LOCAL;
  if (action === 'websocket') {
    if (transport === 'websocket') return SERVED;
    // Not a route of this model at all: a client error, and not listed.
    return {
      served: false,
      status: 400,
      error: `This model's transport is ${transport}, so the WebSocket route is not served.`,
      hint:
        transport === 'grpc'
          ? GRPC_NOT_PROXIED.hint
          : `Call ${CANONICAL_PREFIX}/predict instead, or set runtime.transport.kind: websocket in config.yaml if the server speaks WebSocket.`,
    };
  }
  if (transport === 'grpc') return GRPC_NOT_PROXIED;
  return SERVED;
}

export interface RouteRow {
  method: RouteEndpoint['method'];
  /** The full pattern: prefix + suffix, e.g. `/environments/{env}/predict`. */
  pattern: string;
  action: RouteAction;
  /** The model server path it maps to (predict_endpoint or `/{path}`). */
  target: string;
  /** 'served', or the status the gateway answers on it (501: not available locally). */
  status: 'served' | 501;
  /** Why not served (status 501). */
  error?: string;
}

/**
 * The routes of a deployment: every prefix with every endpoint its transport serves or
 * answers 501 on. (The WebSocket route on a non-WebSocket model is not a route of it:
 * 400, not listed.)
 */
export function routeTable(opts: RouteTableOptions): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const e of ROUTE_ENDPOINTS) {
    const a = routeAvailability(e.action, opts.transport);
    if (!a.served && a.status !== 501) continue;
    for (const prefix of ROUTE_PREFIXES) {
      rows.push({
        method: e.method,
        pattern: prefix + e.suffix,
        action: e.action,
        target: e.maps === 'predict_endpoint' ? opts.predictEndpoint : '/{path}',
        status: a.served ? 'served' : 501,
        ...(a.served ? {} : { error: a.error }),
      });
    }
  }
  return rows;
}

/** `POST /environments/{env}/predict -> /v1/chat/completions` */
export function formatRoute(r: RouteRow): string {
  return `${r.method} ${r.pattern} -> ${r.target}`;
}

/** The routes the gateway serves, one line each: the plan's `gateway.routes`, 404 bodies. */
export function servedRoutes(opts: RouteTableOptions): string[] {
  return routeTable(opts)
    .filter((r) => r.status === 'served')
    .map(formatRoute);
}

/** The listed routes that answer 501, one line per endpoint (all prefixes alike). */
export function unservedRoutes(opts: RouteTableOptions): string[] {
  const out: string[] = [];
  for (const e of ROUTE_ENDPOINTS) {
    const a = routeAvailability(e.action, opts.transport);
    if (a.served || a.status !== 501) continue;
    out.push(`${e.method} {prefix}${e.suffix} -> ${a.status}: ${a.error}`);
  }
  return out;
}

export interface EndpointExample {
  action: RouteAction;
  label: string;
  method: RouteEndpoint['method'];
  /** A URL to call (ws:// for WebSocket); a `{path}` suffix is left as `<path>`. */
  url: string;
  target: string;
}

/** One copyable URL per served endpoint under the canonical prefix (Overview, `berth run`). */
export function endpointExamples(baseUrl: string, opts: RouteTableOptions, prefix = CANONICAL_PREFIX): EndpointExample[] {
  const base = baseUrl.replace(/\/+$/, '');
  const out: EndpointExample[] = [];
  for (const e of ROUTE_ENDPOINTS) {
    if (!routeAvailability(e.action, opts.transport).served) continue;
    const root = e.method === 'WS' ? base.replace(/^http/, 'ws') : base;
    out.push({
      action: e.action,
      label: e.label,
      method: e.method,
      url: root + prefix + e.suffix.replace('{path}', '<path>'),
      target: e.maps === 'predict_endpoint' ? opts.predictEndpoint : '/<path>',
    });
  }
  return out;
}
