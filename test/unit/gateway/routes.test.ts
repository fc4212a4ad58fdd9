import { describe, expect, it } from 'vitest';
import { matchRoute, normalisePath, routeList } from '../../../electron/engine/gateway/routes.js';
import { endpointExamples, formatRoute, ROUTE_ENDPOINTS, ROUTE_PREFIXES, routeTable, unservedRoutes } from '../../../shared/routes.js';
import { gatewayRoutes } from '../../../shared/truss/plan.js';

const http = { predictEndpoint: '/v1/chat/completions', transport: 'http' as const };
const ws = { predictEndpoint: '/v1/realtime', transport: 'websocket' as const };

function target(url: string, opts = http): string | null {
  const m = matchRoute(url, opts);
  return m.kind === 'error' ? null : m.target;
}

describe('matchRoute', () => {
  it('maps every predict alias to predict_endpoint, keeping the query', () => {
    expect(target('/environments/production/predict')).toBe('/v1/chat/completions');
    expect(target('/environments/staging/predict?x=1')).toBe('/v1/chat/completions?x=1');
    expect(target('/production/predict')).toBe('/v1/chat/completions');
    expect(target('/development/predict')).toBe('/v1/chat/completions');
    expect(target('/deployment/abc123/predict')).toBe('/v1/chat/completions');
  });

  it('maps sync/{path} to /{path} with the query string', () => {
    expect(target('/environments/production/sync/v1/models')).toBe('/v1/models');
    expect(target('/environments/production/sync/v1/chat/completions?a=1&b=%20')).toBe('/v1/chat/completions?a=1&b=%20');
    expect(target('/environments/production/sync')).toBe('/');
    expect(target('/production/sync/health')).toBe('/health');
    expect(target('/deployment/xyz/sync/v1/embeddings')).toBe('/v1/embeddings');
  });

  it('keeps dot segments from escaping a route prefix, encoded or not', () => {
    expect(target('/environments/production/sync/../../admin')).toBeNull();
    expect(matchRoute('/environments/production/sync/../../admin', http)).toMatchObject({ kind: 'error', status: 404 });
    expect(target('/environments/production/sync/%2e%2e/%2E%2E/admin')).toBeNull();
    expect(target('/environments/production/sync/.%2e/.%2e/admin')).toBeNull();
    expect(target('/environments/production/sync/../../../../../../etc/passwd')).toBeNull();
    // Inside the sync prefix, '..' resolves within the model's own namespace.
    expect(target('/environments/production/sync/v1/../health')).toBe('/health');
    expect(target('/environments/production/sync/v1/./models')).toBe('/v1/models');
    expect(target('//environments//production///sync//v1//models')).toBe('/v1/models');
    // A /predict reached through '..' in another route's prefix is still just predict.
    expect(target('/environments/production/sync/../predict')).toBe('/v1/chat/completions');
  });

  it('keeps an encoded slash inside its segment and rejects bad encoding', () => {
    expect(target('/environments/production/sync/v1/models/org%2Fname')).toBe('/v1/models/org%2Fname');
    expect(target('/environments/production/sync/a%20b')).toBe('/a%20b');
    expect(matchRoute('/environments/production/sync/%zz', http)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('serves the websocket route only for websocket transport', () => {
    expect(matchRoute('/environments/production/websocket', ws)).toEqual({ kind: 'websocket', target: '/v1/realtime', websocket: true });
    const m = matchRoute('/environments/production/websocket', http);
    expect(m).toMatchObject({ kind: 'error', status: 400 });
    expect(m.kind === 'error' && m.error).toMatch(/transport is http/);
  });

  it('answers async predict with 501 and grpc routes with 501', () => {
    expect(matchRoute('/environments/production/async_predict', http)).toMatchObject({ kind: 'error', status: 501 });
    expect(matchRoute('/production/predict', { predictEndpoint: '/', transport: 'grpc' })).toMatchObject({ kind: 'error', status: 501 });
  });

  it('404s everything else with a hint listing the routes', () => {
    for (const u of ['/', '/admin', '/environments/production', '/environments//predict', '/v1/chat/completions', 'relative', '/production/other']) {
      const m = matchRoute(u, http);
      expect(m, u).toMatchObject({ kind: 'error', status: 404 });
      expect(m.kind === 'error' && m.hint).toContain('/environments/{env}/predict');
    }
    expect(routeList(ws).some((r) => r.includes('websocket'))).toBe(true);
    expect(routeList(http).some((r) => r.includes('websocket'))).toBe(false);
  });
});

describe('normalisePath', () => {
  it('resolves dots and never climbs above the root', () => {
    expect(normalisePath('/a/b/../c')).toBe('/a/c');
    expect(normalisePath('/../../x')).toBe('/x');
    expect(normalisePath('/a/./b/')).toBe('/a/b/');
    expect(normalisePath('/%2e%2e/%2e')).toBe('/');
    expect(normalisePath('/caf%C3%A9')).toBe('/caf%C3%A9');
    expect(normalisePath('/%E0%A4%A')).toBeNull();
  });
});

// The one route table (shared/routes.ts) against the router, the 404 list and the plan.
describe('route table', () => {
  const transports = ['http', 'websocket', 'grpc'] as const;
  const opts = (transport: (typeof transports)[number]) => ({ predictEndpoint: '/v1/chat/completions', transport });
  const concrete = (pattern: string) => pattern.replace('{env}', 'staging').replace('{id}', 'abc123').replace('{path}', 'v1/models');

  for (const t of transports) {
    it(`the router answers exactly the table (${t})`, () => {
      const rows = routeTable(opts(t));
      for (const row of rows) {
        const m = matchRoute(concrete(row.pattern) + '?q=1', opts(t));
        if (row.status === 'served') {
          const want = row.target === '/{path}' ? '/v1/models' : row.target;
          expect(m, row.pattern).toEqual(row.method === 'WS' ? { kind: 'websocket', target: want + '?q=1', websocket: true } : { kind: 'forward', target: want + '?q=1', websocket: false });
        } else {
          expect(m, row.pattern).toMatchObject({ kind: 'error', status: 501, error: row.error });
        }
      }
      // Every prefix with every endpoint: what the table leaves out is not served.
      for (const prefix of ROUTE_PREFIXES) {
        for (const e of ROUTE_ENDPOINTS) {
          const pattern = prefix + e.suffix;
          if (rows.some((r) => r.pattern === pattern)) continue;
          expect(matchRoute(concrete(pattern), opts(t)).kind, pattern).toBe('error');
        }
      }
      // The 404 list, the plan's routes and routeList are the table's served rows.
      const served = rows.filter((r) => r.status === 'served').map(formatRoute);
      expect(routeList(opts(t))).toEqual(served);
      expect(gatewayRoutes('/v1/chat/completions', t)).toEqual(served);
      const nf = matchRoute('/nowhere', opts(t));
      for (const r of served) expect(nf.kind === 'error' && nf.hint, r).toContain(r);
    });
  }

  it('lists the sync routes under every prefix, in the plan too', () => {
    const routes = gatewayRoutes('/predict', 'http');
    for (const p of ['/environments/{env}', '/production', '/development', '/deployment/{id}']) {
      expect(routes).toContain(`ANY ${p}/sync/{path} -> /{path}`);
      expect(routes).toContain(`POST ${p}/predict -> /predict`);
      expect(target(`${concrete(p)}/sync/v1/models`)).toBe('/v1/models');
    }
    expect(routes.some((r) => r.startsWith('WS '))).toBe(false);
    expect(gatewayRoutes('/ws', 'websocket')).toContain('WS /development/websocket -> /ws');
  });

  it('a gRPC config lists only what it serves and answers 501 for predict and sync', () => {
    const grpc = { predictEndpoint: '/', transport: 'grpc' as const };
    expect(routeList(grpc)).toEqual([]);
    expect(gatewayRoutes('/', 'grpc')).toEqual([]);
    expect(routeTable(grpc).filter((r) => r.action === 'predict').every((r) => r.status === 501)).toBe(true);
    expect(matchRoute('/production/predict', grpc)).toMatchObject({ kind: 'error', status: 501, hint: expect.stringMatching(/gRPC client/) });
    expect(matchRoute('/development/sync/x', grpc)).toMatchObject({ kind: 'error', status: 501 });
    expect(unservedRoutes(grpc).join('\n')).toMatch(/\/predict -> 501/);
    // Nothing to call over HTTP: the 404 says so instead of listing routes that answer 501.
    const nf = matchRoute('/nowhere', grpc);
    expect(nf).toMatchObject({ kind: 'error', status: 404 });
    expect(nf.kind === 'error' && nf.hint).not.toMatch(/Valid routes/);
  });

  it('gives one copyable URL per served endpoint (Overview, berth run)', () => {
    expect(endpointExamples('http://127.0.0.1:7000', opts('websocket')).map((e) => [e.label, e.url])).toEqual([
      ['Predict', 'http://127.0.0.1:7000/environments/production/predict'],
      ['Sync (any server path)', 'http://127.0.0.1:7000/environments/production/sync/<path>'],
      ['WebSocket', 'ws://127.0.0.1:7000/environments/production/websocket'],
    ]);
    expect(endpointExamples('http://127.0.0.1:7000', opts('grpc'))).toEqual([]);
  });
});
