// `berth bench` and `berth requests` as real CLI processes against a deployment that
// `berth run` started on the real Docker engine (the fixture image with a known first-token
// delay and token rate, predict_concurrency 2): TTFT and TPOT within 5 % at concurrency 1,
// saturation at predict_concurrency, the history of those requests with no secret in it.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchRun } from '../../../shared/bench.js';
import type { RequestRecord } from '../../../shared/requests.js';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { berthCli } from '../../helpers/berth-cli.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { removeInstance, writeFastSettings, writeTruss } from '../supervisor/support.js';

const ROOT = path.resolve(__dirname, '../../..');
const FIRST_TOKEN_MS = 200;
const TPOT_MS = 20;
const SECRET = 'hf_bench_secret_value_0123456789';

let tmp: TempDir;
let home: string;
let truss: string;
let url: string;
const children: ChildProcess[] = [];

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const c = berthCli(args, { BERTH_HOME: home });
  children.push(c.proc);
  const code = await c.exited;
  return { code, out: c.output() };
}

beforeAll(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  tmp = tmpDir('berth-bench-cli-');
  home = path.join(tmp.dir, 'home');
  writeFastSettings(home);
  await new SecretStore({ file: path.join(home, 'secrets.json') }).set('bench_hf_token', SECRET);
  truss = writeTruss(path.join(tmp.dir, 'trusses'), {
    name: 'bench-cli',
    secrets: ['bench_hf_token'],
    env: { FIXTURE_TOKENS_PER_SEC: String(1000 / TPOT_MS), FIXTURE_FIRST_TOKEN_DELAY_MS: String(FIRST_TOKEN_MS) },
    extra: ['runtime:', '  predict_concurrency: 2'],
  });
  const run = berthCli(['run', truss], { BERTH_HOME: home });
  children.push(run.proc);
  url = (await run.waitFor(/endpoints: (http:\/\/127\.0\.0\.1:\d+)\n/, 60_000))[1];
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeInstance(home);
  tmp?.cleanup();
});

