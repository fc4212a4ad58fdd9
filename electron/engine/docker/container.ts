// The model container, exactly as the platform would run it: `sh -c start_command` in place
// of the image's entrypoint, the plan's env only, secrets as read-only files, the server
// port published on 127.0.0.1 only, GPUs by device id.
import { createServer } from 'node:net';
import type Docker from 'dockerode';
import { BerthError } from '../../../shared/errors.js';
import { LABELS, type RunPlan } from '../../../shared/plan.js';
import { explainGpuEngineError } from '../gpu/explain.js';
import { defaultSecretsRoot, writeSecretsDir } from './secrets-dir.js';
import { CONTAINER_TRANSFER_CLI, CONTAINER_WEIGHTS_MANIFEST, MANIFEST_FILE, weightsViewPath } from '../../../shared/truss/weights.js';
import { refuseLocalFilesOnRemoteEngine } from '../remote/docker-host.js';

export interface CreateContainerOptions {
  /** Secret values by name; every plan.secrets name must be present. */
  secretValues: Record<string, string>;
  /** Host port on 127.0.0.1; 0 or absent picks a free one. */
  hostPort?: number;
  instanceId: string;
  /** Where per-container secrets dirs live (default $BERTH_HOME/run/secrets). */
  secretsRoot?: string;
  /** Extra labels (e.g. test markers); Berth's own labels always win. */
  extraLabels?: Record<string, string>;
  /**
   * How the engine hands out GPUs (GpuCapabilities.via); default: what the planner recorded on
   * plan.gpu.via. 'cdi' requests `nvidia.com/gpu=<index>` devices.
   */
  gpuVia?: 'nvidia-runtime' | 'cdi' | 'none';
}

export interface ModelContainer {
  id: string;
  name: string;
  hostPort: number;
  secretsDir: string | null;
  start(): Promise<void>;
  stop(timeoutS?: number): Promise<void>;
  remove(): Promise<void>;
}

/**
 * `docker rm -f` as Berth needs it: a container already gone (404) or being removed by
 * someone else (409 "already in progress") counts as removed. Right after a dockerd restart
 * the engine can fail to unmount the old root filesystem ("device or resource busy") and
 * leave the container Dead; a moment later the same removal succeeds, so it is retried a
 * bounded number of times before the error is reported.
 */
export async function forceRemove(container: Docker.Container, opts: { volumes?: boolean; attempts?: number; delayMs?: number } = {}): Promise<void> {
  const attempts = opts.attempts ?? 8;
  for (let i = 1; ; i++) {
    try {
      await container.remove({ force: true, v: opts.volumes ?? false });
      return;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      const text = String((err as Error).message);
      if (status === 404 || (status === 409 && /already in progress/i.test(text))) return;
      if (i >= attempts || !/device or resource busy|failed to remove root filesystem/i.test(text)) throw err;
      await new Promise((r) => setTimeout(r, (opts.delayMs ?? 250) * i));
    }
  }
}

export function containerName(deploymentId: string): string {
  return `berth-${deploymentId}`;
}

export function gpuRuntimeMissingError(): BerthError {
  return new BerthError(
    'GPU_RUNTIME_MISSING',
    'Docker cannot give GPUs to containers: the NVIDIA Container Toolkit is not set up for this engine.',
    'Install the NVIDIA Container Toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker`, then restart Docker (`sudo systemctl restart docker`). Or choose an explicit CPU run for this model.',
  );
}

function engineText(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string } | null;
  return String(e?.json?.message ?? e?.message ?? err ?? '').replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}

