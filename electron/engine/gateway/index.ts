export { Gateway, DEFAULT_MAX_BODY_BYTES, DEFAULT_QUEUE_LIMIT, DEFAULT_QUEUE_TIMEOUT_MS } from './gateway.js';
export type { GatewayAccess, GatewayGate, GatewayOptions, GatewayUpstream } from './gateway.js';
export { matchRoute, normalisePath, routeList } from './routes.js';
export type { RouteMatch, RouteOptions } from './routes.js';
