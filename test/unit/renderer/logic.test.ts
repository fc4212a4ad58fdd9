import { describe, expect, it } from 'vitest';
import { issuesToDiagnostics } from '../../../renderer/src/lib/diagnostics.js';
import { chatBody, examplePrompt, playgroundDefaults } from '../../../renderer/src/lib/playgroundMode.js';
import { failingSince, probeChartData, secondsLeft } from '../../../renderer/src/lib/probes.js';
import { parseRoute, href } from '../../../renderer/src/lib/route.js';
import { backoffDelay } from '../../../renderer/src/lib/backoff.js';
import type { ProbeResult } from '../../../shared/deployment.js';

describe('issuesToDiagnostics', () => {
  const text = 'model_name: x\ndocker_server:\n  server_port: abc\n';
  it('maps 1-based line:col to offsets and underlines the token', () => {
    const [d] = issuesToDiagnostics(text, [{ file: 'c', line: 3, col: 16, severity: 'error', message: 'not a port', hint: 'use a number', path: '' }]);
    expect(text.slice(d.from, d.to)).toBe('abc');
    expect(d.message).toBe('not a port\nuse a number');
  });
  it('clamps positions outside the text', () => {
    const [d] = issuesToDiagnostics(text, [{ file: 'c', line: 99, col: 99, severity: 'warning', message: 'm', path: '' }]);
    expect(d.from).toBeLessThanOrEqual(text.length);
    expect(d.to).toBeGreaterThanOrEqual(d.from);
  });
});

describe('playground defaults', () => {
  const cfg = `model_metadata:\n  example_model_input: {"model": "m", "messages": [{"role": "user", "content": [{"type":"text","text":"Describe"}]}], "max_tokens": 5}\n  tags: [openai-compatible]\n`;
  it('picks chat from the endpoint or the example and keeps example settings', () => {
    const d = playgroundDefaults(cfg, '/v1/chat/completions');
    expect(d.mode).toBe('chat');
    expect(examplePrompt(d.example)).toBe('Describe');
    expect(chatBody(d.example, [{ role: 'user', content: 'hi' }])).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, stream: true });
  });
  it('picks embeddings / rerank / raw by endpoint and survives broken YAML', () => {
    expect(playgroundDefaults('', '/embeddings').mode).toBe('embeddings');
    expect(playgroundDefaults('', '/v1/rerank').mode).toBe('rerank');
    expect(playgroundDefaults('a: [', '/predict').mode).toBe('raw');
  });
});

describe('probe helpers', () => {
  const p = (kind: ProbeResult['kind'], time: number, ok: boolean): ProbeResult => ({ kind, time, ok, status: ok ? 200 : 503, latencyMs: 3 });
  it('finds the start of the current failure run', () => {
    const list = [p('readiness', 1, false), p('readiness', 2, true), p('liveness', 3, false), p('readiness', 4, false), p('readiness', 5, false)];
    expect(failingSince(list, 'readiness')).toBe(4);
    expect(failingSince(list, 'liveness')).toBe(3);
    expect(failingSince([p('readiness', 1, true)], 'readiness')).toBeNull();
    expect(secondsLeft(1000, 30, 11_000)).toBe(20);
    expect(secondsLeft(1000, 5, 11_000)).toBe(0);
  });
  it('builds aligned chart columns with ok and failed series per kind', () => {
    const cols = probeChartData([p('readiness', 2000, false), p('readiness', 1000, true)], ['readiness']);
    expect(cols).toEqual([[1, 2], [3, null], [null, 3]]);
  });
});

describe('routes and back-off', () => {
  it('round-trips routes', () => {
    const r = { name: 'deployment', id: 'my model-1', tab: 'logs' } as const;
    expect(parseRoute(href(r))).toEqual(r);
    expect(parseRoute('#/d/x/bogus')).toEqual({ name: 'deployment', id: 'x', tab: 'overview' });
    expect(parseRoute('')).toEqual({ name: 'deployments' });
  });
  it('backs off exponentially to a ceiling', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(250);
    expect(backoffDelay(3, () => 0.5)).toBe(2000);
    expect(backoffDelay(20, () => 0.5)).toBe(5000);
  });
});
