// A pasteable `docker run` line equivalent to what Berth creates, for the plan view and
// `berth plan`. Secret values never appear: the secrets dir is a placeholder the user fills.
import type { RunPlan } from '../plan.js';
import { shq } from './shell-quote.js';
import { CONTAINER_TRANSFER_CLI, CONTAINER_WEIGHTS_MANIFEST, MANIFEST_FILE, weightsViewPath } from './weights.js';

export interface DockerRunOptions {
  /** Host port to publish on 127.0.0.1; defaults to the server port. */
  hostPort?: number;
  /** Host dir holding one file per secret; default is a shell placeholder that explains itself. */
  secretsDir?: string;
}

export function dockerRunCommand(plan: RunPlan, opts: DockerRunOptions = {}): string {
  const parts: string[] = ['docker run --rm', `--name ${shq(`berth-${plan.deploymentId}`)}`];
  if (plan.gpu && plan.gpu.deviceIds.length) {
    // A CDI engine takes named devices; the NVIDIA runtime takes --gpus with the UUIDs.
    if (plan.gpu.via === 'cdi') for (const d of plan.gpu.deviceIndexes ?? plan.gpu.deviceIds) parts.push(`--device nvidia.com/gpu=${d}`);
    else parts.push(`--gpus '"device=${plan.gpu.deviceIds.join(',')}"'`);
  }
  const hostPort = opts.hostPort ?? plan.serverPort;
  parts.push(`-p 127.0.0.1:${hostPort}:${plan.serverPort}`);
  if (plan.secrets.length) {
    const dir = opts.secretsDir
      ? shq(opts.secretsDir)
      : `"\${BERTH_SECRETS_DIR:?set BERTH_SECRETS_DIR to a dir with one file per secret: ${plan.secrets.join(' ')}}"`;
    parts.push(`-v ${dir}:/secrets:ro`);
  }
  if (plan.dataMount) parts.push(`-v ${shq(`${plan.dataMount.source}:${plan.dataMount.target}:ro`)}`);
  if (plan.hfCache) parts.push(`-v ${shq(`${plan.hfCache.source}:${plan.hfCache.target}`)}`);
  // Weights views are hardlinks into the cache: read-only so a server cannot alter the cache's bytes.
  if (plan.weightsView) {
    for (const w of plan.weights) if (w.target) parts.push(`-v ${shq(`${weightsViewPath(plan.weightsView, w)}:${w.target}:ro`)}`);
    parts.push(`-v ${shq(`${plan.weightsView}/${MANIFEST_FILE}:${CONTAINER_WEIGHTS_MANIFEST}:ro`)}`);
  }
  if (plan.transferCli) parts.push(`-v ${shq(`${plan.transferCli}:${CONTAINER_TRANSFER_CLI}:ro`)}`);
  parts.push(`--shm-size ${shmText(plan.shmSizeBytes)}`);
  if (plan.user) parts.push(`--user ${shq(plan.user)}`);
  if (plan.nanoCpus) parts.push(`--cpus ${trimNum(plan.nanoCpus / 1e9)}`);
  if (plan.memoryBytes) parts.push(`--memory ${plan.memoryBytes}`);
  for (const [k, v] of Object.entries(plan.env)) parts.push(`-e ${shq(`${k}=${v}`)}`);
  if (plan.entrypoint.length) {
    const [cmd, ...args] = plan.entrypoint;
    parts.push(`--entrypoint ${shq(cmd)}`, shq(plan.runImage), ...args.map(shq));
  } else {
    parts.push(shq(plan.runImage));
  }
  return parts.join(' \\\n  ');
}

function shmText(bytes: number): string {
  const g = 2 ** 30;
  const m = 2 ** 20;
  if (bytes % g === 0) return `${bytes / g}g`;
  if (bytes % m === 0) return `${bytes / m}m`;
  return String(bytes);
}

function trimNum(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
