// The gateway against the real fixture model server (a plain Node process on 127.0.0.1),
// over real HTTP/WebSocket connections.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { BerthError } from '../../../shared/errors.js';
import type { GatewayMetrics } from '../../../shared/deployment.js';
import { Gateway } from '../../../electron/engine/gateway/index.js';
import { gatewayRoutes } from '../../../shared/truss/plan.js';
import { rawRequest, startFixtureProcess, startGateway, type FixtureProcess } from './helpers.js';

let up: FixtureProcess;
const gateways: Gateway[] = [];
async function gw(opts: Parameters<typeof startGateway>[1] = {}, upstream: number | null = up.port): Promise<Gateway> {
  const g = await startGateway(upstream, opts);
  gateways.push(g);
  return g;
}

beforeAll(async () => {
  up = await startFixtureProcess({ FIXTURE_TOKENS_PER_SEC: '200' });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await up?.stop();
});

describe('gateway with the fixture server', () => {
  it('serves the official openai client: streaming chat and embeddings through sync/v1', async () => {
    const g = await gw({ predictEndpoint: '/v1/chat/completions' });
    const client = new OpenAI({ apiKey: 'unused-locally', baseURL: `${g.url}/environments/production/sync/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'berth-fixture-model',
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      max_tokens: 12,
    });
    let text = '';
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(chunks).toBeGreaterThanOrEqual(12);
    expect(text.length).toBeGreaterThan(0);

    const emb = await client.embeddings.create({ model: 'berth-fixture-model', input: ['a', 'b'] });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0].embedding.length).toBe(16);
  });

  it('relays predict to predict_endpoint and adds/keeps X-Baseten-Request-Id', async () => {
    const g = await gw({ predictEndpoint: '/echo' });
    const a = await rawRequest(g.port!, 'POST', '/environments/production/predict?x=1', { 'content-type': 'application/json' }, '{"prompt":"hi"}');
    expect(a.status).toBe(200);
    expect(a.json.path).toBe('/echo');
    expect(a.json.query).toMatchObject({ x: '1' });
    const rid = a.headers['x-baseten-request-id'];
    expect(rid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.json.headers['x-baseten-request-id']).toBe(rid);
    expect(a.json.headers['x-forwarded-for']).toBe('127.0.0.1');
    const b = await rawRequest(g.port!, 'POST', '/production/predict', { 'x-baseten-request-id': 'client-chosen-1' }, '{}');
    expect(b.headers['x-baseten-request-id']).toBe('client-chosen-1');
    expect(b.json.headers['x-baseten-request-id']).toBe('client-chosen-1');
  });

  it('does not let .. or %2e%2e escape the sync prefix', async () => {
    const g = await gw();
    for (const p of ['/environments/production/sync/../../echo', '/environments/production/sync/%2e%2e/%2e%2e/echo', '/environments/production/sync/..%2f..%2fecho']) {
      const r = await rawRequest(g.port!, 'GET', p);
      expect(r.status, p).not.toBe(200);
      expect(r.json?.path).toBeUndefined();
    }
    const inside = await rawRequest(g.port!, 'GET', '/environments/production/sync/v1/../echo');
    expect(inside.status).toBe(200);
    expect(inside.json.path).toBe('/echo');
  });

  it('answers unknown routes with 404 JSON listing the valid routes', async () => {
    const g = await gw();
    const r = await rawRequest(g.port!, 'GET', '/v1/chat/completions');
    expect(r.status).toBe(404);
    expect(r.json.routes).toContain('POST /environments/{env}/predict -> /predict');
    expect(r.json.routes).toContain('ANY /development/sync/{path} -> /{path}');
    expect(r.json.hint).toMatch(/Valid routes/);
    // The same list as the plan's (and so `berth plan`, the API and the Overview).
    expect(r.json.routes).toEqual(gatewayRoutes('/predict', 'http'));
    expect(r.json.routes).toEqual(g.routes());
    const a = await rawRequest(g.port!, 'POST', '/environments/production/async_predict', {}, '{}');
    expect(a.status).toBe(501);
    expect(a.json.hint).toMatch(/predict/);
  });

  it('delivers stream chunks as they are produced, not at the end', async () => {
    const g = await gw();
    const t0 = Date.now();
    const arrivals: number[] = [];
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: g.port!, path: '/environments/production/sync/stream?chunks=8&interval_ms=150', agent: false }, (res) => {
          res.on('data', () => arrivals.push(Date.now() - t0));
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
    const total = Date.now() - t0;
    // The upstream sends its last chunk ~7*150 ms after the first.
    expect(total).toBeGreaterThan(900);
    expect(arrivals[0]).toBeLessThan(total - 700);
    expect(arrivals.length).toBeGreaterThanOrEqual(6);
  });

  it('carries a client abort to the upstream', async () => {
    const g = await gw();
    await up.resetStats();
    const ctl = new AbortController();
    const p = fetch(`${g.url}/environments/production/sync/slow?ms=10000`, { signal: ctl.signal }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 300));
    expect((await up.stats()).inFlight).toBe(1);
    ctl.abort();
    await p;
    const deadline = Date.now() + 3000;
    let s = await up.stats();
    while (s.aborted < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      s = await up.stats();
    }
    expect(s.aborted).toBe(1);
    expect(s.inFlight).toBe(0);
  });

  it('holds at most predict_concurrency requests in flight under 50 parallel requests', async () => {
    const g = await gw({ predictConcurrency: 3, predictEndpoint: '/slow' });
    await up.resetStats();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => rawRequest(g.port!, 'POST', '/environments/production/predict?ms=40', {}, '')),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const s = await up.stats();
    expect(s.total).toBe(50);
    expect(s.maxInFlight).toBe(3);
  });

  it('answers 429 with Retry-After when the queue is full or the wait times out', async () => {
    const g = await gw({ predictConcurrency: 1, queueLimit: 1, queueTimeoutMs: 300 });
    const first = rawRequest(g.port!, 'GET', '/environments/production/sync/slow?ms=1500');
    await new Promise((r) => setTimeout(r, 100));
    const queued = rawRequest(g.port!, 'GET', '/environments/production/sync/slow?ms=10');
    await new Promise((r) => setTimeout(r, 50));
    const full = await rawRequest(g.port!, 'GET', '/environments/production/sync/slow?ms=10');
    expect(full.status).toBe(429);
    expect(full.headers['retry-after']).toBe('1');
    expect(full.json.hint).toMatch(/predict_concurrency/);
    const timedOut = await queued;
    expect(timedOut.status).toBe(429);
    expect(timedOut.headers['retry-after']).toBeDefined();
    expect((await first).status).toBe(200);
  });

  it('answers 503 with state and reason while not ready or without an upstream', async () => {
    const g = await gw();
    g.setGate({ ready: false, state: 'waiting_for_startup', reason: 'Readiness probe has not passed yet.' });
    const r = await rawRequest(g.port!, 'POST', '/environments/production/predict', {}, '{}');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.json).toMatchObject({ state: 'waiting_for_startup', reason: 'Readiness probe has not passed yet.' });
    g.setGate({ ready: true, state: 'ready', reason: '' });
    expect((await rawRequest(g.port!, 'POST', '/environments/production/predict', {}, '{}')).status).toBe(200);
    g.setUpstream(null);
    const n = await rawRequest(g.port!, 'POST', '/environments/production/predict', {}, '{}');
    expect(n.status).toBe(503);
    expect(n.json.reason).toMatch(/not reachable/);
  });

  it('answers 502 with a hint when the model server is gone', async () => {
    const g = await gw({}, 1); // nothing listens on port 1
    const r = await rawRequest(g.port!, 'GET', '/environments/production/sync/health');
    expect(r.status).toBe(502);
    expect(r.json.hint).toMatch(/logs/);
  });

  it('refuses bodies over the limit with 413, by Content-Length and while streaming', async () => {
    const g = await gw({ maxBodyBytes: 1024 * 1024, predictEndpoint: '/echo' });
    const big = Buffer.alloc(1024 * 1024 + 1, 97);
    const byLength = await rawRequest(g.port!, 'POST', '/environments/production/predict', { 'content-type': 'text/plain' }, big);
    expect(byLength.status).toBe(413);
    expect(byLength.json.hint).toMatch(/smaller/);
    // Chunked upload: no Content-Length, so the limit is enforced while counting.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: g.port!, method: 'POST', path: '/environments/production/predict', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(64 * 1024, 98));
      req.end();
    });
    expect(chunked).toBe(413);
    const ok = await rawRequest(g.port!, 'POST', '/environments/production/predict', { 'content-type': 'text/plain' }, Buffer.alloc(1000, 99));
    expect(ok.status).toBe(200);
    expect(ok.json.body.length).toBe(1000);
  });

  it('enforces the API key when required and keeps the gateway key from the model server', async () => {
    const g = await gw({ apiKey: 'gw-key-123', requireKey: true, predictEndpoint: '/echo' });
    const none = await rawRequest(g.port!, 'POST', '/environments/production/predict', {}, '{}');
    expect(none.status).toBe(401);
    expect(none.json.hint).toMatch(/Api-Key/);
    expect(none.body).not.toContain('gw-key-123');
    expect((await rawRequest(g.port!, 'POST', '/environments/production/predict', { authorization: 'Api-Key wrong' }, '{}')).status).toBe(401);
    const withApiKey = await rawRequest(g.port!, 'POST', '/environments/production/predict', { authorization: 'Api-Key gw-key-123' }, '{}');
    expect(withApiKey.status).toBe(200);
    expect(withApiKey.json.headers.authorization).toBeUndefined();
    const withBearer = await rawRequest(g.port!, 'POST', '/environments/production/predict', { authorization: 'Bearer gw-key-123' }, '{}');
    expect(withBearer.status).toBe(200);

    // Without requireKey on loopback no key is needed, and a model's own key passes through.
    const open = await gw({ predictEndpoint: '/echo' });
    const own = await rawRequest(open.port!, 'POST', '/environments/production/predict', { authorization: 'Bearer model-key' }, '{}');
    expect(own.status).toBe(200);
    expect(own.json.headers.authorization).toBe('Bearer model-key');

    expect(() => new Gateway({ deploymentId: 'x', host: '0.0.0.0', predictEndpoint: '/p', transport: 'http', predictConcurrency: 1, apiKey: null, requireKey: false })).toThrow(BerthError);
  });

  it('reports PORT_IN_USE when the remembered port is taken', async () => {
    const g = await gw();
    const clash = new Gateway({ deploymentId: 'clash', port: g.port!, predictEndpoint: '/p', transport: 'http', predictConcurrency: 1, apiKey: null, requireKey: false });
    await expect(clash.listen()).rejects.toMatchObject({ code: 'PORT_IN_USE', hint: expect.stringMatching(/port/) });
  });

  it('emits metrics with status counts, latency percentiles and token rate', async () => {
    const g = await gw({ predictEndpoint: '/v1/chat/completions' });
    const seen: GatewayMetrics[] = [];
    g.on('metrics', (m: GatewayMetrics) => seen.push(m));
    const res = await fetch(`${g.url}/environments/production/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true, max_tokens: 300 }),
    });
    await res.text();
    await rawRequest(g.port!, 'GET', '/nope');
    await new Promise((r) => setTimeout(r, 1200));
    expect(seen.length).toBeGreaterThanOrEqual(1);
    const last = seen[seen.length - 1];
    expect(last.requests['200']).toBe(1);
    expect(last.requests['404']).toBe(1);
    expect(last.latencyMs!.p99).toBeGreaterThan(0);
    expect(last.ttfbMs).not.toBeNull();
    // 300 tokens at 200 tokens/s take 1.5 s: at least one snapshot saw them flowing.
    const rates = seen.map((m) => m.tokensPerSecond).filter((x): x is number => x !== null);
    expect(rates.length).toBeGreaterThan(0);
    expect(Math.max(...rates)).toBeGreaterThan(100);
    expect(Math.max(...rates)).toBeLessThan(400);
    // Emitted at most once a second.
    for (let i = 1; i < seen.length; i++) expect(seen[i].time - seen[i - 1].time).toBeGreaterThanOrEqual(990);
  });
});

