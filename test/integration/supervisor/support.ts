// Helpers for the supervisor integration tests: truss dirs written into temp dirs (the
// fixture image with fault knobs and 10 s health thresholds), a data dir with a 1 s probe
// period, state waiting, and cleanup of everything a data dir's Berth instance created.
import fs from 'node:fs';
import path from 'node:path';
import { LABELS } from '../../../shared/plan.js';
import type { DeploymentStateName } from '../../../shared/deployment.js';
import type { Deployment } from '../../../electron/engine/supervisor/deployment.js';
import { instanceIdFor } from '../../../electron/engine/supervisor/default-env.js';
import { docker, MODEL_SERVER_IMAGE } from '../../helpers/docker.js';
import { EngineConnection } from '../../../electron/engine/docker/connection.js';
import { GpuLedger } from '../../../electron/engine/gpu/index.js';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { PortMemory, SettingsStore } from '../../../electron/engine/store/index.js';
import { createEngineSupervisor, type EngineSupervisor, type EngineSupervisorDeps } from '../../../electron/engine/supervisor/default-env.js';

export interface TrussSpec {
  name: string;
  env?: Record<string, string>;
  secrets?: string[];
  health?: Partial<Record<'startup_threshold_seconds' | 'stop_traffic_threshold_seconds' | 'restart_threshold_seconds' | 'restart_check_delay_seconds', number>>;
  /** More config.yaml lines, as written (e.g. build_commands, resources). */
  extra?: string[];
}

export function writeTruss(root: string, spec: TrussSpec): string {
  const dir = path.join(root, spec.name);
  fs.mkdirSync(dir, { recursive: true });
  const lines = [
    `model_name: ${spec.name}`,
    'base_image:',
    `  image: ${MODEL_SERVER_IMAGE}`,
    'docker_server:',
    '  start_command: node /srv/model-server/server.mjs --port 8000',
    '  server_port: 8000',
    '  predict_endpoint: /predict',
    '  readiness_endpoint: /health',
    '  liveness_endpoint: /live',
  ];
  if (spec.env && Object.keys(spec.env).length) {
    lines.push('environment_variables:');
    for (const [k, v] of Object.entries(spec.env)) lines.push(`  ${k}: "${v}"`);
  }
  if (spec.secrets?.length) {
    lines.push('secrets:');
    for (const s of spec.secrets) lines.push(`  ${s}: null`);
  }
  if (spec.health) {
    lines.push('runtime:', '  health_checks:');
    for (const [k, v] of Object.entries(spec.health)) lines.push(`    ${k}: ${v}`);
  }
  if (spec.extra) lines.push(...spec.extra);
  fs.writeFileSync(path.join(dir, 'config.yaml'), `${lines.join('\n')}\n`);
  return dir;
}

/** Settings for fast tests: 1 s probes (the minimum), small /dev/shm, the HF cache shared or not. */
export function writeFastSettings(dataDir: string, o: { shareHfCache?: boolean } = {}): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ probePeriodMs: 1000, shareHfCache: o.shareHfCache ?? false, shmSize: '64m' }));
}

export function instanceFilter(dataDir: string): string[] {
  return [`${LABELS.managed}=true`, `${LABELS.instance}=${instanceIdFor(dataDir)}`];
}

export async function instanceContainers(dataDir: string): Promise<Array<{ Id: string; State: string; Names: string[] }>> {
  return docker.listContainers({ all: true, filters: { label: instanceFilter(dataDir) } });
}

export async function removeInstance(dataDir: string): Promise<void> {
  const list = await instanceContainers(dataDir);
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
}

/** Files left under the data dir's secrets root (there must be none once containers are gone). */
export function leftoverSecretFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'run', 'secrets');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).map((p) => path.join(root, p));
}

/** Resolves when the deployment is in `name` (now or later); rejects after timeoutMs with its timeline. */
export function waitForState(d: Deployment, name: DeploymentStateName | DeploymentStateName[], timeoutMs: number): Promise<number> {
  const names = Array.isArray(name) ? name : [name];
  return new Promise((resolve, reject) => {
    if (names.includes(d.state.name)) return resolve(Date.now());
    const t = setTimeout(() => {
      d.off('state', on);
      reject(new Error(`${d.id} did not reach ${names.join('|')} within ${timeoutMs} ms; timeline: ${d.timeline().map((e) => `${e.state}(${e.reason})`).join(' -> ')}`));
    }, timeoutMs);
    const on = (s: { name: DeploymentStateName }) => {
      if (!names.includes(s.name)) return;
      clearTimeout(t);
      d.off('state', on);
      resolve(Date.now());
    };
    d.on('state', on);
  });
}

/** The GPU report of this machine: none (the trusses here ask for none). */
export const noGpu = async () => ({ gpus: [], driverVersion: null, cudaVersion: null, notFoundReason: 'test machine has no GPU', capabilities: { usable: false, via: 'none' as const } });

/**
 * The real supervisor wiring on a data dir (its stores, a GPU ledger, no gateway key), on
 * `connection` or a new connection to the engine. `over` replaces any of the deps.
 */
export async function engineSupervisor(dataDir: string, over: Partial<EngineSupervisorDeps> = {}): Promise<EngineSupervisor & { connection: EngineConnection; secrets: SecretStore }> {
  const secrets = over.secrets ?? new SecretStore({ file: path.join(dataDir, 'secrets.json') });
  const settings = over.settings ?? new SettingsStore({ file: path.join(dataDir, 'settings.json'), secrets });
  await settings.load();
  let connection = over.connection;
  if (!connection) {
    connection = new EngineConnection();
    connection.start();
    await connection.ping();
  }
  const es = createEngineSupervisor({
    connection,
    secrets,
    settings,
    ports: new PortMemory({ file: path.join(dataDir, 'ports.json') }),
    gpuLedger: new GpuLedger(),
    instanceId: instanceIdFor(dataDir),
    gatewayApiKey: async () => null,
    dataDir,
    gpuReport: noGpu,
    ...over,
  });
  return { ...es, connection, secrets };
}
