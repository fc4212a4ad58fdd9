// Benchmark, Requests and Compare in Chromium against `berth serve` with two fixture
// deployments on the real engine (known first-token delay and token rate each). nvidia-smi is
// the TEST DOUBLE (test/fixtures/bin, no GPU here) with fixed utilisation and memory, so the
// GPU samples a benchmark takes are known; the configs ask for no GPU, so none is passed on.
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { FIXTURE_IMAGE, ROOT, apiCall, closeAndStop, ensureBuilt, imageExists, launch, openUrl, shot, startServe, tempTruss, watchConsoleErrors, type Serve } from './helpers.js';

const config = (name: string, firstMs: number, tps: number, pc: number) => `model_name: ${name}
base_image:
  image: ${FIXTURE_IMAGE}
docker_server:
  start_command: node /srv/model-server/server.mjs --port 8000
  server_port: 8000
  predict_endpoint: /v1/chat/completions
  readiness_endpoint: /health
  liveness_endpoint: /live
model_metadata:
  example_model_input: {"model": "berth-fixture-model", "messages": [{"role": "user", "content": "Tell me about ships"}], "stream": true, "max_tokens": 24}
environment_variables:
  FIXTURE_FIRST_TOKEN_DELAY_MS: ${firstMs}
  FIXTURE_TOKENS_PER_SEC: ${tps}
runtime:
  predict_concurrency: ${pc}
`;

describe('Benchmark, Requests and Compare views', () => {
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const dirs: string[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    if (!(await imageExists(FIXTURE_IMAGE))) throw new Error(`${FIXTURE_IMAGE} is missing: run \`npm run fixtures\` first`);
    ensureBuilt();
    serve = await startServe({
      PATH: `${join(ROOT, 'test/fixtures/bin')}:${dirname(process.execPath)}:${process.env.PATH}`,
      NVIDIA_SMI_DOUBLE_UTIL: '37,81',
      NVIDIA_SMI_DOUBLE_MEMUSED: '1024,2048',
    });
    browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await ctx.newPage();
    errors = watchConsoleErrors(page);
    for (const [name, first, tps] of [['insight-a', 150, 100], ['insight-b', 40, 250]] as const) {
      const dir = tempTruss(name, config(name, first, tps, 2));
      dirs.push(dir);
      const s = (await apiCall(serve, 'deployments.open', { path: dir })) as { id: string };
      ids.push(s.id);
      await apiCall(serve, 'deployments.start', { id: s.id });
    }
    // expect.poll only runs inside tests: wait here by hand.
    for (const id of ids) {
      let state = '';
      for (let i = 0; i < 180 && state !== 'ready'; i++) {
        state = ((await apiCall(serve, 'deployments.get', { id })) as { summary: { state: { name: string } } }).summary.state.name;
        if (state !== 'ready') await new Promise((r) => setTimeout(r, 500));
      }
      if (state !== 'ready') throw new Error(`${id} did not become ready (${state}):\n${serve.output()}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) await closeAndStop(serve, dirs);
  });

  it('runs a benchmark sweep from the Benchmark tab and shows metrics with definitions and the chart', async () => {
    await page.goto(openUrl(serve, `#/d/${ids[0]}/benchmark`));
    await page.getByLabel('Concurrency levels').fill('1,2,4');
    // 12 requests at c=1 take about 3.6 s: more than one period of the 2 s GPU sampler.
    await page.getByLabel('Requests per level').fill('12');
    await page.getByLabel('Output tokens').fill('16');
    await page.getByLabel('Goodput TTFT target').fill('400');
    await page.getByRole('button', { name: 'Run benchmark' }).click();
    await page.getByTestId('bench-progress').waitFor({ timeout: 10_000 });
    const table = page.getByRole('table', { name: 'Benchmark metrics' });
    await table.waitFor({ timeout: 60_000 });
    await expect.poll(() => table.innerText(), { timeout: 60_000 }).toContain('c = 4');
    const text = await table.innerText();
    expect(text).toContain('TPOT: time per output token after the first');
    expect(text).toMatch(/TTFT ms p50\/p90\/p99\s+1[5-6]\d\.\d/);
    // GPU util mean (37+81)/2, max 81, memory 1024+2048 MiB, from the double; shorter levels
    // may fall between two samples.
    const gpuCells = await table.getByRole('row', { name: /GPU util/ }).locator('td.num').allInnerTexts();
    expect(gpuCells[0]).toBe('59 / 81 %, 3072 MiB');
    for (const cell of gpuCells) expect(['59 / 81 %, 3072 MiB', 'no samples']).toContain(cell);
    await page.getByLabel('Latency against throughput').first().waitFor();
    expect(await page.locator('.uplot').count()).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'Benchmark metrics' }).scrollIntoViewIfNeeded();
    await shot(page, '20-benchmark');
    await page.getByLabel('Latency against throughput').first().scrollIntoViewIfNeeded();
    await shot(page, '20-benchmark-chart');
  });

  it('lists the requests, shows one with its reassembled stream, and replays it in the Playground', async () => {
    await page.goto(openUrl(serve, `#/d/${ids[0]}/requests`));
    const rows = page.getByTestId('request-row');
    // 3 levels x 12 requests and the run's one /v1/models lookup.
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(37);
    await page.getByLabel('Status filter').selectOption('2xx');
    await page.getByLabel('Route filter').fill('chat/completions');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(36);
    await shot(page, '21-requests-list');
    await rows.first().locator('td').nth(3).click();
    const detail = page.getByTestId('request-detail');
    await detail.waitFor();
    expect(await detail.innerText()).toMatch(/SSE stream reassembled/);
    expect(await page.getByTestId('response-body').innerText()).toContain('"completion_tokens": 16');
    await shot(page, '21-requests');
    await page.getByRole('button', { name: 'Replay in Playground' }).click();
    await expect.poll(() => page.getByLabel('Route').inputValue()).toBe('/environments/production/sync/v1/chat/completions');
    await shot(page, '21-requests-replay');
  });

  it('compares two running deployments side by side, both streaming, with TTFT and tokens/s', async () => {
    await page.goto(openUrl(serve, `#/d/${ids[0]}/playground`));
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByLabel('Deployment to compare with').selectOption(ids[1]);
    await page.getByLabel('max_tokens').fill('40');
    await page.getByRole('button', { name: 'Send to both' }).click();
    const sides = page.getByTestId('compare-side');
    await expect.poll(() => sides.count()).toBe(2);
    // Both streams finished: the Send button is back.
    await page.getByRole('button', { name: 'Send to both' }).waitFor({ timeout: 20_000 });
    for (let i = 0; i < 2; i++) expect(await sides.nth(i).getByTestId('compare-tps').innerText()).toMatch(/\d/);
    // The faster model (40 ms to first token, 250 tok/s) shows it.
    const ttft = await Promise.all([0, 1].map(async (i) => sides.nth(i).getByTestId('compare-ttft').innerText()));
    const tps = await Promise.all([0, 1].map(async (i) => Number(await sides.nth(i).getByTestId('compare-tps').innerText())));
    expect(tps[1]).toBeGreaterThan(tps[0]);
    expect(ttft.every((t) => /ms|s/.test(t))).toBe(true);
    await shot(page, '22-compare');
    expect(errors).toEqual([]);
  });
});
