// `berth plan` says whether a model fits before anything is pulled, as a real process: the
// Hub stand-in holds Llama-3.1-8B-Instruct with its real safetensors headers (sparse files of
// the real 16 GB size), the nvidia-smi double reports an L4 (no GPU exists here), and the real
// engine has no NVIDIA runtime, so the plan itself fails while the estimate is still given.
// The hub's byte counters prove no weights were downloaded.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B, checkpointFiles, decoderTensors, safetensorsHeader } from '../../fixtures/hub/checkpoints.mjs';
import { placeInHfCache } from '../../fixtures/hub/hf-cache.mjs';
import { startHub } from '../../fixtures/hub/server.mjs';
import { berth, buildCli, FIXTURE_BIN } from '../gpu/cli-process.js';
import { SEED_LLAMA, seedVllmConfig } from '../../helpers/seed-truss.js';

type Hub = Awaited<ReturnType<typeof startHub>>;
const TOKEN = 'hf_fit_test_token_0123456789';
const LLAMA = SEED_LLAMA;
const GiB = 2 ** 30;

let hub: Hub;
let root: string;

/** A truss dir holding the seed's example with this context length. */
function truss(name: string, maxLen: number, extra = ''): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), seedVllmConfig(maxLen, { extra }));
  return dir;
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    BERTH_HOME: join(root, 'home'),
    HF_HOME: join(root, 'hf'),
    HF_ENDPOINT: hub.url,
    HF_TOKEN: TOKEN,
    // The double is a node script (#!/usr/bin/env node), so node's dir rides along on PATH.
    PATH: `${FIXTURE_BIN}:${dirname(process.execPath)}:/usr/bin:/bin`,
    NVIDIA_SMI_DOUBLE_CARDS: 'L4',
    NO_COLOR: '1',
    ...extra,
  };
  delete e.BERTH_NVIDIA_SMI;
  delete e.HF_HUB_CACHE;
  return e;
}

