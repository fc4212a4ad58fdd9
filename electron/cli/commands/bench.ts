// `berth bench PATH|ID`: benchmarks a running deployment through its gateway (what clients
// get, predict_concurrency included), with vLLM's metric names; the run is stored with the
// app's (same data dir) so the Benchmark tab shows it and later runs say what changed.
import { parseArgs } from 'node:util';
import { BerthError } from '../../../shared/errors.js';
import { BENCH_DEFAULTS, METRIC_DEFINITIONS, type BenchContext, type BenchLevel, type BenchOptions, type BenchRun, type BenchWorkload, type Dist } from '../../../shared/bench.js';
import { LABELS } from '../../../shared/plan.js';
import { benchCsv, BenchStore, runBench } from '../../engine/bench/index.js';
import { EngineConnection } from '../../engine/docker/connection.js';
import { detectGpus, GpuSampler } from '../../engine/gpu/index.js';
import { berthHome } from '../../engine/paths.js';
import { SecretStore } from '../../engine/secrets/index.js';
import { getGatewayApiKey } from '../../engine/store/index.js';
import { packageVersion } from '../../engine/service/runtime.js';
import { resolveDeploymentRef, runningGateway, type DeploymentRef } from '../deployment-ref.js';
import { join } from 'node:path';

const USAGE = `usage: berth bench PATH|ID [--concurrency 1,4,16] [--requests N] [--duration S]
                   [--input-tokens N] [--output-tokens N] [--workload chat|completions|embeddings|rerank]
                   [--example] [--goodput-ttft MS] [--goodput-tpot MS] [--json | --csv]

Benchmarks a running deployment (started by the app, berth serve or berth run) through its
Berth gateway with real HTTP. For each concurrency level it sends at most --requests
requests (default ${BENCH_DEFAULTS.requests}) for at most --duration seconds (default ${BENCH_DEFAULTS.durationS}),
keeping that many in flight. Streaming chat asks for usage (stream_options.include_usage).

Metrics (vLLM's names), each at mean/p50/p90/p99:
  TTFT   ${METRIC_DEFINITIONS.ttft.replace(/^TTFT: /, '')}
  TPOT   ${METRIC_DEFINITIONS.tpot.replace(/^TPOT: /, '')}
  ITL    ${METRIC_DEFINITIONS.itl.replace(/^ITL: /, '')}
  E2E    ${METRIC_DEFINITIONS.e2el.replace(/^E2E latency: /, '')}
and output tokens/s, requests/s, goodput (with --goodput-ttft/--goodput-tpot), 429s.

options:
  --concurrency L   comma-separated levels (default ${BENCH_DEFAULTS.concurrency.join(',')})
  --requests N      requests per level, at most (default ${BENCH_DEFAULTS.requests})
  --duration S      seconds per level, at most; in-flight requests are cut (default ${BENCH_DEFAULTS.durationS})
  --input-tokens N  synthetic prompt length, about one token a word (default ${BENCH_DEFAULTS.inputTokens})
  --output-tokens N max_tokens asked for (default ${BENCH_DEFAULTS.outputTokens})
  --workload W      chat (default), completions, embeddings or rerank
  --example         send model_metadata.example_model_input from the config instead
  --json            print the run as JSON; --csv: one CSV row per level
  -h, --help        show this help

Ctrl-C cancels: what finished is printed and stored. The gateway key, when the gateway asks
for one, is read from Berth's secret store (or BERTH_GATEWAY_KEY).`;

function ints(text: string, what: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 1)) throw new BerthError('BAD_REQUEST', `--${what} '${text}' is not a list of whole numbers.`, `Write e.g. --${what} 1,4,16.`);
  return out;
}

function num(v: string | undefined, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new BerthError('BAD_REQUEST', `--${what} '${v}' is not a positive number.`, `Write e.g. --${what} ${dflt}.`);
  return n;
}

/** The running container's image digest and GPUs, when the Docker engine answers. */
async function containerFacts(deploymentId: string): Promise<{ imageDigest: string | null }> {
  const c = new EngineConnection();
  try {
    c.start();
    await Promise.race([c.ping(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000))]);
    const list = await c.docker.listContainers({ filters: { label: [`${LABELS.deployment}=${deploymentId}`], status: ['running'] } });
    if (!list[0]) return { imageDigest: null };
    const img = await c.docker.getImage(list[0].ImageID).inspect();
    return { imageDigest: img.RepoDigests?.[0]?.split('@')[1] ?? list[0].ImageID };
  } catch {
    return { imageDigest: null };
  } finally {
    c.stop();
  }
}

async function contextFor(ref: DeploymentRef, url: string, gpus: string[]): Promise<BenchContext> {
  const cfg = ref.config;
  const facts = await containerFacts(ref.deploymentId);
  return {
    deploymentId: ref.deploymentId,
    modelName: cfg?.model_name ?? ref.deploymentId,
    gatewayUrl: url,
    image: cfg?.base_image?.image ?? null,
    imageDigest: facts.imageDigest,
    startCommand: cfg?.docker_server?.start_command ?? null,
    predictConcurrency: cfg ? (cfg.runtime?.predict_concurrency ?? 1) : null,
    gpus,
    berthVersion: packageVersion(),
  };
}

const f = (n: number | null | undefined, d = 1) => (n === null || n === undefined ? '-' : n.toFixed(d));
const dist = (x: Dist | null) => (x ? `${f(x.mean)} / ${f(x.p50)} / ${f(x.p90)} / ${f(x.p99)}` : '-');

