// `berth plan PATH [--json] [--cpu]`: the local run plan for a truss, computed against this
// machine's GPUs (nvidia-smi + the engine's GPU capability), and the equivalent `docker run`.
import { parseArgs } from 'node:util';
import { loadTruss } from '../../engine/config/load.js';
import { planSettingsFrom } from '../../engine/config/plan-settings.js';
import { toErrorShape } from '../../../shared/errors.js';
import type { GpuCapabilities, GpuInfo } from '../../../shared/gpu.js';
import type { RunPlan } from '../../../shared/plan.js';
import { ROUTE_PREFIXES, unservedRoutes } from '../../../shared/routes.js';
import { buildRunPlan, type MachineFacts } from '../../../shared/truss/plan.js';
import { dockerRunCommand } from '../../../shared/truss/docker-run.js';
import { formatBytes } from '../../../shared/truss/units.js';
import { unknownEstimate } from '../../../shared/fit/types.js';
import { cliMemoryEstimate } from '../memory-estimate.js';
import type { ResolvedRepo } from '../../engine/weights/hub-client.js';
import { colors, formatFileError, formatIssueLine } from '../format/issues.js';
import { describeMemory } from '../format/memory.js';

const USAGE = `usage: berth plan PATH [--json] [--cpu]

Prints how Berth would run the truss at PATH on this machine (image, build, GPUs, env,
probes, routes) and the equivalent docker run command.
  --cpu   run without a GPU even if the config asks for one (explicit CPU run)
  --json  machine-readable output`;

interface MachineReport {
  facts: MachineFacts;
  note: string | null;
}

async function detectMachine(): Promise<MachineReport> {
  const none = (note: string, capabilities?: GpuCapabilities): MachineReport => ({
    facts: { gpus: [], gpuCapabilities: capabilities ?? { usable: false, via: 'none', reason: note }, heldDeviceIds: [] },
    note,
  });
  try {
    const { detectGpuHardware } = await import('../../engine/gpu/detect.js');
    const hw = await detectGpuHardware({ timeoutMs: 5000 });
    if (hw.gpus.length === 0) return none('no NVIDIA GPU detected on this machine; planned with no GPUs');
    const capabilities = await engineCapabilities();
    return { facts: { gpus: hw.gpus as GpuInfo[], gpuCapabilities: capabilities, heldDeviceIds: [] }, note: capabilities.usable ? null : `GPUs found but containers cannot use them: ${capabilities.reason ?? ''}` };
  } catch (err) {
    return none(`GPU detection failed (${toErrorShape(err).message}); planned with no GPUs`);
  }
}

async function engineCapabilities(): Promise<GpuCapabilities> {
  const { EngineConnection } = await import('../../engine/docker/connection.js');
  const { probeGpuCapabilities } = await import('../../engine/gpu/capabilities.js');
  const conn = new EngineConnection({ pingTimeoutMs: 3000, healthCheckMs: 0 });
  try {
    const status = await conn.ping();
    if (!status.up) return { usable: false, via: 'none', reason: `the Docker engine is not reachable: ${status.reason}`, hint: status.hint ?? 'start Docker and try again' };
    const url = status.endpoint;
    return await probeGpuCapabilities(conn.docker, { engineIsLocal: url.startsWith('unix://') || url.startsWith('npipe://') });
  } finally {
    conn.stop();
  }
}