async function planJson(dir: string, extra: NodeJS.ProcessEnv = {}) {
  const r = await berth(['plan', '--json', dir], { env: env(extra), timeoutMs: 60_000 });
  try {
    return { code: r.code, json: JSON.parse(r.stdout), stderr: r.stderr };
  } catch {
    throw new Error(`berth plan --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

beforeAll(async () => {
  await buildCli();
  root = mkdtempSync(join(tmpdir(), 'berth-fit-'));
  hub = await startHub();
  // Gated, as the real repo is: the estimate reads it with the same token rules as the weights stage.
  hub.addRepo({ id: LLAMA, gated: true, acceptedTokens: [TOKEN], commits: [{ files: checkpointFiles(LLAMA_3_1_8B, decoderTensors(LLAMA_3_1_8B)) }] });
}, 120_000);
afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('berth plan: will it fit', () => {
  it('--max-model-len 1024 on an L4 fits, with its numbers, and nothing is downloaded', async () => {
    const before = { ...hub.counters };
    const { json } = await planJson(truss('fits', 1024));
    const m = json.memory;
    expect(m.verdict).toBe('fits');
    expect(m.model).toBe(`${LLAMA}@main`);
    expect(m.server).toBe('vLLM');
    expect(m.weightsBytes).toBe(16_060_522_496);
    expect(m.parameterCount).toBe(8_030_261_248);
    expect(m.kvBytesPerToken).toBe(131_072);
    expect(m.contextTokens).toBe(1024);
    expect(m.gpus).toHaveLength(1);
    expect(m.gpus[0]).toMatchObject({ name: 'NVIDIA L4', totalBytes: 23034 * 2 ** 20 });
    expect(m.perGpuBytes).toBeGreaterThan(15 * GiB);
    expect(m.perGpuBytes).toBeLessThan(0.9 * 23034 * 2 ** 20);
    // The plan itself fails here (the engine has no NVIDIA runtime); the estimate is about the model and the GPUs.
    expect(json.plan).toBeNull();
    expect(json.issues.some((i: { code?: string }) => /GPU_/.test(i.code ?? ''))).toBe(true);
    // Four shards' headers and the JSON files: kilobytes, against 16 GB of weights.
    const body = hub.counters.bodyBytes - before.bodyBytes;
    expect(body).toBeGreaterThan(0);
    expect(body).toBeLessThan(1024 * 1024);
    expect(hub.counters.rangeRequests - before.rangeRequests).toBeGreaterThanOrEqual(4);
  });

  it('--max-model-len 131072 on an L4 does not fit, says why and what to change', async () => {
    const dir = truss('too-long', 131072);
    const { json } = await planJson(dir);
    const m = json.memory;
    expect(m.verdict).toBe('does-not-fit');
    expect(m.contextTokens).toBe(131_072);
    expect(m.reasons[0]).toMatch(/^does not fit: needs ~3\d\.\d GiB per GPU with 131072 tokens of context \(--max-model-len\); NVIDIA L4 has 22\.5 GiB/);
    expect(m.suggestions.join('\n')).toMatch(/lower --max-model-len to \d+/);
    expect(m.suggestions.join('\n')).toMatch(/--tensor-parallel-size 2 \(accelerator: L4:2\)/);
    // The text form carries the same, for a person.
    const text = await berth(['plan', dir], { env: env(), timeoutMs: 60_000 });
    expect(text.stdout).toMatch(/GPU memory \(will it fit\?\): does not fit/);
    expect(text.stdout).toMatch(/try: lower --max-model-len to \d+/);
  });

  it('two L4s with --tensor-parallel-size 2 fit the full context', async () => {
    const dir = truss('tp2', 131072);
    const cfg = join(dir, 'config.yaml');
    const text = readFileSync(cfg, 'utf8').replace('--max-model-len 131072', '--max-model-len 131072 --tensor-parallel-size 2').replace('accelerator: L4', 'accelerator: L4:2');
    writeFileSync(cfg, text);
    const { json } = await planJson(dir, { NVIDIA_SMI_DOUBLE_CARDS: 'L4,L4' });
    expect(json.memory.verdict).not.toBe('does-not-fit');
    expect(json.memory.gpus).toHaveLength(2);
  });

  it('memory other processes hold counts (nvidia-smi memory.used)', async () => {
    const { json } = await planJson(truss('busy', 1024), { NVIDIA_SMI_DOUBLE_MEMUSED: '6000' });
    expect(json.memory.verdict).toBe('does-not-fit');
    expect(json.memory.gpus[0].freeBytes).toBe((23034 - 6000) * 2 ** 20);
    expect(json.memory.reasons.join('\n')).toMatch(/other processes already hold 5\.9 GiB/);
  });

  it('a gated model without a token: unknown, with what to do', async () => {
    const { json } = await planJson(truss('gated', 1024), { HF_TOKEN: '' });
    expect(json.memory.verdict).toBe('unknown');
    expect(json.memory.reasons[0]).toMatch(/gated repo/);
    expect(json.memory.suggestions.join('\n')).toMatch(/berth secrets set hf_access_token/);
  });

  it('no GPU detected: unknown, with what the model needs', async () => {
    const { json } = await planJson(truss('nogpu', 1024), { NVIDIA_SMI_DOUBLE_FAIL: 'nodevices' });
    expect(json.memory.verdict).toBe('unknown');
    expect(json.memory.reasons[0]).toMatch(/needs ~1\d\.\d GiB per GPU on 1 GPU, but no NVIDIA GPU was detected/);
  });

  it('offline: reads config.json and headers from the Hugging Face cache', async () => {
    // A small model of the same family, fully in the cache, and a hub that is gone.
    const tiny = { ...LLAMA_3_1_8B, hidden_size: 256, intermediate_size: 512, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 64, vocab_size: 1000 };
    const h = safetensorsHeader(decoderTensors(tiny));
    const cache = join(root, 'offline-hf', 'hub');
    placeInHfCache(cache, 'org/tiny-llama', 'a'.repeat(40), { 'config.json': JSON.stringify(tiny), 'model.safetensors': Buffer.concat([h.head, Buffer.alloc(h.dataBytes)]) }, { ref: 'main' });
    const dir = truss('offline', 1024);
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(LLAMA, 'org/tiny-llama'));
    const { json } = await planJson(dir, { HF_HOME: join(root, 'offline-hf'), HF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(json.memory.readFrom).toBe('cache');
    expect(json.memory.weightsBytes).toBe(h.dataBytes);
    expect(json.memory.verdict).toBe('fits');
  });
});
