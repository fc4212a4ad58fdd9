// `berth run PATH`: one truss's whole lifecycle in a terminal: plan summary, pull with
// progress, build output, start, state transitions with reasons, readiness, the local
// endpoints, then the container's log until Ctrl-C (which stops and removes everything).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import type { DeploymentState, LogLine, PullProgress } from '../../../shared/deployment.js';
import type { DeploymentProgress, WeightsProgress } from '../../../shared/api/types.js';
import type { RunPlan } from '../../../shared/plan.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import { cliMemoryEstimate } from '../memory-estimate.js';
import { endpointExamples, unservedRoutes } from '../../../shared/routes.js';
import { formatBytes } from '../../../shared/truss/units.js';
import { EngineConnection } from '../../engine/docker/connection.js';
import { GpuLedger } from '../../engine/gpu/index.js';
import { berthHome } from '../../engine/paths.js';
import { SecretStore } from '../../engine/secrets/index.js';
import { getGatewayApiKey, PortMemory, SettingsStore } from '../../engine/store/index.js';
import { PORTS_FILE } from '../../engine/store/port-memory.js';
import { createEngineSupervisor, instanceIdFor } from '../../engine/supervisor/default-env.js';
import type { Deployment } from '../../engine/supervisor/deployment.js';
import { colors, formatIssueLine } from '../format/issues.js';

const USAGE = `usage: berth run PATH [--cpu] [--repull] [--port N] [--keep]

Runs the truss at PATH (a directory with config.yaml, or the file) on the local Docker
engine: pulls (and builds) the image, starts the container, probes it the way Baseten
does, and serves Baseten's routes on a local gateway port. Logs stream until you stop it.

options:
  --cpu       run without a GPU even if the config asks for one (explicit CPU run)
  --repull    pull the image again even if it is already on the engine
  --port N    gateway port on 127.0.0.1 (default: the port remembered for this model;
              0: any free port)
  --keep      leave the container running on exit; the next \`berth run\` of the same
              config re-adopts it instead of starting a new one
  -h, --help  show this help

Ctrl-C (SIGINT) or SIGTERM stops and removes the container and its secrets, closes the
gateway and exits 0 (with --keep: leaves the container running). A second Ctrl-C exits at
once (130). When the deployment fails, berth run exits 1 with the reason and the last log
lines.`;

const LAST_LINES = 20;

interface Out {
  line(s: string): void;
  /** Redraws one status line on a TTY; elsewhere prints it when `force` or at a slower pace. */
  status(s: string, force?: boolean): void;
  endStatus(): void;
}

function output(): Out {
  const tty = Boolean(process.stdout.isTTY);
  let open = false;
  let lastPrinted = 0;
  return {
    line(s) {
      if (open) process.stdout.write('\r\x1b[2K');
      open = false;
      process.stdout.write(`${s}\n`);
    },
    status(s, force) {
      if (tty) {
        process.stdout.write(`\r\x1b[2K${s.slice(0, (process.stdout.columns || 100) - 1)}`);
        open = true;
        return;
      }
      const now = Date.now();
      if (force || now - lastPrinted >= 2000) {
        lastPrinted = now;
        process.stdout.write(`${s}\n`);
      }
    },
    endStatus() {
      if (open) process.stdout.write('\n');
      open = false;
    },
  };
}

function bar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

function pullLine(p: PullProgress): string {
  const bytes = p.bytesTotal > 0 ? ` ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}` : '';
  const layers = p.layers.length ? `, ${p.layers.filter((l) => /complete|exists/i.test(l.status)).length}/${p.layers.length} layers` : '';
  return `pulling ${p.image} ${bar(p.fraction)}${bytes}${layers}`;
}

