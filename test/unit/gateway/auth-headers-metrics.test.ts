import { describe, expect, it } from 'vitest';
import { isLoopbackHost, KeyChecker } from '../../../electron/engine/gateway/auth.js';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../../electron/engine/gateway/headers.js';
import { countSseTokens, GatewayMetricsRecorder, LatencyRing } from '../../../electron/engine/gateway/metrics.js';

describe('auth', () => {
  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('192.168.1.5')).toBe(false);
  });

  it('accepts Api-Key and Bearer with the right key only', () => {
    const k = new KeyChecker('s3cret-key');
    expect(k.matches('Api-Key s3cret-key')).toBe(true);
    expect(k.matches('api-key s3cret-key')).toBe(true);
    expect(k.matches('Bearer s3cret-key')).toBe(true);
    expect(k.matches('Bearer s3cret-kez')).toBe(false);
    expect(k.matches('Basic s3cret-key')).toBe(false);
    expect(k.matches('s3cret-key')).toBe(false);
    expect(k.matches(undefined)).toBe(false);
    expect(new KeyChecker(null).matches('Api-Key x')).toBe(false);
  });
});

describe('headers', () => {
  const id = () => 'generated-id';
  it('drops hop-by-hop and Connection-listed headers, adds forwarding headers and an id', () => {
    const raw = ['Host', 'gw:1', 'Connection', 'keep-alive, X-Secret-Hop', 'X-Secret-Hop', '1', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Proxy-Authorization', 'x', 'Content-Type', 'application/json', 'Content-Length', '2', 'X-Forwarded-For', '10.0.0.1'];
    const r = upstreamRequestHeaders(raw, '127.0.0.1:9', '127.0.0.1', id, null, false);
    const names = r.headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names).not.toContain('connection');
    expect(names).not.toContain('x-secret-hop');
    expect(names).not.toContain('keep-alive');
    expect(names).not.toContain('te');
    expect(names).not.toContain('proxy-authorization');
    expect(r.requestId).toBe('generated-id');
    const get = (n: string) => r.headers[r.headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === n) + 1];
    expect(get('host')).toBe('127.0.0.1:9');
    expect(get('x-forwarded-for')).toBe('10.0.0.1, 127.0.0.1');
    expect(get('x-forwarded-host')).toBe('gw:1');
    expect(get('x-baseten-request-id')).toBe('generated-id');
    expect(r.hasBody).toBe('length');
  });

  it('keeps a client request id and strips only the gateway key', () => {
    const isKey = (v: string) => v === 'Api-Key gw';
    const a = upstreamRequestHeaders(['X-Baseten-Request-Id', 'mine', 'Authorization', 'Api-Key gw'], 'h', undefined, id, isKey, false);
    expect(a.requestId).toBe('mine');
    expect(a.headers).not.toContain('Authorization');
    const b = upstreamRequestHeaders(['Authorization', 'Bearer model-own-key', 'Transfer-Encoding', 'chunked'], 'h', undefined, id, isKey, false);
    expect(b.headers).toContain('Bearer model-own-key');
    expect(b.hasBody).toBe('chunked');
  });

  it('re-frames responses and flags streams', () => {
    const r = clientResponseHeaders(['Transfer-Encoding', 'chunked', 'Content-Type', 'text/event-stream', 'Connection', 'keep-alive'], 'rid');
    expect(r.streaming).toBe(true);
    expect(r.sse).toBe(true);
    expect(r.headers).toEqual(['Content-Type', 'text/event-stream', 'X-Baseten-Request-Id', 'rid']);
    const s = clientResponseHeaders(['Content-Length', '5', 'x-baseten-request-id', 'up'], 'rid');
    expect(s.streaming).toBe(false);
    expect(s.headers).toEqual(['Content-Length', '5', 'x-baseten-request-id', 'up']);
  });

  it('never drops framing or identity headers a Connection header names', () => {
    const r = clientResponseHeaders(['Content-Length', '5', 'Connection', 'content-length, x-baseten-request-id, x-hop', 'X-Hop', '1'], 'rid');
    expect(r.headers).toEqual(['Content-Length', '5', 'X-Baseten-Request-Id', 'rid']);
    expect(r.contentLength).toBe(5);
    const q = upstreamRequestHeaders(['Host', 'gw', 'Connection', 'Content-Length, Host, X-Hop', 'Content-Length', '3', 'X-Hop', '1'], '127.0.0.1:8000', '127.0.0.1', () => 'rid', null, false);
    expect(q.headers.map((h) => h.toLowerCase())).toContain('content-length');
    expect(q.headers.map((h) => h.toLowerCase())).not.toContain('x-hop');
  });
});

describe('metrics', () => {
  it('computes nearest-rank percentiles over a bounded ring', () => {
    const r = new LatencyRing();
    expect(r.percentiles([50])).toBeNull();
    for (let i = 1; i <= 100; i++) r.add(i);
    expect(r.percentiles([50, 90, 99])).toEqual([50, 90, 99]);
    for (let i = 0; i < 5000; i++) r.add(1000);
    expect(r.count).toBe(2048);
    expect(r.percentiles([50])).toEqual([1000]);
  });

  it('counts OpenAI delta chunks in SSE bytes', () => {
    const chunk = Buffer.from('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n');
    expect(countSseTokens(chunk)).toBe(2);
    expect(countSseTokens(Buffer.from('data: {"x":1}\n\n'))).toBe(0);
  });

  it('snapshots counters, percentiles and token rate', () => {
    const m = new GatewayMetricsRecorder();
    m.countStatus(200);
    m.countStatus(200);
    m.countStatus(429);
    m.latency.add(10);
    m.addTokens(50, 1000);
    const s = m.snapshot(1500, 1, 2);
    expect(s.requests).toEqual({ '200': 2, '429': 1 });
    expect(s.inFlight).toBe(1);
    expect(s.queueDepth).toBe(2);
    expect(s.latencyMs).toEqual({ p50: 10, p90: 10, p99: 10 });
    expect(s.ttfbMs).toBeNull();
    expect(s.tokensPerSecond).toBe(100);
    expect(m.snapshot(3000, 0, 0).tokensPerSecond).toBeNull();
  });
});