/** Maps engine start/create failures to what the user can do about them. */
export function translateContainerError(err: unknown, ctx: { hostPort: number; image: string; name: string }): BerthError {
  const text = engineText(err);
  // The gpu area knows the driver/toolkit/CDI failure modes apart; the CPU-run way out is ours to add.
  const gpu = explainGpuEngineError(text);
  if (gpu) {
    if (gpu.code !== 'GPU_RUNTIME_MISSING' || /CPU run/.test(gpu.hint ?? '')) return gpu;
    return new BerthError(gpu.code, gpu.message, `${gpu.hint ?? ''} Or choose an explicit CPU run for this model.`.trim());
  }
  if (/could not select device driver .* with capabilities: \[\[gpu\]\]/.test(text)) return gpuRuntimeMissingError();
  if (/port is already allocated|address already in use/i.test(text)) {
    return new BerthError('PORT_IN_USE', `Port ${ctx.hostPort} on 127.0.0.1 is already in use.`, 'Stop whatever listens there, or let Berth pick a free port (port 0 / clear the port setting).');
  }
  if (/No such image/i.test(text)) return new BerthError('IMAGE_NOT_FOUND', `Image ${ctx.image} is not on this engine.`, 'Pull it again (Re-pull) and retry.');
  if (/unable to find user|no matching entries in passwd/i.test(text)) {
    return new BerthError('CONTAINER_FAILED', `The user the container should run as does not exist in ${ctx.image}.`, 'Fix docker_server.run_as_user_id in config.yaml to a UID that exists in the image.');
  }
  if (/is already in use by container|Conflict/i.test(text)) {
    return new BerthError('CONTAINER_FAILED', `A container named ${ctx.name} already exists and is not Berth's.`, `Remove or rename it: \`docker rm -f ${ctx.name}\`, then retry.`);
  }
  if (/mounts denied|not shared from the host|bind source path does not exist/i.test(text)) {
    return new BerthError('CONTAINER_FAILED', `Docker could not mount a host folder into ${ctx.name}: ${text.slice(0, 200)}`, 'With Docker Desktop, add the folder under Settings > Resources > File sharing; with a remote engine, run Berth on the engine host.');
  }
  return new BerthError('CONTAINER_FAILED', `Docker could not run ${ctx.name}: ${text.split('\n')[0].slice(0, 300)}`, 'Check `docker logs` / `docker inspect` for the container, fix the cause and retry.');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function pickPort(requested: number | undefined): Promise<number> {
  if (requested && requested > 0) {
    if (!(await canListen(requested))) {
      throw new BerthError('PORT_IN_USE', `Port ${requested} on 127.0.0.1 is already in use.`, 'Stop whatever listens there, or choose another port (0 lets Berth pick a free one).');
    }
    return requested;
  }
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** uid/gid of the user the container process runs as, when it is numeric (else null). */
export function numericOwner(user: string | null | undefined): { uid: number; gid: number } | null {
  const u = (user ?? '').trim();
  if (!u || u === 'root') return { uid: 0, gid: 0 };
  const m = /^(\d+)(?::(\d+))?$/.exec(u);
  if (!m) return null;
  const uid = Number(m[1]);
  return { uid, gid: m[2] !== undefined ? Number(m[2]) : uid };
}

/**
 * HostConfig.DeviceRequests for the plan's GPUs. How the engine is asked follows its capability
 * (GpuCapabilities.via), which the planner records on plan.gpu (`via`) unless `via` says
 * otherwise: the NVIDIA runtime takes the device UUIDs; CDI takes `nvidia.com/gpu=<index>`,
 * the names `nvidia-ctk cdi generate` gives by default.
 */
export function gpuDeviceRequests(gpu: RunPlan['gpu'], via?: 'nvidia-runtime' | 'cdi' | 'none'): Docker.DeviceRequest[] | undefined {
  if (!gpu || !(gpu.deviceIds.length || gpu.count > 0)) return undefined;
  if ((via ?? gpu.via) === 'cdi') {
    const names = gpu.deviceIndexes?.length === gpu.deviceIds.length ? gpu.deviceIndexes.map(String) : gpu.deviceIds;
    return [{ Driver: 'cdi', DeviceIDs: (names.length ? names : ['all']).map((d) => (d.includes('=') ? d : `nvidia.com/gpu=${d}`)) }];
  }
  return [gpu.deviceIds.length ? { Driver: 'nvidia', DeviceIDs: gpu.deviceIds, Capabilities: [['gpu']] } : { Driver: 'nvidia', Count: gpu.count, Capabilities: [['gpu']] }];
}

export async function createModelContainer(docker: Docker, plan: RunPlan, opts: CreateContainerOptions): Promise<ModelContainer> {
  const missing = plan.secrets.filter((s) => typeof opts.secretValues[s] !== 'string');
  if (missing.length) {
    throw new BerthError(
      'SECRET_MISSING',
      `Secret${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no value in Berth.`,
      `Set ${missing.length > 1 ? 'them' : 'it'} on the Secrets page (or \`berth secrets set ${missing[0]}\`), then start again.`,
    );
  }
  const name = containerName(plan.deploymentId);
  const hostPort = await pickPort(opts.hostPort);

  let imageUser = '';
  try {
    imageUser = (await docker.getImage(plan.runImage).inspect()).Config?.User ?? '';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw new BerthError('IMAGE_NOT_FOUND', `Image ${plan.runImage} is not on this engine.`, 'Pull (or build) it first, then start again.');
    throw translateContainerError(err, { hostPort, image: plan.runImage, name });
  }

  // A remote engine (DOCKER_HOST=ssh://) cannot mount this computer's files: say what to use instead.
  refuseLocalFilesOnRemoteEngine(docker, [plan.secrets.length ? 'secrets' : '', plan.dataMount ? 'data/' : '', plan.hfCache ? 'the Hugging Face cache' : '', plan.weightsView ? 'weights' : '', plan.transferCli ? 'the weights fetcher' : ''].filter(Boolean));
  // Engine calls that can fail come before the secrets touch the disk.
  const binds: string[] = [];
  let secrets: Awaited<ReturnType<typeof writeSecretsDir>> | null = null;
  if (plan.secrets.length) {
    const values: Record<string, string> = {};
    for (const s of plan.secrets) values[s] = opts.secretValues[s];
    secrets = await writeSecretsDir(opts.secretsRoot ?? defaultSecretsRoot(), opts.instanceId, values, numericOwner(plan.user ?? imageUser));
    binds.push(`${secrets.mountSource}:/secrets:ro`);
  }
  if (plan.dataMount) binds.push(`${plan.dataMount.source}:${plan.dataMount.target}:ro`);

  const env = Object.entries(plan.env).map(([k, v]) => `${k}=${v}`);
  const mounts: Docker.MountConfig = [];
  // The host's Hugging Face cache is the container's own (HF_HOME/HF_HUB_CACHE in plan.env).
  if (plan.hfCache) binds.push(`${plan.hfCache.source}:${plan.hfCache.target}`);
  // Weights views are hardlinks to the cache's blobs: read-only, or a server writing into its
  // model folder would change the cache's bytes for every other deployment.
  if (plan.weightsView) {
    for (const w of plan.weights) if (w.target) binds.push(`${weightsViewPath(plan.weightsView, w)}:${w.target}:ro`);
    binds.push(`${plan.weightsView}/${MANIFEST_FILE}:${CONTAINER_WEIGHTS_MANIFEST}:ro`);
  }
  if (plan.transferCli) binds.push(`${plan.transferCli}:${CONTAINER_TRANSFER_CLI}:ro`);

  const labels: Record<string, string> = {
    ...(opts.extraLabels ?? {}),
    ...plan.labels,
    [LABELS.managed]: 'true',
    [LABELS.deployment]: plan.deploymentId,
    [LABELS.model]: plan.modelName,
    [LABELS.planHash]: plan.planHash,
    [LABELS.configPath]: plan.configPath,
    [LABELS.instance]: opts.instanceId,
  };
  const portKey = `${plan.serverPort}/tcp`;
  const deviceRequests = gpuDeviceRequests(plan.gpu, opts.gpuVia);

  const spec: Docker.ContainerCreateOptions = {
    name,
    Image: plan.runImage,
    Entrypoint: plan.entrypoint,
    Cmd: [],
    Env: env,
    Labels: labels,
    ExposedPorts: { [portKey]: {} },
    ...(plan.user ? { User: plan.user } : {}),
    HostConfig: {
      // Docker's 'local' log driver: faster to read back than json-file, rotated by default,
      // and `docker logs` works whatever the daemon's default driver is.
      LogConfig: { Type: 'local', Config: {} },
      PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] },
      Binds: binds,
      Mounts: mounts,
      ShmSize: plan.shmSizeBytes || undefined,
      ...(plan.nanoCpus ? { NanoCpus: plan.nanoCpus } : {}),
      ...(plan.memoryBytes ? { Memory: plan.memoryBytes } : {}),
      ...(deviceRequests ? { DeviceRequests: deviceRequests } : {}),
      // Berth restarts crashed containers itself (back-off, crash-loop state); the engine must not.
      RestartPolicy: { Name: 'no' },
      Init: false,
    },
  };

  let container: Docker.Container;
  try {
    container = await createReplacingStale(docker, spec, plan.deploymentId);
  } catch (err) {
    await secrets?.cleanup();
    throw err instanceof BerthError ? err : translateContainerError(err, { hostPort, image: plan.runImage, name });
  }

  const ctx = { hostPort, image: plan.runImage, name };
  return {
    id: container.id,
    name,
    hostPort,
    secretsDir: secrets?.root ?? null,
    async start() {
      try {
        await container.start();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 304) return; // already running
        throw translateContainerError(err, ctx);
      }
    },
    async stop(timeoutS = 10) {
      try {
        await container.stop({ t: timeoutS });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code === 304 || code === 404) return; // already stopped / gone
        throw translateContainerError(err, ctx);
      }
    },
    async remove() {
      try {
        await forceRemove(container);
      } catch (err) {
        await secrets?.cleanup();
        throw translateContainerError(err, ctx);
      }
      await secrets?.cleanup();
    },
  };
}