describe('gateway websocket relay', () => {
  it('exchanges messages through /environments/production/websocket', async () => {
    const g = await gw({ transport: 'websocket', predictEndpoint: '/ws' });
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/environments/production/websocket`);
    let rid: string | undefined;
    ws.on('upgrade', (res) => (rid = res.headers['x-baseten-request-id'] as string | undefined));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(rid).toMatch(/^[0-9a-f-]{36}$/);
    const replies: string[] = [];
    ws.on('message', (d, isBinary) => replies.push(isBinary ? `bin:${(d as Buffer).length}` : d.toString()));
    ws.send('hello');
    ws.send(Buffer.alloc(10));
    ws.send(JSON.stringify({ stream: 3, interval_ms: 10 }));
    const deadline = Date.now() + 5000;
    while (replies.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(replies[0]).toBe('hello');
    expect(replies[1]).toBe('bin:10');
    expect(JSON.parse(replies[5])).toMatchObject({ done: true, count: 3 });
    ws.close();
    await new Promise((r) => ws.once('close', r));
  }, 15_000);

  it('holds a concurrency slot per session and frees it on close', async () => {
    const g = await gw({ transport: 'websocket', predictEndpoint: '/ws', predictConcurrency: 1, queueLimit: 0 });
    const open = () =>
      new Promise<WebSocket | number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${g.port}/environments/production/websocket`);
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
    const first = await open();
    expect(first).toBeInstanceOf(WebSocket);
    expect(await open()).toBe(429);
    (first as WebSocket).close();
    await new Promise((r) => (first as WebSocket).once('close', r));
    await new Promise((r) => setTimeout(r, 50));
    const again = await open();
    expect(again).toBeInstanceOf(WebSocket);
    (again as WebSocket).close();
  }, 15_000);

  it('ends live WebSocket sessions when the gateway closes', async () => {
    const g = await startGateway(up.port, { transport: 'websocket', predictEndpoint: '/ws' });
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/environments/production/websocket`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise((r) => ws.once('close', r));
    await g.close();
    await closed;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  }, 15_000);

  it('refuses websocket on an http-transport model and while not ready', async () => {
    const g = await gw({ transport: 'http' });
    const err = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${g.port}/environments/production/websocket`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(err).toBe(400);
    const w = await gw({ transport: 'websocket', predictEndpoint: '/ws' });
    w.setGate({ ready: false, state: 'starting', reason: 'Container starting.' });
    const notReady = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${w.port}/environments/production/websocket`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(notReady).toBe(503);
  });
});
