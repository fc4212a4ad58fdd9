// 500 concurrent streaming clients through a real gateway: `berth serve` as a child
// process runs the fixture model server in a real container; every client streams an SSE
// chat completion and must get every token and [DONE]. The Berth process's resident
// memory must stay bounded across rounds (a leak per request would show as growth).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { makeBerthHome } from '../helpers/tmp.js';
import { bundleCli, removeBundle, startServe, type Berth } from './helpers/berth-process.js';
import { fixtureTruss } from './helpers/truss.js';
import { leftovers, sweep } from './helpers/leftovers.js';

const CLIENTS = 500;
const TOKENS = 6;
const home = makeBerthHome('berth-rel-load-home-');
// Paced so the streams overlap: each lasts ~TOKENS/20 s, far longer than starting 500 takes.
const truss = fixtureTruss({ name: 'rel-load', env: { FIXTURE_TOKENS_PER_SEC: '20' }, predictConcurrency: 1000 });
let cli = '';
let berth: Berth;
let gateway = '';
let id = '';
// Node's http client: one connection per client, no pool limit, nothing hidden.
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

beforeAll(async () => {
  cli = await bundleCli();
  berth = await startServe(cli, { home: home.dir, paths: [truss.dir] });
  const list = await berth.api('deployments.list');
  id = list.body.result[0].id;
  const started = await berth.api('deployments.start', { id });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const detail = await berth.waitState(id, 'ready', 90_000);
  gateway = detail.summary.gatewayUrl;
  expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
});

afterAll(async () => {
  await berth?.stop().catch(() => undefined);
  await sweep(home.dir);
  agent.destroy();
  if (cli) removeBundle(cli);
  truss.cleanup();
  home.cleanup();
});

function post(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 90_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 90 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function oneStream(i: number): Promise<{ tokens: number; done: boolean; status: number; error?: string }> {
  try {
    const body = JSON.stringify({ model: 'x', stream: true, max_tokens: TOKENS, messages: [{ role: 'user', content: `client ${i}` }] });
    const res = await post(`${gateway}/production/predict`, body);
    if (res.status !== 200) return { tokens: 0, done: false, status: res.status, error: res.text.slice(0, 200) };
    const datas = res.text.split(/\n\n/).map((e) => e.replace(/^data: /, '').trim()).filter(Boolean);
    let tokens = 0;
    for (const d of datas) {
      if (d === '[DONE]') continue;
      const c = JSON.parse(d).choices?.[0]?.delta?.content;
      if (typeof c === 'string' && c.length > 0) tokens++;
    }
    return { tokens, done: datas.at(-1) === '[DONE]', status: 200 };
  } catch (e) {
    return { tokens: 0, done: false, status: 0, error: (e as Error).message };
  }
}

async function round(): Promise<{ ms: number; maxInFlight: number }> {
  await fetch(`${gateway}/environments/production/sync/stats/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) }).then((r) => r.arrayBuffer());
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => oneStream(i)));
  const ms = Date.now() - t0;
  const bad = results.filter((r) => r.tokens !== TOKENS || !r.done);
  expect(bad.length, `failed streams, first: ${JSON.stringify(bad.slice(0, 3))}`).toBe(0);
  const stats = (await (await fetch(`${gateway}/environments/production/sync/stats`, { signal: AbortSignal.timeout(10_000) })).json()) as any;
  expect(stats.completed).toBeGreaterThanOrEqual(CLIENTS);
  return { ms, maxInFlight: stats.maxInFlight };
}

describe('streaming load through the gateway', () => {
  it(`${CLIENTS} concurrent SSE clients all get ${TOKENS} tokens, twice, with bounded RSS`, async () => {
    const rss0 = berth.rssKb();
    const warm = await round(); // warms pools and JIT: the steady state is measured after it
    const rss1 = berth.rssKb();
    const second = await round();
    const rss2 = berth.rssKb();
    console.log(
      `load: round 1 ${warm.ms} ms (max in flight ${warm.maxInFlight}), round 2 ${second.ms} ms (max in flight ${second.maxInFlight}); ` +
        `berth RSS ${Math.round(rss0 / 1024)} -> ${Math.round(rss1 / 1024)} -> ${Math.round(rss2 / 1024)} MiB`,
    );
    // The streams really overlapped: many were in flight at the model at once.
    expect(Math.max(warm.maxInFlight, second.maxInFlight)).toBeGreaterThan(CLIENTS / 5);
    // A per-request leak of even 100 KiB would add ~50 MiB over a round.
    expect(rss2 - rss1).toBeLessThan(48 * 1024);
    expect(rss2).toBeLessThan(400 * 1024);
    // The gateway is still serving afterwards.
    const after = await oneStream(-1);
    expect(after).toMatchObject({ tokens: TOKENS, done: true });
  });

  it('leaves nothing behind after stop', async () => {
    const stopped = await berth.api('deployments.stop', { id });
    expect(stopped.status).toBe(200);
    expect(await leftovers(home.dir)).toEqual({ containers: [], volumes: [], secretDirs: [] });
  });
});
