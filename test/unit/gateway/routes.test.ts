import { describe, expect, it } from 'vitest';
import { matchRoute, normalisePath, routeList } from '../../../electron/engine/gateway/routes.js';

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
