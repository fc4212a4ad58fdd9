// bench.*: benchmarks of running deployments, driven in this process through each
// deployment's own gateway (what clients see, predict_concurrency included). One run per
// deployment at a time; results stored under <dataDir>/bench.
import { BerthError } from '../../../shared/errors.js';
import { resolveGpuIds } from '../../../shared/gpu.js';
import type { BenchContext, BenchProgress, BenchRun } from '../../../shared/bench.js';
import type { CommandOutput, CommandParsed } from '../../../shared/api/index.js';
import { benchCsv, benchJson, BenchStore, runBench } from '../bench/index.js';
import type { DeploymentPort, ServicePorts } from './service-deps.js';

interface Active {
  progress: BenchProgress;
  abort: AbortController;
}

export function benchHandlers(ports: ServicePorts, deployment: (id: string) => DeploymentPort) {
  const store = new BenchStore(ports.benchDir ?? `${ports.dataDir}/bench`);
  const active = new Map<string, Active>();

  async function contextOf(d: DeploymentPort, url: string): Promise<BenchContext> {
    const s = d.summary();
    const plan = d.plan();
    const report = plan?.gpu ? await ports.gpu.report(false).catch(() => null) : null;
    return {
      deploymentId: d.id,
      modelName: s.modelName,
      gatewayUrl: url,
      image: s.image ?? plan?.image ?? null,
      imageDigest: s.imageDigest ?? null,
      startCommand: plan ? plan.entrypoint.slice(2).join(' ') || plan.entrypoint.join(' ') : null,
      predictConcurrency: plan?.predictConcurrency ?? null,
      gpus: plan?.gpu && report ? resolveGpuIds(plan.gpu.deviceIds, report.gpus).map((g) => `${g.index}: ${g.name}`) : [],
      berthVersion: ports.version,
    };
  }

  return {
    'bench.start': async ({ id, options }: CommandParsed<'bench.start'>): Promise<CommandOutput<'bench.start'>> => {
      const d = deployment(id);
      const s = d.summary();
      if (active.get(id)?.progress.state === 'running') throw new BerthError('BAD_REQUEST', `A benchmark of ${id} is already running.`, 'Wait for it to finish or cancel it.');
      if (s.state.name !== 'ready' || !s.gatewayUrl) throw new BerthError('BAD_REQUEST', `${s.modelName} is not ready (${s.state.name}).`, 'Start the deployment and wait until it is Ready, then run the benchmark.');
      const url = s.gatewayUrl;
      const context = await contextOf(d, url);
      const apiKey = ports.gatewayKey.value ? await ports.gatewayKey.value() : null;
      const abort = new AbortController();
      const empty: BenchRun = { id: 'pending', startedAt: Date.now(), endedAt: 0, state: 'running', options, context, levels: [], changes: [], target: 'gateway' };
      const entry: Active = { abort, progress: { runId: '', deploymentId: id, state: 'running', level: 0, levels: options.concurrency.length, concurrency: options.concurrency[0], sent: 0, done: 0, run: empty } };
      active.set(id, entry);
      const done = runBench({
        baseUrl: url,
        target: 'gateway',
        apiKey,
        options,
        context,
        signal: abort.signal,
        onGpuSample: (cb) => ports.gpu.onSample(cb),
        onProgress: (run, p) => {
          entry.progress = { ...entry.progress, runId: run.id, level: p.level, concurrency: p.concurrency, sent: p.sent, done: p.done, run: { ...run, levels: [...run.levels] } };
        },
      }).then((run) => {
        const saved = run.levels.length > 0 ? store.save(run) : run;
        entry.progress = { ...entry.progress, runId: run.id, state: run.state, run: saved };
      });
      done.catch((err) => {
        entry.progress = { ...entry.progress, state: 'failed', run: { ...entry.progress.run, state: 'failed', error: (err as Error).message } };
      });
      // The run id exists once runBench has started: wait for its first tick.
      await new Promise((r) => setImmediate(r));
      return entry.progress;
    },
    'bench.cancel': async ({ runId }: CommandParsed<'bench.cancel'>): Promise<CommandOutput<'bench.cancel'>> => {
      const hit = [...active.values()].find((a) => a.progress.runId === runId || a.progress.run.id === runId);
      if (!hit) throw new BerthError('NOT_FOUND', `No running benchmark ${runId}.`, 'It may have finished already: see bench.results.');
      hit.abort.abort();
      return { ok: true as const };
    },
    'bench.status': async ({ id }: CommandParsed<'bench.status'>): Promise<CommandOutput<'bench.status'>> => active.get(id)?.progress ?? null,
    'bench.results': async ({ id }: CommandParsed<'bench.results'>): Promise<CommandOutput<'bench.results'>> => store.list(id),
    'bench.export': async ({ id, runId, format }: CommandParsed<'bench.export'>): Promise<CommandOutput<'bench.export'>> => {
      const run = store.get(id, runId);
      return { text: format === 'csv' ? benchCsv(run) : benchJson(run), filename: `${id}-bench-${run.id.slice(0, 8)}.${format}` };
    },
    /** Cancels every run (service close). */
    cancelAll(): void {
      for (const a of active.values()) a.abort.abort();
    },
  };
}