/** Creates the container; a stopped leftover of the same deployment (Berth's own) is replaced. */
async function createReplacingStale(docker: Docker, spec: Docker.ContainerCreateOptions, deploymentId: string): Promise<Docker.Container> {
  try {
    return await docker.createContainer(spec);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    const old = docker.getContainer(spec.name!);
    const info = await old.inspect().catch(() => null);
    const ours = info?.Config.Labels?.[LABELS.managed] === 'true' && info?.Config.Labels?.[LABELS.deployment] === deploymentId;
    if (!info || !ours) throw err;
    if (info.State.Running) {
      throw new BerthError('CONTAINER_FAILED', `${spec.name} is already running.`, 'Stop the running deployment first (or let Berth adopt it on restart).');
    }
    await forceRemove(old);
    return docker.createContainer(spec);
  }
}

export interface DeviceConfirmation {
  /** Device ids the container asked for (HostConfig.DeviceRequests). */
  requested: string[];
  /** `nvidia-smi -L` lines inside the container; null when it could not run there. */
  visible: string[] | null;
  note?: string;
}

/** After start: which GPUs the container asked for and, when nvidia-smi exists inside, which it sees. */
export async function confirmDevices(docker: Docker, containerId: string, timeoutMs = 10_000): Promise<DeviceConfirmation> {
  const c = docker.getContainer(containerId);
  const info = await c.inspect();
  const reqs = (info.HostConfig as { DeviceRequests?: Array<{ DeviceIDs?: string[] | null; Count?: number }> | null }).DeviceRequests ?? [];
  const requested = reqs.flatMap((r) => r.DeviceIDs ?? (r.Count ? [`count:${r.Count}`] : []));
  if (!info.State.Running) return { requested, visible: null, note: 'container is not running' };
  try {
    const exec = await c.exec({ Cmd: ['nvidia-smi', '-L'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        stream.destroy();
        resolve();
      }, timeoutMs);
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        clearTimeout(t);
        resolve();
      });
    });
    const { ExitCode } = await exec.inspect();
    const text = demuxToText(Buffer.concat(chunks));
    if (ExitCode !== 0) return { requested, visible: null, note: 'nvidia-smi is not available in the container' };
    return { requested, visible: text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('GPU ')) };
  } catch {
    return { requested, visible: null, note: 'could not run nvidia-smi in the container' };
  }
}

function demuxToText(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.toString('utf8', i + 8, Math.min(buf.length, i + 8 + size));
    i += 8 + size;
  }
  return out;
}
