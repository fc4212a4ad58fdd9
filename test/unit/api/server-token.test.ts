// `berth serve`'s token over real HTTP and a real WebSocket, with a stand-in service (no
// Docker): every /api call and the event stream need the token (cookie, Bearer or
// x-berth-key), a page opened with ?token= trades it for an HttpOnly SameSite=Strict cookie
// and is redirected without it, and static files load without it.
import http from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBerthServer, type RunningServer } from '../../../electron/engine/server/berth-server.js';
import { keyMatches } from '../../../electron/engine/server/auth.js';
import { EventBus } from '../../../electron/engine/service/event-bus.js';

const TOKEN = 'c0ffee-token-for-tests-0123456789';
const service = { events: new EventBus(), handle: async (name: string) => ({ ok: true as const, result: { name } }) };
const ui = mkdtempSync(join(tmpdir(), 'berth-token-ui-'));
mkdirSync(join(ui, 'assets'));
writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Berth UI</title>');
writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');

let s: RunningServer;
let open: RunningServer;

beforeAll(async () => {
  s = await startBerthServer({ service, host: '127.0.0.1', port: 0, staticDir: ui, token: TOKEN, version: 't' });
  open = await startBerthServer({ service, host: '127.0.0.1', port: 0, staticDir: ui, token: null, version: 't' });
});
afterAll(async () => {
  await s?.close();
  await open?.close();
});

const cookieName = () => `berth_token_${s.port}`;
const call = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}api/deployments.list`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

function raw(path: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((res, rej) => {
    // The path goes out exactly as written (a URL string would be normalized first).
    const req = http.request({ host: '127.0.0.1', port: s.port, path, headers }, (r) => {
      r.resume();
      res(r);
    });
    req.on('error', rej);
    req.end();
  });
}

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'hello'> {
  return new Promise((res) => {
    const w = new WebSocket(url, { headers });
    w.on('unexpected-response', (_req, r) => res(r.statusCode!));
    w.on('message', (d) => {
      res(JSON.parse(String(d)).type === 'hello' ? 'hello' : 0);
      w.close();
    });
    w.on('error', () => {});
  });
}

describe('berth serve token', () => {
  it('refuses every API call without the token, on loopback too, saying how to get in', async () => {
    const none = await call(s.url);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { ok: boolean; error: { message: string; hint: string } };
    expect(body.ok).toBe(false);
    expect(body.error.message).toMatch(/token/);
    expect(body.error.hint).toMatch(/\?token=/);
    expect(body.error.hint).toMatch(/Authorization: Bearer/);
    expect((await call(s.url, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call(s.url, { cookie: `${cookieName()}=wrong` })).status).toBe(401);
    // The cookie of another port (another berth serve) is not this one's.
    expect((await call(s.url, { cookie: `berth_token_${s.port + 1}=${TOKEN}` })).status).toBe(401);
    // The token in the URL of an API call is not accepted (it would land in logs and history).
    expect((await fetch(`${s.url}api/deployments.list?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
  });

  it('accepts the token as Bearer, x-berth-key or the cookie', async () => {
    expect((await call(s.url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await call(s.url, { 'x-berth-key': TOKEN })).status).toBe(200);
    expect((await call(s.url, { cookie: `other=1; ${cookieName()}=${TOKEN}` })).status).toBe(200);
  });

  it('trades ?token= on a page load for an HttpOnly SameSite=Strict cookie and redirects without it', async () => {
    const r = await raw(`/?token=${TOKEN}`);
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    const cookie = r.headers['set-cookie']?.[0] ?? '';
    expect(cookie.startsWith(`${cookieName()}=${TOKEN};`)).toBe(true);
    expect(cookie).toMatch(/;\s*HttpOnly/);
    expect(cookie).toMatch(/;\s*SameSite=Strict/);
    expect(cookie).toMatch(/;\s*Path=\//);
    // Other parameters and the path stay.
    const deep = await raw(`/deployments/x?tab=logs&token=${TOKEN}`);
    expect(deep.headers.location).toBe('/deployments/x?tab=logs');
    // Never a redirect to another site ('//host' is protocol-relative).
    const sneaky = await raw(`/.//evil.example/?token=${TOKEN}`);
    expect(sneaky.headers.location).toBe('/evil.example/');
    // A wrong token sets nothing (the UI then shows how to sign in), and is not kept either.
    const wrong = await raw('/?token=nope');
    expect(wrong.statusCode).toBe(303);
    expect(wrong.headers.location).toBe('/');
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('serves the static UI without the token', async () => {
    expect((await fetch(s.url)).status).toBe(200);
    expect((await fetch(`${s.url}assets/app.js`)).status).toBe(200);
  });

  it('requires the token on the event WebSocket: cookie, Bearer or ?token=', async () => {
    const ws = `${s.url.replace('http', 'ws')}api/events`;
    expect(await wsStatus(ws)).toBe(401);
    expect(await wsStatus(`${ws}?token=wrong`)).toBe(401);
    expect(await wsStatus(ws, { cookie: `${cookieName()}=${TOKEN}` })).toBe('hello');
    expect(await wsStatus(ws, { authorization: `Bearer ${TOKEN}` })).toBe('hello');
    expect(await wsStatus(`${ws}?token=${TOKEN}`)).toBe('hello');
  });

  it('keeps the Host and Origin checks with a valid token', async () => {
    expect((await call(s.url, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' })).status).toBe(403);
    const host = await new Promise<number>((res, rej) => {
      const req = http.request(`${s.url}api/deployments.list`, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } }, (r) => {
        r.resume();
        res(r.statusCode!);
      });
      req.on('error', rej);
      req.end('{}');
    });
    expect(host).toBe(421);
  });

  it('prints a URL carrying the token; with no token (--no-token) the API is open', async () => {
    expect(s.openUrl).toBe(`${s.url}?token=${TOKEN}`);
    expect(open.openUrl).toBe(open.url);
    expect((await call(open.url)).status).toBe(200);
  });

  it('compares tokens whatever their length without throwing', () => {
    expect(keyMatches(TOKEN, TOKEN)).toBe(true);
    expect(keyMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(keyMatches('x', TOKEN)).toBe(false);
    expect(keyMatches('', TOKEN)).toBe(false);
  });
});
