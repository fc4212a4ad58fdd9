// Request history through a real gateway in front of the fixture model server (a plain Node
// process): what is recorded on both relay paths, the bounds (ring, bodies window, files on
// disk), redaction of credentials and secret values, SSE reassembly, body capture off.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../electron/engine/gateway/index.js';
import { RequestLogs, readHistoryFiles, type RequestLog } from '../../../electron/engine/gateway/history/request-log.js';
import { startFixtureProcess, startGateway, type FixtureProcess } from './helpers.js';

const SECRET = 'hf_supersecretvalue_1234567890';
const GATEWAY_KEY = 'berth-gateway-key-abcdef123456';

let fixture: FixtureProcess;
let dir: string;
beforeAll(async () => {
  fixture = await startFixtureProcess({ FIXTURE_TOKENS_PER_SEC: '0' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-history-'));
});
afterAll(async () => {
  await fixture?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function setup(o: { capture?: boolean; capacity?: number; bodyRecords?: number; maxBodyBytes?: number; requireKey?: boolean; id?: string; websocket?: boolean } = {}): Promise<{ gw: Gateway; log: RequestLog; logs: RequestLogs }> {
  const logs = new RequestLogs({ dir, captureBodies: () => o.capture ?? true, secretValues: async () => [SECRET, GATEWAY_KEY], capacity: o.capacity, bodyRecords: o.bodyRecords, maxBodyBytes: o.maxBodyBytes });
  await logs.refreshSecrets();
  const id = o.id ?? `h-${Math.random().toString(36).slice(2, 8)}`;
  const log = logs.for(id);
  const gw = await startGateway(fixture.port, { deploymentId: id, history: log, apiKey: o.requireKey ? GATEWAY_KEY : null, requireKey: !!o.requireKey, ...(o.websocket ? { transport: 'websocket' as const, predictEndpoint: '/ws' } : {}) });
  return { gw, log, logs };
}

/** Records arrive when the response closes: wait for `n` of them. */
async function records(log: RequestLog, n: number) {
  for (let i = 0; i < 100 && log.list().length < n; i++) await new Promise((r) => setTimeout(r, 20));
  return log.list();
}

describe('request history', () => {
  it('records a streamed chat completion through the OpenAI client, SSE reassembled, usage tokens, never the key', async () => {
    const { gw, log } = await setup({ requireKey: true });
    // The real OpenAI client, pointed at the gateway's sync route.
    const openai = new OpenAI({ baseURL: `${gw.url}/environments/production/sync/v1`, apiKey: GATEWAY_KEY });
    const stream = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `my token is ${SECRET} ok` }], max_tokens: 7, stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    const [r] = await records(log, 1);
    expect(r.status).toBe(200);
    expect(r.method).toBe('POST');
    expect(r.route).toBe('/environments/production/sync/v1/chat/completions');
    expect(r.upstreamPath).toBe('/v1/chat/completions');
    expect(r.stream).toBe(true);
    expect(r.tokensOut).toBe(7);
    expect(r.tokensSource).toBe('usage');
    expect(r.tokensIn).toBe(5); // the fixture counts words
    expect(r.ttftMs).toBeGreaterThan(0);
    expect(r.ttftMs!).toBeLessThanOrEqual(r.latencyMs);
    expect(r.requestId).toMatch(/[0-9a-f-]{36}/);
    expect(r.client).toMatch(/127\.0\.0\.1/);
    expect(r.bytesIn).toBeGreaterThan(20);
    expect(r.bytesOut).toBeGreaterThan(100);
    expect(r.headers.authorization).toBe('[redacted]');
    expect(r.bodies?.reassembled).toBe(true);
    const resp = JSON.parse(r.bodies!.response!);
    expect(resp.choices[0].message.content).toBe(text);
    expect(resp.usage.completion_tokens).toBe(7);
    expect(r.bodies!.request).toContain('[redacted]');
    await log.flush();
    const onDisk = fs.readFileSync(path.join(dir, `${log.deploymentId}.jsonl`), 'utf8');
    for (const text of [JSON.stringify(log.list()), onDisk]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(GATEWAY_KEY);
    }
    await gw.close();
  });

  it('records fast-path and Node-path requests alike: JSON usage, gateway answers, 499 and counted chunks', async () => {
    const { gw, log } = await setup();
    const openai = new OpenAI({ baseURL: `${gw.url}/environments/production/sync/v1`, apiKey: 'unused' });
    const c = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'a b c' }], max_tokens: 4 });
    expect(c.usage?.completion_tokens).toBe(4);
    // No usage asked for: tokens are counted from the streamed chunks.
    const s = await openai.completions.create({ model: 'm', prompt: 'x y', max_tokens: 5, stream: true });
    for await (const _ of s) void _;
    expect((await fetch(`${gw.url}/nope`)).status).toBe(404);
    // A chunked upload (no Content-Length) goes through Node's path.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${gw.url}/environments/production/sync/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.write('part one, ');
      req.end('part two');
    });
    expect(chunked).toBe(200);
    const rs = await records(log, 4);
    const [json, sse, notFound, echo] = rs;
    expect(json.tokensOut).toBe(4);
    expect(json.tokensSource).toBe('usage');
    expect(json.stream).toBe(false);
    expect(JSON.parse(json.bodies!.request!).max_tokens).toBe(4);
    expect(sse.stream).toBe(true);
    expect(sse.tokensOut).toBe(5);
    expect(sse.tokensSource).toBe('chunks');
    expect(JSON.parse(sse.bodies!.response!).choices[0].text.split(' ').filter(Boolean)).toHaveLength(5);
    expect(notFound.status).toBe(404);
    expect(notFound.upstreamPath).toBeNull();
    expect(echo.bodies!.request).toBe('part one, part two');
    expect(echo.bytesIn).toBe(18);
    expect(rs.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    // A client that leaves before the answer: 499.
    const ac = new AbortController();
    const p = fetch(`${gw.url}/environments/production/sync/slow?ms=2000`, { signal: ac.signal }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await p;
    const [gone] = (await records(log, 5)).slice(-1);
    expect(gone.status).toBe(499);
    await gw.close();
  });

  it('holds its bounds: ring capacity, bodies only on the newest, body size cap, files on disk', async () => {
    const { gw, log } = await setup({ capacity: 10, bodyRecords: 3, maxBodyBytes: 100 });
    for (let i = 0; i < 25; i++) {
      const r = await fetch(`${gw.url}/environments/production/sync/echo`, { method: 'POST', body: `n=${i};` + 'x'.repeat(i === 24 ? 500 : 10) });
      await r.text();
    }
    const rs = await records(log, 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(log.list()).toHaveLength(10);
    expect(log.list()[0].seq).toBe(16);
    expect(log.list().filter((r) => r.bodies !== null).map((r) => r.seq)).toEqual([23, 24, 25]);
    const last = log.list().at(-1)!;
    expect(last.bodies!.requestTruncated).toBe(true);
    expect(last.bodies!.request!.length).toBe(100);
    expect(last.bodies!.responseTruncated).toBe(true);
    expect(last.bodies!.response!.length).toBeLessThanOrEqual(100);
    void rs;
    await log.flush();
    const onDisk = readHistoryFiles(dir, log.deploymentId);
    // Two segments of capacity/2: never more than the cap on disk.
    expect(onDisk.length).toBeLessThanOrEqual(10);
    expect(onDisk.at(-1)!.seq).toBe(25);
    // A new process reading the same dir starts from the file.
    const again = new RequestLogs({ dir, capacity: 10, bodyRecords: 3 }).for(log.deploymentId);
    expect(again.list().at(-1)!.seq).toBe(25);
    expect(again.list().filter((r) => r.bodies !== null).length).toBeLessThanOrEqual(3);
    await gw.close();
  });

  it('keeps no bodies when capture is off, but still times and counts', async () => {
    const { gw, log } = await setup({ capture: false });
    const openai = new OpenAI({ baseURL: `${gw.url}/environments/production/sync/v1`, apiKey: 'x' });
    const s = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 3, stream: true, stream_options: { include_usage: true } });
    for await (const _ of s) void _;
    const [r] = await records(log, 1);
    expect(r.bodies).toBeNull();
    expect(r.tokensOut).toBe(3);
    expect(r.ttftMs).not.toBeNull();
    await log.flush();
    expect(fs.readFileSync(path.join(dir, `${log.deploymentId}.jsonl`), 'utf8')).not.toContain('hello there');
    await gw.close();
  });

  it('records each WebSocket session through the ws client when it ends: 101, messages and bytes each way, no credential', async () => {
    const { gw, log } = await setup({ requireKey: true, websocket: true });
    const url = `ws://127.0.0.1:${gw.port}/environments/production/websocket`;
    // The real ws client (no permessage-deflate: the fixture does not offer it either).
    const ws = new WebSocket(url, { headers: { Authorization: `Api-Key ${GATEWAY_KEY}`, 'X-Note': 'plain' } });
    let requestId = '';
    ws.once('upgrade', (res) => (requestId = String(res.headers['x-baseten-request-id'])));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const got: string[] = [];
    ws.on('message', (m, binary) => got.push(binary ? `bin:${(m as Buffer).length}` : String(m)));
    ws.send(`my token is ${SECRET}`);
    ws.send(Buffer.from([1, 2, 3, 4]));
    ws.send(JSON.stringify({ stream: 3, interval_ms: 5 }));
    // Echo, binary echo, 3 tokens and a done message.
    for (let i = 0; i < 100 && got.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(6);
    await new Promise((r) => setTimeout(r, 150));
    ws.close(1000, 'bye');
    await new Promise((r) => ws.once('close', r));
    const [r] = await records(log, 1);
    expect(r.kind).toBe('ws');
    expect(r.status).toBe(101);
    expect(r.method).toBe('GET');
    expect(r.route).toBe('/environments/production/websocket');
    expect(r.upstreamPath).toBe('/ws');
    expect(requestId).toMatch(/[0-9a-f-]{36}/);
    expect(r.requestId).toBe(requestId);
    expect(r.client).toMatch(/127\.0\.0\.1/);
    expect(r.ws).toEqual({ messagesIn: 3, messagesOut: 6, closeCode: 1000 });
    // The session's length, not its handshake's.
    expect(r.latencyMs).toBeGreaterThan(150);
    expect(r.ttfbMs!).toBeLessThan(r.latencyMs);
    // Client frames are masked (4-byte key, 2-byte header): payload + 6 each, close included.
    const sent = [`my token is ${SECRET}`.length, 4, JSON.stringify({ stream: 3, interval_ms: 5 }).length, 2 + 3];
    expect(r.bytesIn).toBe(sent.reduce((n, x) => n + x + 6, 0));
    expect(r.bytesOut).toBeGreaterThan(got.join('').length);
    expect(r.headers.authorization).toBe('[redacted]');
    expect(r.headers['sec-websocket-key']).toBe('[redacted]');
    expect(r.headers['x-note']).toBe('plain');
    const m = r.bodies!.messages!;
    // Kept in the order they started; the two directions interleave as the network has it.
    expect(m.length).toBe(8); // WS_KEPT_MESSAGES of the 9
    expect(m.filter((x) => x.dir === 'in').map((x) => [x.binary, x.data])).toEqual([[false, 'my token is [redacted]'], [true, Buffer.from([1, 2, 3, 4]).toString('base64')], [false, JSON.stringify({ stream: 3, interval_ms: 5 })]]);
    expect(m.filter((x) => x.dir === 'out').slice(0, 2).map((x) => [x.binary, x.data])).toEqual([[false, 'my token is [redacted]'], [true, Buffer.from([1, 2, 3, 4]).toString('base64')]]);
    expect(r.bodies!.request).toBeNull();
    await log.flush();
    const onDisk = readHistoryFiles(dir, log.deploymentId);
    expect(onDisk.at(-1)!.ws).toEqual(r.ws);
    for (const text of [JSON.stringify(log.list()), fs.readFileSync(path.join(dir, `${log.deploymentId}.jsonl`), 'utf8')]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(GATEWAY_KEY);
    }
    await gw.close();
  });

  it('records refused WebSocket sessions with their status, and keeps no messages with capture off', async () => {
    const { gw, log } = await setup({ requireKey: true, websocket: true, capture: false });
    const url = `ws://127.0.0.1:${gw.port}/environments/production/websocket`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode!); res.resume(); });
      ws.once('error', () => undefined);
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(url, { headers: { Authorization: `Api-Key ${GATEWAY_KEY}` } });
    await new Promise((r) => ws.once('open', r));
    ws.send('hello there');
    await new Promise((r) => ws.once('message', r));
    ws.terminate(); // no close frame: the connection just ends
    const [no, ok] = await records(log, 2);
    expect(no).toMatchObject({ kind: 'ws', status: 401, upstreamPath: null, requestId: null, bodies: null });
    expect(ok).toMatchObject({ kind: 'ws', status: 101, bodies: null, ws: { messagesIn: 1, messagesOut: 1, closeCode: null } });
    expect(log.list({ kind: 'ws' })).toHaveLength(2);
    expect(log.list({ kind: 'http' })).toHaveLength(0);
    await log.flush();
    expect(fs.readFileSync(path.join(dir, `${log.deploymentId}.jsonl`), 'utf8')).not.toContain('hello there');
    await gw.close();
  });
});