function printLevel(l: BenchLevel): void {
  console.log(`\nconcurrency ${l.concurrency}: ${l.completed}/${l.sent} completed, ${l.rejected429} x 429, ${l.failed} failed, ${l.cut} cut, ${f(l.durationS, 2)} s`);
  console.log(`  ms mean / p50 / p90 / p99`);
  console.log(`  TTFT  ${dist(l.ttftMs)}`);
  console.log(`  TPOT  ${dist(l.tpotMs)}`);
  console.log(`  ITL   ${dist(l.itlMs)}`);
  console.log(`  E2E   ${dist(l.e2elMs)}`);
  console.log(`  output ${f(l.outputThroughput)} tok/s (tokens from ${l.outputTokensSource ?? 'n/a'}), ${f(l.requestThroughput, 2)} req/s${l.goodput !== null ? `, goodput ${f(l.goodput, 2)} req/s` : ''}`);
  if (l.gpu) console.log(`  GPU util mean ${f(l.gpu.utilMeanPct)} %, max ${f(l.gpu.utilMaxPct)} %, memory max ${f(l.gpu.memoryMaxMiB, 0)} MiB`);
  if (l.firstError) console.log(`  first error: ${l.firstError}`);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      concurrency: { type: 'string' },
      requests: { type: 'string' },
      duration: { type: 'string' },
      'input-tokens': { type: 'string' },
      'output-tokens': { type: 'string' },
      workload: { type: 'string' },
      example: { type: 'boolean' },
      'goodput-ttft': { type: 'string' },
      'goodput-tpot': { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const workload = (values.workload ?? 'chat') as BenchWorkload;
  if (!['chat', 'completions', 'embeddings', 'rerank'].includes(workload)) throw new BerthError('BAD_REQUEST', `Unknown --workload '${values.workload}'.`, 'Use chat, completions, embeddings or rerank.');
  const dataDir = berthHome();
  const ref = await resolveDeploymentRef(positionals[0], dataDir);
  let body: Record<string, unknown> | null = null;
  if (values.example) {
    const ex = (ref.config?.model_metadata as { example_model_input?: unknown } | undefined)?.example_model_input;
    if (!ex || typeof ex !== 'object' || Array.isArray(ex)) throw new BerthError('BAD_REQUEST', `${ref.configPath ?? ref.deploymentId} has no model_metadata.example_model_input object.`, 'Drop --example to use synthetic prompts, or add an example to the config.');
    body = ex as Record<string, unknown>;
  }
  const options: BenchOptions = {
    workload,
    concurrency: values.concurrency ? ints(values.concurrency, 'concurrency') : BENCH_DEFAULTS.concurrency,
    requests: Math.round(num(values.requests, 'requests', BENCH_DEFAULTS.requests)),
    durationS: num(values.duration, 'duration', BENCH_DEFAULTS.durationS),
    inputTokens: Math.round(num(values['input-tokens'], 'input-tokens', BENCH_DEFAULTS.inputTokens)),
    outputTokens: Math.round(num(values['output-tokens'], 'output-tokens', BENCH_DEFAULTS.outputTokens)),
    body,
    goodputTtftMs: values['goodput-ttft'] ? num(values['goodput-ttft'], 'goodput-ttft', 0) : null,
    goodputTpotMs: values['goodput-tpot'] ? num(values['goodput-tpot'], 'goodput-tpot', 0) : null,
  };
  const url = await runningGateway(ref, dataDir);
  const apiKey = process.env.BERTH_GATEWAY_KEY || (await getGatewayApiKey(new SecretStore({ file: join(dataDir, 'secrets.json') })).catch(() => null));
  const sampler = new GpuSampler({ periodMs: 1000 });
  // This machine's GPUs (which of them the container holds is the engine's business).
  const gpuNames = ((await detectGpus({ docker: null }).catch(() => null))?.gpus ?? []).map((g) => `${g.index}: ${g.name}`);
  const context = await contextFor(ref, url, gpuNames);
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  const quiet = values.json || values.csv;
  if (!quiet) console.error(`benchmarking ${context.modelName} through ${url} (${workload}; levels ${options.concurrency.join(', ')}; at most ${options.requests} requests / ${options.durationS} s each)`);
  let result: BenchRun;
  try {
    result = await runBench({
      baseUrl: url,
      target: 'gateway',
      apiKey,
      options,
      context,
      signal: ac.signal,
      onGpuSample: (cb) => {
        sampler.on('sample', cb);
        return () => sampler.off('sample', cb);
      },
      onProgress: quiet || !process.stderr.isTTY ? undefined : (_r, p) => process.stderr.write(`\r\x1b[2Kconcurrency ${p.concurrency}: ${p.done}/${p.sent} done`),
    });
  } finally {
    process.off('SIGINT', onSig);
    await sampler.stop();
    if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  }
  const saved = result.levels.length > 0 ? new BenchStore(join(dataDir, 'bench')).save(result) : result;
  if (values.json) console.log(JSON.stringify(saved, null, 2));
  else if (values.csv) process.stdout.write(benchCsv(saved));
  else {
    console.log(`run ${saved.id} (${saved.state}), predict_concurrency ${context.predictConcurrency ?? 'unknown'}, image digest ${context.imageDigest ?? 'unknown'}`);
    if (saved.changes.length) console.log(`changed since the previous run: ${saved.changes.join('; ')}`);
    for (const l of saved.levels) printLevel(l);
    console.log(`\n${METRIC_DEFINITIONS.tpot}\n${METRIC_DEFINITIONS.rejected429}`);
  }
  if (saved.state === 'failed') {
    console.error(`berth bench: ${saved.error}`);
    return 1;
  }
  return saved.state === 'cancelled' ? 130 : 0;
}