describe('berth bench on a running deployment (real engine)', () => {
  it('measures the fixture\'s TTFT and TPOT within 5 % at concurrency 1', async () => {
    const r = await cli(['bench', truss, '--json', '--concurrency', '1', '--requests', '8', '--input-tokens', '16', '--output-tokens', '32']);
    expect(r.code, r.out).toBe(0);
    const run = JSON.parse(r.out.slice(r.out.indexOf('{'))) as BenchRun;
    const l = run.levels[0];
    console.log(`[berth bench] c=1: TTFT p50 ${l.ttftMs!.p50} ms (configured ${FIRST_TOKEN_MS}), TPOT p50 ${l.tpotMs!.p50} ms (configured ${TPOT_MS}), ITL p50 ${l.itlMs!.p50}, E2E p50 ${l.e2elMs.p50}, ${l.outputThroughput} tok/s`);
    expect(run.target).toBe('gateway');
    expect(run.context.predictConcurrency).toBe(2);
    expect(run.context.imageDigest).toBeTruthy();
    expect(l.completed).toBe(8);
    expect(l.outputTokensSource).toBe('usage');
    expect(Math.abs(l.ttftMs!.p50 - FIRST_TOKEN_MS) / FIRST_TOKEN_MS).toBeLessThan(0.05);
    expect(Math.abs(l.tpotMs!.p50 - TPOT_MS) / TPOT_MS).toBeLessThan(0.05);
  });

  it('shows saturation at predict_concurrency 2 and says what changed between runs', async () => {
    const r = await cli(['bench', truss, '--json', '--concurrency', '1,2,4', '--requests', '8', '--input-tokens', '16', '--output-tokens', '16']);
    expect(r.code, r.out).toBe(0);
    const run = JSON.parse(r.out.slice(r.out.indexOf('{'))) as BenchRun;
    const [c1, c2, c4] = run.levels;
    console.log(`[berth bench] output tok/s c=1 ${c1.outputThroughput}, c=2 ${c2.outputThroughput}, c=4 ${c4.outputThroughput}; TTFT p90 c=2 ${c2.ttftMs!.p90} ms, c=4 ${c4.ttftMs!.p90} ms`);
    expect(c2.outputThroughput! / c1.outputThroughput!).toBeGreaterThan(1.7);
    expect(c4.outputThroughput! / c2.outputThroughput!).toBeLessThan(1.15);
    expect(c4.ttftMs!.p90).toBeGreaterThan(c2.ttftMs!.p90 * 1.5);
    // Same image, flags and GPUs as the previous run: nothing changed.
    expect(run.changes).toEqual([]);
    const stored = fs.readdirSync(path.join(home, 'bench', run.context.deploymentId));
    expect(stored).toHaveLength(2);
    const csv = await cli(['bench', truss, '--csv', '--concurrency', '1', '--requests', '1', '--output-tokens', '2']);
    expect(csv.out.split('\n')[0]).toMatch(/^run_id,started_at,target,workload,concurrency/);
  });

  it('berth requests lists what the gateway answered, as JSONL, with no credential or secret value', async () => {
    const openai = new OpenAI({ baseURL: `${url}/environments/production/sync/v1`, apiKey: 'model-server-own-key-123456' });
    const s = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `token ${SECRET}` }], max_tokens: 3, stream: true, stream_options: { include_usage: true } });
    for await (const _ of s) void _;
    await new Promise((r) => setTimeout(r, 600));
    const r = await cli(['requests', truss, '--json', '-n', '1000']);
    expect(r.code, r.out).toBe(0);
    const records = r.out.trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
    // 8 + 24 + 1 benchmark requests (plus their /v1/models lookups) and the one above.
    expect(records.filter((x) => x.upstreamPath === '/v1/chat/completions').length).toBe(8 + 24 + 1 + 1);
    const last = records.at(-1)!;
    expect(last.stream).toBe(true);
    expect(last.tokensOut).toBe(3);
    expect(last.headers.authorization).toBe('[redacted]');
    expect(JSON.parse(last.bodies!.response!).choices[0].message.content.length).toBeGreaterThan(0);
    expect(r.out).not.toContain(SECRET);
    expect(r.out).not.toContain('model-server-own-key-123456');
    const table = await cli(['requests', truss, '-n', '2', '--status', '2xx']);
    expect(table.out.trim().split('\n')).toHaveLength(2);
    expect(table.out).toMatch(/200 POST \/environments\/production\/sync\/v1\/chat\/completions .*ttft \d+ms tok 2\/3/);
  });

  it('says what to do when the deployment is not running or the input is wrong', async () => {
    const other = writeTruss(path.join(tmp.dir, 'trusses'), { name: 'never-started' });
    const r = await cli(['bench', other]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/never had a gateway[\s\S]*hint: Start it first \(berth run/);
    const bad = await cli(['bench', truss, '--concurrency', '0,2']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/--concurrency '0,2' is not a list of whole numbers/);
  });

  it('samples GPU utilisation and memory per level (nvidia-smi TEST DOUBLE: there is no GPU here)', async () => {
    // The double first on PATH (with node, which runs it) for the bench process only; fixed
    // values for its two cards, so the per-level summary is known.
    const c = berthCli(['bench', truss, '--json', '--concurrency', '1,2', '--requests', '4', '--input-tokens', '8', '--output-tokens', '64'], {
      BERTH_HOME: home,
      PATH: `${path.join(ROOT, 'test/fixtures/bin')}:${path.dirname(process.execPath)}:${process.env.PATH}`,
      NVIDIA_SMI_DOUBLE_UTIL: '37,81',
      NVIDIA_SMI_DOUBLE_MEMUSED: '1024,2048',
    });
    children.push(c.proc);
    const code = await c.exited;
    const out = c.output();
    expect(code, out).toBe(0);
    const run = JSON.parse(out.slice(out.indexOf('{'))) as BenchRun;
    // Each level lasts about 3 s (200 ms + 63 x 20 ms per request): several 1 s samples.
    expect(run.levels.map((l) => l.concurrency)).toEqual([1, 2]);
    for (const l of run.levels) {
      expect(l.gpu, `level c=${l.concurrency}`).not.toBeNull();
      expect(l.gpu!.samples).toBeGreaterThanOrEqual(2);
      expect(l.gpu).toMatchObject({ utilMeanPct: 59, utilMaxPct: 81, memoryMaxMiB: 3072 });
    }
    // The GPUs the double reports are part of the run's context, and differ from the last run's.
    expect(run.context.gpus).toEqual(['0: NVIDIA RTX A6000', '1: NVIDIA GeForce RTX 4090']);
    expect(run.changes.join('; ')).toMatch(/GPUs/);
  });
});