async function storedSettings(): Promise<Record<string, unknown>> {
  try {
    const { SettingsStore } = await import('../../engine/store/settings.js');
    return (await new SettingsStore().load()) as unknown as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function describePlan(plan: RunPlan): string {
  const c = colors();
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`  ${c.dim(k.padEnd(14))} ${v}`);
  lines.push(c.bold(`${plan.modelName}  (${plan.deploymentId})`));
  kv('config', plan.configPath);
  kv('image', `${plan.image}${plan.movingTag ? c.yellow('  (moving tag: re-pull to refresh)') : ''}`);
  if (plan.build) {
    kv('build', `${plan.build.tag}  (${plan.build.steps.length} step${plan.build.steps.length === 1 ? '' : 's'})`);
    for (const s of plan.build.steps) lines.push(`  ${''.padEnd(14)}   ${c.dim(s.kind.padEnd(18))} ${s.run ?? `copy ${s.source} -> ${s.target}`}`);
    if (plan.build.secrets.length) kv('build secrets', plan.build.secrets.join(', '));
  } else kv('build', 'none (runs the image as-is)');
  kv('command', plan.entrypoint.length ? plan.entrypoint[2] ?? plan.entrypoint.join(' ') : "the image's own ENTRYPOINT/CMD");
  kv('server port', String(plan.serverPort));
  kv('gpu', plan.gpu ? `${plan.gpu.accelerator}${plan.gpu.count > 1 ? `:${plan.gpu.count}` : ''} -> device ${plan.gpu.deviceIds.join(',')}` : 'none (CPU)');
  kv('user', plan.user ?? 'image default');
  kv('shm', formatBytes(plan.shmSizeBytes));
  kv('limits', plan.nanoCpus || plan.memoryBytes ? `${plan.nanoCpus ? `${plan.nanoCpus / 1e9} CPU` : ''} ${plan.memoryBytes ? formatBytes(plan.memoryBytes) : ''}`.trim() : 'none (resources.cpu/memory not applied; see settings)');
  kv('env', Object.keys(plan.env).length ? Object.keys(plan.env).join(', ') : 'none');
  kv('secrets', plan.secrets.length ? plan.secrets.map((s) => `/secrets/${s}`).join(', ') : 'none');
  if (plan.dataMount) kv('data', `${plan.dataMount.source} -> ${plan.dataMount.target} (read-only)`);
  if (plan.hfCache) kv('hf cache', `${plan.hfCache.source} -> ${plan.hfCache.target} (the host's Hugging Face cache)`);
  const p = plan.probes;
  kv('probes', `ready ${p.readinessPath}, live ${p.livenessPath}, every ${p.periodMs / 1000} s; startup ${p.startupThresholdS} s, stop traffic ${p.stopTrafficThresholdS} s, restart ${p.restartThresholdS} s`);
  kv('concurrency', String(plan.predictConcurrency));
  kv('transport', plan.gateway.transport);
  // The gateway's routes (shared/routes.ts): those it serves, then those that answer 501.
  const routes = plan.gateway.routes;
  const unserved = unservedRoutes(plan.gateway);
  kv('routes', routes[0] ?? 'none served by the local gateway');
  for (const r of routes.slice(1)) lines.push(`  ${''.padEnd(14)} ${r}`);
  if (unserved.length) kv('not served', unserved[0]);
  for (const r of unserved.slice(1)) lines.push(`  ${''.padEnd(14)} ${r}`);
  if (unserved.length) lines.push(`  ${''.padEnd(14)} {prefix}: ${ROUTE_PREFIXES.join(', ')}`);
  kv('plan hash', plan.planHash);
  return lines.join('\n');
}

type WeightsRows = Awaited<ReturnType<typeof import('../../engine/weights/stage.js').describePlanWeights>>;

async function resolveWeights(plan: RunPlan, resolved: Map<string, Promise<ResolvedRepo>>): Promise<WeightsRows> {
  const { describePlanWeights } = await import('../../engine/weights/stage.js');
  const { SecretStore } = await import('../../engine/secrets/store.js');
  return describePlanWeights(plan, { secrets: new SecretStore() }, AbortSignal.timeout(30_000), resolved);
}

function weightsJson(r: WeightsRows[number]) {
  const e = r.entry;
  const base = { key: e.key, index: e.index, repoId: e.repoId, revision: e.revision, target: e.target, allowPatterns: e.allowPatterns, ignorePatterns: e.ignorePatterns };
  if (!r.resolved) return { ...base, error: r.error };
  const x = r.resolved;
  return { ...base, commit: x.commit, files: x.files.length, totalBytes: x.totalBytes, missingFiles: x.missingFiles, missingBytes: x.missingBytes, cached: x.missingFiles === 0, offline: x.offline };
}

function describeWeights(rows: WeightsRows, c: ReturnType<typeof colors>): string {
  const lines = ['', c.bold('weights (fetched before the container starts):')];
  for (const r of rows) {
    const e = r.entry;
    const where = e.target ? `-> ${e.target}${e.key === 'weights' ? ' (read-only)' : ''}` : '-> Hugging Face cache only (use_volume: false)';
    if (!r.resolved) {
      lines.push(`  ${e.key}[${e.index}] ${e.repoId}@${e.revision} ${where}`, `      ${c.red(r.error!.message)}${r.error!.hint ? `
      hint: ${r.error!.hint}` : ''}`);
      continue;
    }
    const x = r.resolved;
    const rev = e.revision === x.commit ? x.commit : `${e.revision} -> ${x.commit}`;
    const state = x.missingFiles === 0 ? c.green('cached') : `${x.missingFiles} files to download (${formatBytes(x.missingBytes)})`;
    lines.push(`  ${e.key}[${e.index}] ${e.repoId}@${rev} ${where}`, `      ${x.files.length} files, ${formatBytes(x.totalBytes)}, ${state}${x.offline ? c.dim(' (Hub unreachable: from the cache)') : ''}`);
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; cpu?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, cpu: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
  } catch (err) {
    console.error(`berth plan: ${toErrorShape(err).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`berth plan: give exactly one truss directory or config file.\n${USAGE}`);
    return 2;
  }
  const c = colors();
  const ce = colors(process.stderr);
  let loaded;
  try {
    loaded = await loadTruss(positionals[0]);
  } catch (err) {
    const e = toErrorShape(err);
    if (values.json) console.log(JSON.stringify({ plan: null, issues: [], error: e }, null, 2));
    else console.error(formatFileError(positionals[0], e, ce));
    return 1;
  }
  if (!loaded.config) {
    if (values.json) console.log(JSON.stringify({ plan: null, issues: loaded.issues, error: null, memory: unknownEstimate('the config has errors: fix them first') }, null, 2));
    else for (const i of loaded.issues) console.error(formatIssueLine(i, ce));
    return 1;
  }
  const [machine, stored] = await Promise.all([detectMachine(), storedSettings()]);
  const settings = planSettingsFrom(stored, { cpuOnly: Boolean(values.cpu) });
  const { plan, issues } = buildRunPlan({
    config: loaded.config,
    configPath: loaded.configPath,
    trussDir: loaded.trussDir,
    trussFacts: loaded.trussFacts,
    machine: machine.facts,
    settings,
    positions: loaded.positions,
  });
  const all = [...loaded.issues, ...issues].sort((a, b) => a.line - b.line || a.col - b.col);
  // Weights are resolved against the Hub (or the cache offline): nothing is downloaded here.
  // The estimate reads config.json and safetensors headers only: never the weights. Both ask
  // the Hub about the same repos, so they share its answers.
  const resolved = new Map<string, Promise<ResolvedRepo>>();
  const [weights, memory] = await Promise.all([
    plan && plan.weights.length ? resolveWeights(plan, resolved) : Promise.resolve([]),
    cliMemoryEstimate(loaded.config, plan, machine.facts.gpus, Boolean(values.cpu), { resolved }),
  ]);
  if (values.json) {
    console.log(JSON.stringify({ plan, memory, weights: weights.map(weightsJson), issues: all, dockerRun: plan ? dockerRunCommand(plan) : null, machine: { gpus: machine.facts.gpus.length, note: machine.note } }, null, 2));
    return plan ? 0 : 1;
  }
  if (machine.note) console.log(c.dim(`note: ${machine.note}`));
  if (!plan) {
    for (const i of all) console.error(formatIssueLine(i, ce));
    console.log(describeMemory(memory, c));
    return 1;
  }
  console.log(describePlan(plan));
  if (weights.length) console.log(describeWeights(weights, c));
  console.log(describeMemory(memory, c));
  if (all.length) {
    console.log('');
    for (const i of all) console.log(formatIssueLine(i, c));
  }
  console.log(`\n${c.bold('equivalent docker run:')}\n${dockerRunCommand(plan)}`);
  return 0;
}
