// "Will it fit?" on the Overview, in real Chromium against a real `berth serve`: the Hub
// stand-in holds Llama-3.1-8B-Instruct with its real safetensors headers (sparse files of the
// real size), and the nvidia-smi TEST DOUBLE reports an L4 (no GPU exists here). The engine has
// no NVIDIA runtime, so Start stays disabled with that error; the estimate is still shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LLAMA_3_1_8B, checkpointFiles, decoderTensors } from '../fixtures/hub/checkpoints.mjs';
import { startHub } from '../fixtures/hub/server.mjs';
import { SEED_LLAMA, seedVllmConfig } from '../helpers/seed-truss.js';
import { FIXTURE_IMAGE, ROOT, apiCall, closeAndStop, ensureBuilt, launch, openUrl, shot, startServe, tempTruss, watchConsoleErrors, openConfig, type Serve } from './helpers.js';

const LLAMA = SEED_LLAMA;
const TOKEN = 'hf_e2e_fit_token_0123456789';
const seedConfig = (maxLen: number) => seedVllmConfig(maxLen, { modelName: `llama-8b-${maxLen}` });

type Hub = Awaited<ReturnType<typeof startHub>>;

describe('GPU memory estimate on the Overview', () => {
  let hub: Hub;
  let serve: Serve;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const dirs: string[] = [];
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    hub = await startHub();
    hub.addRepo({ id: LLAMA, gated: true, acceptedTokens: [TOKEN], commits: [{ files: checkpointFiles(LLAMA_3_1_8B, decoderTensors(LLAMA_3_1_8B)) }] });
    tmp = mkdtempSync(join(tmpdir(), 'berth-e2e-fit-'));
    serve = await startServe({
      HF_ENDPOINT: hub.url,
      HF_HUB_CACHE: join(tmp, 'hub'),
      HF_TOKEN: TOKEN,
      PATH: `${join(ROOT, 'test/fixtures/bin')}:${dirname(process.execPath)}:${process.env.PATH}`,
      NVIDIA_SMI_DOUBLE_CARDS: 'L4',
    });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'dark' })).newPage();
    consoleErrors = watchConsoleErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) await closeAndStop(serve, dirs);
    await hub?.close();
    for (const d of [...dirs, tmp]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function open(maxLen: number) {
    const dir = tempTruss(`fit-${maxLen}`, seedConfig(maxLen));
    dirs.push(dir);
    await page.goto(openUrl(serve));
    await openConfig(page, dir, new RegExp(`llama-8b-${maxLen}`));
    const card = page.getByTestId('memory-fit');
    await card.getByTestId('fit-verdict').waitFor({ timeout: 30_000 });
    return card;
  }

  it('--max-model-len 1024 on an L4: Fits, with the numbers, before any download', async () => {
    const before = hub.counters.bodyBytes;
    const card = await open(1024);
    await expect.poll(() => card.getByTestId('fit-verdict').textContent()).toBe('Fits');
    expect(await card.getByTestId('fit-headline').textContent()).toMatch(/^fits: needs ~1\d\.\d GiB per GPU with 1024 tokens of context \(--max-model-len\); NVIDIA L4 has 22\.5 GiB/);
    expect(await card.getByTestId('fit-weights').textContent()).toMatch(/14\.96 GiB · BF16 · 8\.03 B parameters/);
    expect(await card.getByTestId('fit-gpu').count()).toBe(1);
    // Headers only: kilobytes from the hub, against 16 GB of weights.
    expect(hub.counters.bodyBytes - before).toBeLessThan(1024 * 1024);
    // The plan's own error (no NVIDIA runtime in this engine) keeps Start disabled meanwhile.
    await expect.poll(() => page.getByRole('button', { name: /^Start llama-8b-1024/ }).first().isDisabled()).toBe(true);
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'fit-fits');
  });

  it('--max-model-len 131072 on an L4: Does not fit, with what to change', async () => {
    const card = await open(131072);
    await expect.poll(() => card.getByTestId('fit-verdict').textContent()).toBe('Does not fit');
    expect(await card.getByTestId('fit-headline').textContent()).toMatch(/^does not fit: needs ~3\d\.\d GiB per GPU with 131072 tokens/);
    const tips = await card.getByTestId('fit-suggestions').textContent();
    expect(tips).toMatch(/lower --max-model-len to \d+/);
    expect(tips).toMatch(/--tensor-parallel-size 2 \(accelerator: L4:2\)/);
    await card.getByText('How this was worked out').click();
    expect(await card.textContent()).toMatch(/KV cache 128 KiB per token \(2 x 32 layers x 8 KV heads x 128 head dim x 2 bytes\)/);
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'fit-does-not-fit');
    expect(consoleErrors).toEqual([]);
  });

  it('Start asks before starting a model that will not fit, and Start anyway starts it', async () => {
    // This engine has no NVIDIA runtime, so a GPU config's Start is disabled by the plan's own
    // error (above). To drive the prompt, a CPU fixture deployment is started while the page is
    // answered, for deployments.memory only, the estimate the real service just gave for the
    // 131072-token L4 config. Everything else (the start itself) is real.
    const list = (await apiCall(serve, 'deployments.list')) as Array<{ id: string; modelName: string }>;
    const l4 = list.find((d) => d.modelName === 'llama-8b-131072')!;
    const real = await apiCall(serve, 'deployments.memory', { id: l4.id });
    expect((real as { verdict: string }).verdict).toBe('does-not-fit');
    const dir = tempTruss('fit-start', `model_name: fit-start\nbase_image:\n  image: ${FIXTURE_IMAGE}\ndocker_server:\n  start_command: node /srv/model-server/server.mjs --port 8000\n  server_port: 8000\n  predict_endpoint: /predict\n  readiness_endpoint: /health\n  liveness_endpoint: /live\n`);
    dirs.push(dir);
    await page.route('**/api/deployments.memory', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ ok: true, result: real }) }));
    try {
      await page.goto(openUrl(serve));
      await openConfig(page, dir, /fit-start/);
      await page.getByRole('button', { name: 'Start fit-start' }).first().click();
      const warning = page.getByTestId('fit-warning');
      await warning.waitFor();
      expect(await warning.textContent()).toMatch(/fit-start will not fit in GPU memory.*does not fit: needs ~3\d\.\d GiB per GPU.*Try: lower --max-model-len to \d+/);
      await shot(page, 'fit-start-prompt');
      // Cancel leaves it idle; Start anyway starts it.
      await warning.getByRole('button', { name: 'Cancel' }).click();
      expect(await page.getByTestId('fit-warning').count()).toBe(0);
      expect(await page.getByTestId('state-name').textContent()).toBe('Idle');
      await page.getByRole('button', { name: 'Start fit-start' }).first().click();
      await page.getByTestId('fit-warning').getByRole('button', { name: 'Start anyway' }).click();
      await expect.poll(() => page.getByTestId('state-name').textContent(), { timeout: 60_000 }).toBe('Ready');
    } finally {
      await page.unroute('**/api/deployments.memory');
    }
  });
});
