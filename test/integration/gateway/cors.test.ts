// CORS: only Berth's own UI origins (berth serve's, the desktop app's berth://app) may call a
// gateway from a browser; any other page gets no CORS headers and a refused preflight.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../electron/engine/gateway/index.js';
import { allowUiOrigin, disallowUiOrigin } from '../../../electron/engine/gateway/cors.js';
import { startFixtureProcess, startGateway, type FixtureProcess } from './helpers.js';

const UI = 'http://127.0.0.1:7870';
const EVIL = 'https://evil.example';
let up: FixtureProcess;
let gw: Gateway;

beforeAll(async () => {
  up = await startFixtureProcess({ FIXTURE_TOKENS_PER_SEC: '0' });
  gw = await startGateway(up.port, { predictEndpoint: '/v1/chat/completions', apiKey: 'k-cors-test', requireKey: true });
  allowUiOrigin(UI);
});

afterAll(async () => {
  disallowUiOrigin(UI);
  await gw?.close();
  await up?.stop();
});

const preflight = (origin: string) =>
  fetch(`${gw.url}/environments/production/predict`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });

describe('gateway CORS', () => {
  it('answers a preflight from the Berth UI without a key, and refuses other origins', async () => {
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const evil = await preflight(EVIL);
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the CORS header to streamed answers for the UI only; the key is still required', async () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 5 });
    const headers = { 'content-type': 'application/json', authorization: 'Api-Key k-cors-test' };
    const ui = await fetch(`${gw.url}/environments/production/predict`, { method: 'POST', body, headers: { ...headers, origin: UI } });
    expect(ui.status).toBe(200);
    expect(ui.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ui.headers.get('access-control-expose-headers')).toMatch(/x-baseten-request-id/);
    expect(await ui.text()).toMatch(/\[DONE\]/);

    const evil = await fetch(`${gw.url}/environments/production/predict`, { method: 'POST', body, headers: { ...headers, origin: EVIL } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // Refused before the model: a cross-site "simple" POST must not run it either.
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { hint: string }).hint).toMatch(/server-side client/);

    const noKey = await fetch(`${gw.url}/environments/production/predict`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: UI } });
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get('access-control-allow-origin')).toBe(UI);
  });

  it('answers only loopback Host names on a loopback gateway (no DNS rebinding), over HTTP and WebSocket', async () => {
    const port = gw.port!;
    const raw = (host: string, extra = '') =>
      new Promise<string>((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(`GET /environments/production/sync/health HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Api-Key k-cors-test\r\n${extra}Connection: close\r\n\r\n`));
        let out = '';
        s.on('data', (d) => (out += d.toString('latin1')));
        s.on('close', () => resolve(out));
        s.on('error', () => resolve(out));
      });
    expect(await raw(`127.0.0.1:${port}`)).toMatch(/^HTTP\/1\.1 200/);
    expect(await raw(`localhost:${port}`)).toMatch(/^HTTP\/1\.1 200/);
    const rebound = await raw(`evil.example:${port}`);
    expect(rebound).toMatch(/^HTTP\/1\.1 421/);
    expect(rebound).toMatch(/127\.0\.0\.1 or localhost/);
    const wsUpgrade = 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    expect(await raw(`evil.example:${port}`, `Connection: Upgrade\r\n${wsUpgrade}`)).toMatch(/^HTTP\/1\.1 421/);
    expect(await raw(`127.0.0.1:${port}`, `Origin: ${EVIL}\r\n${wsUpgrade}`)).toMatch(/^HTTP\/1\.1 403/);
  });
});
