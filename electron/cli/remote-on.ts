// `berth <command> --on NAME`: the command acts on a remote machine (issue 14).
// Per command, the simplest honest design:
//   run   through the remote serve's API over the tunnel: the deployment is owned by the
//         serve there (it survives this terminal and a dropped link), its gateway is
//         forwarded to a local port, Ctrl-C stops it (--keep leaves it running).
//   gpus  through the API too (gpus.report), printed as `berth gpus` prints it.
//   other commands (plan, validate, weights, secrets, export, ...) are pure CLI and read the
//         machine's own GPUs, settings, cache and secrets: they run as `berth CMD ...` there
//         over SSH, output streamed back, exit code kept. Paths are paths on that machine.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { quote } from 'shell-quote';
import { BerthError } from '../../shared/errors.js';
import type { GpuReport } from '../../shared/gpu.js';
import type { DeploymentSummary } from '../../shared/deployment.js';
import type { ApiResponse } from '../../shared/api/transport.js';
import { berthHome } from '../engine/paths.js';
import { DEFAULT_REMOTE_COMMAND } from '../engine/remote/bootstrap.js';
import type { RemoteMachine } from '../engine/remote/machine.js';
import { Machines } from '../engine/remote/machines.js';
import { SshConnection } from '../engine/remote/ssh-connection.js';
import { resolveTarget } from '../engine/remote/ssh-target.js';
import { uploadTruss } from '../engine/remote/upload.js';
import { packageVersion } from '../engine/service/runtime.js';

const NOT_RELAYED = new Set(['serve', 'remote']);

/** Pulls `--on NAME` / `--on=NAME` out of argv. */
export function takeOn(argv: string[]): { on: string | null; rest: string[] } {
  const rest: string[] = [];
  let on: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--on') on = argv[++i] ?? '';
    else if (a.startsWith('--on=')) on = a.slice(5);
    else rest.push(a);
  }
  return { on, rest };
}

function unwrap<T>(r: ApiResponse<unknown>): T {
  if (!r.ok) throw new BerthError(r.error.code, r.error.message, r.error.hint);
  return r.result as T;
}

async function connected(machines: Machines, name: string): Promise<RemoteMachine> {
  const m = await machines.get(name);
  await m.connect();
  for (const w of m.info().warnings) console.error(`warning: ${w}`);
  return m;
}

async function gpusOn(m: RemoteMachine, argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  const report = unwrap<GpuReport>(await m.call('gpus.report', { refresh: true }));
  const { formatReport } = await import('./commands/gpus.js');
  console.log(values.json ? JSON.stringify(report, null, 2) : `machine ${m.name}:\n${formatReport(report)}`);
  return 0;
}

async function runOn(m: RemoteMachine, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { cpu: { type: 'boolean' }, repull: { type: 'boolean' }, keep: { type: 'boolean' }, upload: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new BerthError('BAD_REQUEST', 'berth run --on NAME needs one PATH (on that machine, or a local folder with --upload).', 'e.g. berth run --on gpu1 /home/me/my-truss');
  let path = positionals[0];
  if (values.upload) {
    const { conn, uploadsDir } = await m.sftpConnection();
    const r = await uploadTruss(conn, uploadsDir, path);
    console.log(`copied ${r.files} file(s) to ${m.name}:${r.path}`);
    path = r.path;
  }
  const summary = unwrap<DeploymentSummary>(await m.call('deployments.open', { path }));
  for (const e of summary.errors ?? []) console.error(`${m.name}:${e.file}:${e.line}:${e.col}: ${e.severity}: ${e.message}`);
  if (summary.errors?.some((e) => e.severity === 'error')) return 1;
  const id = summary.id;
  console.log(`machine ${m.name}: starting ${summary.modelName || id} (${summary.configPath})`);
  let lastState = '';
  let exitCode: number | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  let lastReason: string | null = null;
  m.on('status', (info) => {
    if (info.state === 'reconnecting' && info.reason !== lastReason) console.log(`[${m.name}] ${info.reason} (retrying)`);
    lastReason = info.state === 'reconnecting' ? info.reason : null;
    if (info.state === 'connected') console.log(`[${m.name}] reconnected`);
  });
  m.on('event', (channel, payload) => {
    const p = payload as { id?: string; state?: { name: string; reason?: string }; summary?: DeploymentSummary; lines?: Array<{ text: string }> };
    if (p.id !== id) return;
    if (channel === 'deployment.log') for (const l of p.lines ?? []) console.log(l.text);
    if (channel === 'deployment.state' && p.state && p.state.name !== lastState) {
      lastState = p.state.name;
      console.log(`[${m.name}] ${p.state.name}${p.state.reason ? `: ${p.state.reason}` : ''}`);
      if (p.state.name === 'ready' && p.summary?.gatewayUrl) console.log(`gateway (forwarded here): ${p.summary.gatewayUrl.replace(/\/$/, '')}/environments/production/predict`);
      if (p.state.name === 'failed') {
        exitCode = 1;
        done();
      }
    }
  });
  unwrap(await m.call('deployments.start', { id, cpuOnly: !!values.cpu, repull: !!values.repull }));
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130);
    exitCode ??= 0;
    done();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await finished;
  if (!values.keep && exitCode === 0) {
    console.log(`stopping ${id} on ${m.name}...`);
    unwrap(await m.call('deployments.stop', { id }));
  } else if (values.keep) console.log(`left running on ${m.name} (see it with: berth remote list, or the app's machine switcher)`);
  return exitCode ?? 0;
}

/** Pure-CLI commands: `berth CMD ARGS` on the machine, over SSH, output streamed. */
async function execOn(name: string, cmd: string, argv: string[], machines: Machines): Promise<number> {
  const rec = await machines.store.get(name);
  const conn = await SshConnection.connect(name, resolveTarget(rec.url));
  try {
    const stdin = process.stdin.isTTY ? undefined : readFileSync(0, 'utf8');
    return await conn.execStream(`${rec.command || DEFAULT_REMOTE_COMMAND} ${quote([cmd, ...argv])}`, { stdout: process.stdout, stderr: process.stderr, stdin });
  } finally {
    conn.close();
  }
}

export async function runOnMachine(cmd: string, name: string, argv: string[]): Promise<number> {
  if (NOT_RELAYED.has(cmd)) throw new BerthError('BAD_REQUEST', `--on does not apply to berth ${cmd}.`, cmd === 'serve' ? 'Open the app (or berth serve here) and pick the machine in the sidebar.' : 'berth remote manages machines from this computer.');
  if (name === 'local' || !name) throw new BerthError('BAD_REQUEST', '--on needs the NAME of a remote machine.', 'See berth remote list; leave --on out for this computer.');
  const machines = new Machines(berthHome(), { localVersion: packageVersion() });
  try {
    if (cmd === 'run') return await runOn(await connected(machines, name), argv);
    if (cmd === 'gpus') return await gpusOn(await connected(machines, name), argv);
    return await execOn(name, cmd, argv, machines);
  } finally {
    await machines.close();
  }
}
