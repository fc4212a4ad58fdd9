// The gateway in front of a real fixture container whose port is published on 127.0.0.1,
// as the supervisor wires it: upstream = the container's host port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { removeContainersByLabel, runFixture, testLabels, type FixtureContainer } from '../../helpers/docker.js';
import { waitForHttp } from '../../helpers/http.js';
import { Gateway } from '../../../electron/engine/gateway/index.js';
import { rawRequest, startGateway } from './helpers.js';

let c: FixtureContainer;
let g: Gateway;

beforeAll(async () => {
  c = await runFixture({ area: 'gateway', env: { FIXTURE_TOKENS_PER_SEC: '0' } });
  await waitForHttp(`${c.url}/health`, { timeoutMs: 30_000 });
  g = await startGateway(c.port, { predictEndpoint: '/v1/chat/completions', predictConcurrency: 2 });
});
afterAll(async () => {
  await g?.close();
  await c?.remove();
  await removeContainersByLabel(testLabels('gateway'));
});

describe('gateway to a fixture container', () => {
  it('streams a chat completion and answers predict through the published port', async () => {
    const client = new OpenAI({ apiKey: 'x', baseURL: `${g.url}/environments/production/sync/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'berth-fixture-model', messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 20 });
    let n = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) n++;
    expect(n).toBe(20);
    const r = await rawRequest(g.port!, 'POST', '/environments/production/predict', { 'content-type': 'application/json' }, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }));
    expect(r.status).toBe(200);
    expect(r.json.choices[0].message.content.length).toBeGreaterThan(0);
    expect(r.headers['x-baseten-request-id']).toBeDefined();
  });

  it('turns a stopped container into 502, and a cleared upstream into 503', async () => {
    await c.stop();
    const r = await rawRequest(g.port!, 'GET', '/environments/production/sync/health');
    expect([502]).toContain(r.status);
    expect(r.json.hint).toBeDefined();
    g.setUpstream(null);
    expect((await rawRequest(g.port!, 'GET', '/environments/production/sync/health')).status).toBe(503);
  });
});