function weightsLine(w: WeightsProgress): string {
  const f = w.totalBytes > 0 ? w.doneBytes / w.totalBytes : 1;
  const eta = w.etaS !== null && w.doneBytes < w.totalBytes ? `, ${formatDuration(w.etaS)} left` : '';
  const rate = w.rate > 0 ? ` at ${formatBytes(w.rate)}/s` : '';
  return `weights ${bar(f)} ${formatBytes(w.doneBytes)} / ${formatBytes(w.totalBytes)}${rate}${eta} (${w.filesDone}/${w.filesTotal} files)`;
}

function formatDuration(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

function planSummary(plan: RunPlan, c: ReturnType<typeof colors>): string[] {
  const gpu = plan.gpu ? `${plan.gpu.count} x ${plan.gpu.accelerator ?? 'GPU'}${plan.gpu.deviceIds.length ? ` (devices ${plan.gpu.deviceIds.join(', ')})` : ''}` : 'none (CPU run)';
  const p = plan.probes;
  const lines = [
    `${c.bold(plan.modelName)}  ${c.dim(plan.configPath)}`,
    `  image     ${plan.image}${plan.build ? ` -> build ${plan.build.tag} (${plan.build.steps.length} steps)` : ''}`,
    `  start     ${plan.entrypoint.slice(2).join(' ') || plan.entrypoint.join(' ')}`,
    `  server    port ${plan.serverPort}, predict ${plan.gateway.predictEndpoint} (${plan.gateway.transport}), concurrency ${plan.predictConcurrency}`,
    `  probes    readiness ${p.readinessPath}, liveness ${p.livenessPath}, every ${p.periodMs / 1000} s; startup ${p.startupThresholdS} s, stop traffic ${p.stopTrafficThresholdS} s, restart ${p.restartThresholdS} s`,
    `  GPUs      ${gpu}`,
  ];
  if (plan.secrets.length) lines.push(`  secrets   ${plan.secrets.join(', ')} (mounted read-only at /secrets)`);
  for (const w of plan.warnings) lines.push(`  ${c.yellow('warning')}  ${w}`);
  return lines;
}

/** The estimate's warning lines when the model will not fit (or barely), else nothing. */
async function fitWarning(configText: string, plan: RunPlan, c: ReturnType<typeof colors>): Promise<string[]> {
  const { config } = parseTrussConfig(configText, plan.configPath);
  if (!config) return [];
  const { detectGpuHardware } = await import('../../engine/gpu/detect.js');
  const hw = await detectGpuHardware({ timeoutMs: 5000 }).catch(() => ({ gpus: [] }));
  const m = await cliMemoryEstimate(config, plan, hw.gpus, false, { timeoutMs: 15_000 });
  if (m.verdict !== 'does-not-fit' && m.verdict !== 'tight') return [];
  const paint = m.verdict === 'does-not-fit' ? c.red : c.yellow;
  return [
    `  ${paint('memory')}    ${m.reasons[0]}`,
    ...m.suggestions.slice(0, 3).map((s) => `  ${''.padEnd(9)} ${c.yellow('try:')} ${s}`),
    ...(m.verdict === 'does-not-fit' ? [`  ${''.padEnd(9)} ${c.dim('starting anyway; Ctrl-C stops (`berth plan PATH` shows the whole estimate)')}`] : []),
  ];
}

function endpoints(plan: RunPlan, url: string, apiKey: boolean): string[] {
  // The served routes from the one route table (shared/routes.ts), under the short prefix.
  const examples = endpointExamples(url, plan.gateway, '/production');
  const auth = apiKey ? ` -H "Authorization: Api-Key $BERTH_GATEWAY_KEY"` : '';
  const lines = [`endpoints: ${url}`];
  for (const e of examples) {
    const name = e.action.padEnd(9);
    if (e.action === 'sync') lines.push(`  ${name} ${e.url}  -> ${e.target} (e.g. ${e.url.replace('<path>', 'v1/models')})`);
    else lines.push(`  ${name} ${e.method === 'WS' ? '' : `${e.method} `}${e.url}  -> ${e.target}`);
  }
  for (const r of unservedRoutes(plan.gateway)) lines.push(`  ${'n/a'.padEnd(9)} ${r}`);
  const predict = examples.find((e) => e.action === 'predict');
  if (predict) lines.push(`  try       curl -s ${predict.url}${auth} -H 'Content-Type: application/json' -d '{"prompt": "hello"}'`);
  return lines;
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { cpu: { type: 'boolean' }, repull: { type: 'boolean' }, port: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    console.error(`berth run: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) {
    console.error(`berth run: give exactly one truss directory or config.yaml.\n${USAGE}`);
    return 2;
  }
  let gatewayPort: number | undefined;
  if (args.values.port !== undefined) {
    gatewayPort = Number(args.values.port);
    if (!Number.isInteger(gatewayPort) || gatewayPort < 0 || gatewayPort > 65535) {
      console.error(`berth run: --port must be a port number (1-65535, or 0 for any free port), got '${args.values.port}'.`);
      return 2;
    }
  }
  const code = await runTruss(args.positionals[0], { cpuOnly: !!args.values.cpu, repull: !!args.values.repull, gatewayPort, keep: !!args.values.keep });
  // Everything is stopped by now; a straggling socket must not keep the terminal waiting.
  setTimeout(() => process.exit(code), 1500).unref();
  return code;
}

async function runTruss(path: string, o: { cpuOnly: boolean; repull: boolean; gatewayPort?: number; keep: boolean }): Promise<number> {
  const out = output();
  const c = colors();
  const dataDir = berthHome();
  const secrets = new SecretStore({ file: join(dataDir, 'secrets.json') });
  const settings = new SettingsStore({ file: join(dataDir, 'settings.json'), secrets });
  await settings.load();
  const connection = new EngineConnection({ override: settings.get().dockerHost });
  const status = await connection.ping();
  if (!status.up) {
    throw new BerthError(status.code ?? 'ENGINE_UNAVAILABLE', `Docker engine at ${status.endpoint} is not usable: ${status.reason ?? 'no answer'}`, status.hint ?? 'Start Docker (e.g. `sudo systemctl start docker`) and run again.');
  }
  connection.start();

  const apiKey = await getGatewayApiKey(secrets);
  const { supervisor, logsFor } = createEngineSupervisor({
    connection,
    secrets,
    settings,
    ports: new PortMemory({ file: join(dataDir, PORTS_FILE) }),
    gpuLedger: new GpuLedger(),
    instanceId: instanceIdFor(dataDir),
    gatewayApiKey: async () => apiKey,
    dataDir,
    ...(o.gatewayPort !== undefined ? { gatewayPort: o.gatewayPort } : {}),
  });

  let finish!: (code: number) => void;
  const finished = new Promise<number>((r) => (finish = r));
  let stopping = false;
  let d: Deployment | null = null;

  const stopAll = async (why: string, keep: boolean): Promise<void> => {
    out.endStatus();
    // Say what happens only when there is a container to act on.
    if (supervisor.list().some((d) => d.containerId)) {
      out.line(c.dim(`${time()} ${why}: ${keep ? 'leaving the container running (--keep)' : 'stopping and removing the container'}...`));
    }
    await supervisor.shutdown({ keepRunning: keep }).catch(() => undefined);
    connection.stop();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      out.line('berth run: second signal, exiting now (the container may be left; the next berth run or the app removes it)');
      process.exit(130);
    }
    stopping = true;
    void stopAll(`${sig === 'SIGINT' ? 'Ctrl-C' : sig}`, o.keep).then(() => finish(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    d = await supervisor.open(path);
    // open() plans for this machine's GPUs; --cpu must be applied before the plan is judged,
    // or the very error whose hint says "use --cpu" refuses it.
    if (o.cpuOnly) await d.load({ cpuOnly: true });
    const plan = d.plan;
    if (!plan) {
      const issues = d.issues.length ? d.issues : [];
      for (const i of issues) console.error(formatIssueLine({ ...i, path: String(i.path) }, colors(process.stderr)));
      if (!issues.length) console.error(`berth run: ${path} could not be planned.`);
      console.error(c.dim('Fix the errors above (`berth validate PATH` checks again), then run again.'));
      await stopAll('config has errors', false);
      return 1;
    }
    for (const l of planSummary(plan, c)) out.line(l);
    if (o.cpuOnly && plan.gpu === null) out.line(c.dim('  (--cpu: running without a GPU)'));
    // Before the pull: a model that will not fit is said so now, not after the download.
    if (plan.gpu) for (const l of await fitWarning(d.configText, plan, c)) out.line(l);

    const buf = logsFor(d.id)!;
    const printLog = (l: LogLine) => {
      if (l.stream === 'system') {
        if (/^\[(build|gpu|weights)\]|^re-adopted/.test(l.text)) out.line(c.dim(l.text));
        return;
      }
      out.line(l.stream === 'stderr' ? `${c.dim('|')} ${l.text}` : `${c.dim('|')} ${l.text}`);
    };
    buf.subscribe(printLog);

    let readyOnce = false;
    const startedAt = Date.now();
    d.on('progress', (p: DeploymentProgress) => {
      if (p.kind === 'pull') out.status(pullLine(p.pull), p.pull.fraction >= 1);
      else if (p.kind === 'build') out.status(`building ${bar(p.build.steps ? p.build.step / p.build.steps : 0)} ${p.build.message}`);
      else out.status(weightsLine(p.weights), p.weights.doneBytes >= p.weights.totalBytes);
    });
    d.on('state', (s: DeploymentState) => {
      if (stopping && s.name !== 'stopped') return;
      out.endStatus();
      const paint = s.name === 'ready' ? c.green : s.name === 'failed' || s.name === 'crash_loop' ? c.red : s.name === 'not_ready' || s.name === 'restarting' ? c.yellow : (x: string) => x;
      out.line(`${c.dim(time())} ${paint(s.name.padEnd(19))} ${s.reason}`);
      if (s.name === 'ready' && !readyOnce) {
        readyOnce = true;
        const url = d!.gatewayUrl;
        if (url) {
          out.line(c.green(`${plan.modelName} is ready after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`));
          for (const l of endpoints(d!.plan ?? plan, url, !!apiKey && settings.get().gatewayRequireKeyOnLoopback)) out.line(l);
          out.line(c.dim('streaming logs; Ctrl-C stops and removes the container'));
        }
      }
      if (s.name === 'failed' && !stopping) {
        stopping = true;
        const last = buf.tail(400).filter((l) => l.stream !== 'system').slice(-LAST_LINES);
        console.error(`berth run: ${c.red('failed')}: ${s.reason}`);
        if (last.length) {
          console.error(c.dim(`last ${last.length} log line${last.length > 1 ? 's' : ''}:`));
          for (const l of last) console.error(`  ${l.text}`);
        }
        void stopAll('failed', false).then(() => finish(1));
      }
    });

    const report = await supervisor.init({ removeUnknown: false, adopt: true, startOptions: { cpuOnly: o.cpuOnly, repull: o.repull } });
    if (stopping) return await finished;
    const adopted = report.adopted.find((a) => a.deploymentId === d!.id);
    if (adopted) out.line(c.dim(`re-adopted container ${adopted.name} (${adopted.containerId.slice(0, 12)}) left running by an earlier berth run`));
    for (const r of report.removed) out.line(c.dim(`removed leftover container ${r.name}: ${r.reason}`));
    if (!d.containerId && d.state.name !== 'failed') await d.start({ cpuOnly: o.cpuOnly, repull: o.repull });
    return await finished;
  } catch (err) {
    if (!stopping) await stopAll('error', false);
    const e = toErrorShape(err);
    console.error(`berth run: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
