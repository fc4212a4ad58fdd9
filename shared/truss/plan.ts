// buildRunPlan: the pure step from a parsed config + truss dir facts + machine facts +
// settings to the RunPlan the engine executes, the UI shows and `berth plan` prints.
import type { BuildPlan, BuildStep, GatewayRoutes, GpuRequest, ProbeSettings, RunPlan } from '../plan.js';
import { LABELS, type TransportKind } from '../plan.js';
import { servedRoutes } from '../routes.js';
import type { GpuCapabilities, GpuInfo } from '../gpu.js';
import { gpuPlacementWarnings, holdersByUuid, placeGpus, resolveGpuIds } from '../gpu.js';
import type { BerthErrorCode } from '../errors.js';
import type { TrussConfig } from './schema.js';
import type { ConfigIssue, SourcePos } from './issues.js';
import { formatAccelerator } from './accelerators.js';
import { hashOf, sha256Hex } from './hash.js';
import { shq } from './shell-quote.js';
import { defaultBaseImage, isMovingTag } from './image-ref.js';
import { formatBytes } from './units.js';
import { BUILD_INPUT_DIR, PLATFORM_HEALTH_DEFAULT_S, PLATFORM_HEALTH_MAX_S } from './constants.js';
import { CONTAINER_HF_HOME, CONTAINER_HF_HUB_CACHE, TRANSFER_CLI_FILE, weightsEntries } from './weights.js';

export { dockerRunCommand } from './docker-run.js';

export interface PlanSettings {
  /** The user chose to run without a GPU; never implied. */
  cpuOnly: boolean;
  /** /dev/shm size: PyTorch/vLLM workers share tensors through it; Docker's 64 MiB default breaks them. */
  shmSizeBytes: number;
  /** Apply resources.cpu/memory as container limits (off: the platform defaults, 1 CPU/2Gi, would starve a local model). */
  applyResourceLimits: boolean;
  /**
   * The host's Hugging Face hub cache (HF_HUB_CACHE etc., resolved by the engine), mounted as
   * the container's own cache so servers that fetch by repo id share it; null: not shared.
   */
  hfHubCache: string | null;
  /** Host folder under which each deployment's weights views (hardlinks into the cache) live. */
  weightsViewsRoot: string | null;
  /** Probe period after startup (platform: 10 s). */
  probePeriodMs: number;
  /** Poll period during startup, so Ready shows within a few hundred ms. */
  startupPollMs: number;
}

export const defaultPlanSettings: PlanSettings = {
  cpuOnly: false,
  shmSizeBytes: 8 * 2 ** 30,
  applyResourceLimits: false,
  hfHubCache: null,
  weightsViewsRoot: null,
  probePeriodMs: 10_000,
  startupPollMs: 100,
};

export { BUILD_INPUT_DIR, PLATFORM_HEALTH_DEFAULT_S };

export interface TrussFacts {
  hasDataDir: boolean;
  /** Truss-relative path (forward slashes) -> sha256 hex of the content, for build inputs. */
  fileHashes: Record<string, string>;
}

export interface MachineFacts {
  gpus: GpuInfo[];
  gpuCapabilities: GpuCapabilities;
  /** Device ids (index strings or UUIDs) held by other running deployments. */
  heldDeviceIds: string[];
  /** Device id -> the other deployments holding it (the ledger's view; names them in warnings). */
  gpuHolders?: Record<string, string[]>;
  /** Setting "Let two models share a GPU": held GPUs may be planned on. */
  allowGpuSharing?: boolean;
  /**
   * Devices the ledger granted this start (UUIDs): the plan uses exactly these and places
   * nothing itself. Absent (a preview, `berth plan`): placed here, reserving nothing.
   */
  grantedDeviceIds?: string[];
}

export interface PlanInput {
  config: TrussConfig;
  configPath: string;
  trussDir: string;
  trussFacts: TrussFacts;
  machine: MachineFacts;
  settings?: Partial<PlanSettings>;
  /** From parseTrussConfig: positions of keys, so plan issues point at the right line. */
  positions?: Record<string, SourcePos>;
}

export interface PlanResult {
  plan: RunPlan | null;
  issues: ConfigIssue[];
}

export function buildRunPlan(input: PlanInput): PlanResult {
  const settings: PlanSettings = { ...defaultPlanSettings, ...(input.settings ?? {}) };
  const { config, configPath, trussDir, trussFacts, machine } = input;
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const at = (path: string): SourcePos => input.positions?.[path] ?? input.positions?.[path.split('.')[0]] ?? { line: 1, col: 1 };
  const report = (severity: 'error' | 'warning', path: string, message: string, hint?: string, code?: BerthErrorCode) => {
    const p = at(path);
    issues.push({ file: configPath, line: p.line, col: p.col, severity, message, ...(hint ? { hint } : {}), path, ...(code ? { code } : {}) });
    if (severity === 'warning') warnings.push(message);
  };

  const ds = config.docker_server;
  if (!ds) {
    report('error', 'docker_server', 'this config has no docker_server section: Berth runs custom-server trusses', 'add docker_server with start_command, server_port and the three endpoints');
    return { plan: null, issues };
  }

  const modelName = (config.model_name ?? '').trim() || baseName(trussDir) || 'model';
  const deploymentId = deploymentIdOf(configPath, trussDir);

  let image = config.base_image?.image;
  if (!image) {
    image = defaultBaseImage(config.python_version);
    report('warning', 'docker_server', `no base_image: using Truss's default base image ${image}`, 'set base_image.image to the image your server needs, ideally pinned by digest');
  }
  const movingTag = isMovingTag(image);
  if (movingTag) {
    report('warning', 'base_image.image', `${image} uses a moving tag: a cached local copy may be older than the registry's`, 'Berth shows the resolved digest; re-pull to update, or pin image@sha256:<digest>');
  }

  // Build
  const noBuild = ds.no_build === true;
  const py = config.base_image?.python_executable_path ?? 'python3';
  const steps: BuildStep[] = [];
  const inputs: string[] = [];
  const sysPkgs = config.system_packages ?? [];
  const reqs = config.requirements ?? [];
  const buildCommands = config.build_commands ?? [];
  const external = config.external_data ?? [];
  if (!noBuild) {
    if (sysPkgs.length) {
      steps.push({ kind: 'system_packages', run: `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends ${sysPkgs.map(shq).join(' ')} && rm -rf /var/lib/apt/lists/*` });
    }
    if (config.requirements_file) {
      const rel = config.requirements_file.replace(/\\/g, '/').replace(/^\.\//, '');
      if (!(rel in trussFacts.fileHashes)) {
        report('error', 'requirements_file', `requirements_file '${rel}' was not found in ${trussDir}`, 'create the file next to config.yaml or fix the path (it is relative to the truss directory)', 'CONFIG_INVALID');
      }
      inputs.push(rel);
      const base = rel.split('/').pop()!;
      const target = `${BUILD_INPUT_DIR}/${base}`;
      let run: string;
      if (base === 'uv.lock') {
        const pyproject = rel.replace(/uv\.lock$/, 'pyproject.toml');
        if (pyproject in trussFacts.fileHashes) inputs.push(pyproject);
        run = `cd ${BUILD_INPUT_DIR} && (command -v uv >/dev/null || ${py} -m pip install --no-cache-dir uv) && uv export --frozen --no-dev --no-emit-project --no-hashes -o requirements.lock.txt && ${py} -m pip install --no-cache-dir -r requirements.lock.txt`;
      } else if (base === 'pyproject.toml') {
        run = `(command -v uv >/dev/null || ${py} -m pip install --no-cache-dir uv) && uv pip install --system --python ${py} -r ${target}`;
      } else {
        run = `${py} -m pip install --no-cache-dir -r ${target}`;
      }
      steps.push({ kind: 'requirements_file', source: rel, target, run });
    }
    if (reqs.length) steps.push({ kind: 'requirements', run: `${py} -m pip install --no-cache-dir ${reqs.map(shq).join(' ')}` });
  }
  const wantsBuild = !noBuild && (steps.length > 0 || buildCommands.length > 0 || external.length > 0);
  if (wantsBuild) {
    if (trussFacts.hasDataDir) {
      steps.push({ kind: 'data', source: 'data', target: '/app/data' });
      for (const p of Object.keys(trussFacts.fileHashes).sort()) if (p.startsWith('data/')) inputs.push(p);
    }
    for (const e of external) {
      const target = `/app/data/${e.local_data_path}`;
      const dir = target.slice(0, target.lastIndexOf('/'));
      steps.push({
        kind: 'external_data',
        url: e.url,
        target,
        run: `mkdir -p ${shq(dir)} && (curl -fsSL --retry 3 -o ${shq(target)} ${shq(e.url)} || wget -q -O ${shq(target)} ${shq(e.url)})`,
      });
    }
    for (const c of buildCommands) steps.push({ kind: 'build_command', run: c });
  }
  const buildSecrets = uniq(buildCommands.flatMap(secretRefs));
  const declared = config.secrets ?? [];
  for (const s of buildSecrets) {
    if (wantsBuild && !declared.includes(s)) {
      report('warning', 'build_commands', `build_commands read /secrets/${s}, which secrets: does not declare`, `add "${s}: null" under secrets and set it with \`berth secrets set ${s}\``);
    }
  }
  let build: BuildPlan | null = null;
  if (wantsBuild) {
    const hash = hashOf({ base: image, steps, inputs: inputs.map((p) => [p, trussFacts.fileHashes[p] ?? null]) });
    build = { baseImage: image, steps, inputs, hash, tag: `berth-build/${slug(modelName)}:${hash.slice(0, 12)}`, secrets: buildSecrets };
  }

  // Entrypoint
  const start = ds.start_command?.replace(/\s+$/, '');
  let entrypoint: string[] = [];
  if (start) entrypoint = ['sh', '-c', start];
  else report('warning', 'docker_server.no_build', 'no start_command: the image runs with its own ENTRYPOINT/CMD', 'add start_command if the image does not start the server on server_port by itself');

  // Secrets: declared ones plus any the start command reads, so a missing declaration does not
  // surface only as a crash inside the container.
  const runtimeRefs = start ? secretRefs(start) : [];
  for (const s of runtimeRefs) {
    if (!declared.includes(s)) {
      report('warning', 'docker_server.start_command', `start_command reads /secrets/${s}, which secrets: does not declare; Berth mounts it anyway`, `add "${s}: null" under secrets and set it with \`berth secrets set ${s}\``);
    }
  }
  const secrets = uniq([...declared, ...runtimeRefs]);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.environment_variables ?? {})) if (v !== null) env[k] = v;

  const dataMount = trussFacts.hasDataDir && !build ? { source: joinPath(trussDir, 'data'), target: '/app/data' as const } : null;

  // Weights: fetched by the engine between the image and the container (weights stage).
  const { entries: weights, problems } = weightsEntries(config);
  for (const p of problems) report('error', p.path, p.message, p.hint, 'CONFIG_INVALID');
  const hfCache = settings.hfHubCache ? { source: settings.hfHubCache, target: CONTAINER_HF_HUB_CACHE } : null;
  if (hfCache) {
    // The container's Hugging Face client looks where the host's files are: HF_HOME/hub.
    if (!('HF_HOME' in env)) env.HF_HOME = CONTAINER_HF_HOME;
    if (!('HF_HUB_CACHE' in env)) env.HF_HUB_CACHE = CONTAINER_HF_HUB_CACHE;
  }
  if (weights.some((w) => w.target === null) && !hfCache) {
    report('warning', 'model_cache', 'model_cache entries with use_volume: false live in the Hugging Face cache, which this Berth does not share with containers', 'turn on "Share the Hugging Face cache" in Settings, or use use_volume: true');
  }
  const weightsView = weights.length && settings.weightsViewsRoot ? joinPath(settings.weightsViewsRoot, deploymentId) : null;
  // Every container gets truss-transfer-cli: real configs call it before their server.
  const transferCli = settings.weightsViewsRoot ? joinPath(settings.weightsViewsRoot, TRANSFER_CLI_FILE) : null;

  // GPU
  const acc = config.resources?.accelerator ?? null;
  let gpu: GpuRequest | null = null;
  if (acc) {
    const want = formatAccelerator(acc);
    if (settings.cpuOnly) {
      report('warning', 'resources.accelerator', `CPU run chosen: config asks for ${want}, but the container gets no GPU; expect it to be slow or to fail if the server needs CUDA`);
    } else {
      const local = describeGpus(machine.gpus);
      if (machine.gpus.length === 0) {
        report('error', 'resources.accelerator', `config asks for ${want}, but no NVIDIA GPU was found on this machine`, 'install the NVIDIA driver (nvidia-smi must work), or choose an explicit CPU run (--cpu on the command line, or Start on CPU instead in the app)', 'GPU_UNAVAILABLE');
      } else if (!machine.gpuCapabilities.usable) {
        const why = machine.gpuCapabilities.reason ? `: ${machine.gpuCapabilities.reason}` : '';
        report('error', 'resources.accelerator', `config asks for ${want}, but Docker containers cannot use the GPUs here${why}`, `${(machine.gpuCapabilities.hint ?? 'install the NVIDIA Container Toolkit and restart Docker').replace(/\.$/, '')}; or choose an explicit CPU run (--cpu on the command line, or Start on CPU instead in the app)`, 'GPU_RUNTIME_MISSING');
      } else {
        const ask = { accelerator: acc.type, count: acc.count };
        const holders = holdersByUuid(machine.gpuHolders ?? {}, machine.gpus);
        for (const id of machine.heldDeviceIds) {
          const key = resolveGpuIds([id], machine.gpus)[0]?.uuid ?? id;
          if (!holders.has(key)) holders.set(key, ['another deployment']);
        }
        const granted = machine.grantedDeviceIds ? resolveGpuIds(machine.grantedDeviceIds, machine.gpus) : [];
        // Granted by the ledger (a start): planned on as given. Else placed the way the ledger would.
        const placed = granted.length === acc.count
          ? { ok: true as const, gpus: granted, warnings: gpuPlacementWarnings(ask, granted, holders) }
          : placeGpus({ ask, gpus: machine.gpus, holders, allowSharing: !!machine.allowGpuSharing });
        if (!placed.ok) {
          const heldCount = placed.problem === 'too_few_free' ? placed.busy.length : 0;
          const heldText = heldCount ? `, ${heldCount} of them held by other deployments` : '';
          report(
            'error',
            'resources.accelerator',
            `config asks for ${want}; this machine has ${local}${heldText}`,
            `${heldCount ? 'stop another deployment to free its GPUs (or allow GPU sharing in Settings), ' : ''}lower the count (accelerator: ${acc.type}:${Math.max(1, heldCount ? placed.free.length : machine.gpus.length)}) if the model fits, or choose an explicit CPU run (--cpu on the command line, or Start on CPU instead in the app)`,
            'GPU_TOO_FEW',
          );
        } else {
          const planned: GpuRequest = {
            accelerator: acc.type,
            count: acc.count,
            deviceIds: placed.gpus.map((g) => g.uuid),
            via: machine.gpuCapabilities.via === 'cdi' ? 'cdi' : 'nvidia-runtime',
            deviceIndexes: placed.gpus.map((g) => g.index),
          };
          gpu = planned;
          for (const w of placed.warnings) {
            report('warning', 'resources.accelerator', w, /may not fit/.test(w) ? 'lower the model size or context length in start_command (e.g. vLLM --max-model-len, --gpu-memory-utilization)' : undefined);
          }
        }
      }
    }
  }

  const res = config.resources;
  if (res?.node_count && res.node_count > 1) {
    report('warning', 'resources.node_count', `node_count: ${res.node_count}: multi-node is out of scope locally; Berth runs a single node`);
  }

  const hc = config.runtime?.health_checks;
  const probes: ProbeSettings = {
    readinessPath: ds.readiness_endpoint,
    livenessPath: ds.liveness_endpoint,
    periodMs: settings.probePeriodMs,
    startupPollMs: settings.startupPollMs,
    startupThresholdS: hc?.startup_threshold_seconds ?? PLATFORM_HEALTH_DEFAULT_S,
    stopTrafficThresholdS: hc?.stop_traffic_threshold_seconds ?? PLATFORM_HEALTH_DEFAULT_S,
    ...restartTiming(hc?.restart_threshold_seconds ?? null, hc?.restart_check_delay_seconds ?? null),
  };

  const transport = config.runtime?.transport?.kind && config.runtime.transport.kind !== 'http' ? config.runtime.transport.kind : config.runtime?.is_websocket_endpoint ? 'websocket' : (config.runtime?.transport?.kind ?? 'http');
  const gateway: GatewayRoutes = { predictEndpoint: ds.predict_endpoint, transport, routes: gatewayRoutes(ds.predict_endpoint, transport) };

  const user = ds.run_as_user_id != null ? String(ds.run_as_user_id) : null;
  const nanoCpus = settings.applyResourceLimits ? Math.round((res?.cpu?.cores ?? 1) * 1e9) : null;
  const memoryBytes = settings.applyResourceLimits ? (res?.memory?.bytes ?? 2 * 2 ** 30) : null;
  const runImage = build ? build.tag : image;

  const planHash = hashOf({
    runImage,
    build: build?.hash ?? null,
    entrypoint,
    env,
    secrets,
    dataMount,
    serverPort: ds.server_port,
    // The request, never the devices: placement depends on what else held GPUs at the time,
    // and recovery must recognise a container whatever order a restarted Berth plans in.
    gpu: gpu ? { accelerator: gpu.accelerator, count: gpu.count } : null,
    user,
    shm: settings.shmSizeBytes,
    nanoCpus,
    memoryBytes,
    hfCache: hfCache?.target ?? null,
    weights: weights.map((w) => [w.repoId, w.revision, w.allowPatterns, w.ignorePatterns, w.target]),
  }).slice(0, 16);

  if (issues.some((i) => i.severity === 'error')) return { plan: null, issues };

  const labels: Record<string, string> = {
    [LABELS.managed]: 'true',
    [LABELS.deployment]: deploymentId,
    [LABELS.model]: modelName,
    [LABELS.planHash]: planHash,
    [LABELS.configPath]: configPath,
  };

  const plan: RunPlan = {
    deploymentId,
    modelName,
    configPath,
    trussDir,
    image,
    movingTag,
    build,
    runImage,
    entrypoint,
    env,
    secrets,
    dataMount,
    serverPort: ds.server_port,
    gpu,
    user,
    shmSizeBytes: settings.shmSizeBytes,
    nanoCpus,
    memoryBytes,
    hfCache,
    weights,
    weightsView,
    transferCli,
    labels,
    probes,
    gateway,
    predictConcurrency: config.runtime?.predict_concurrency ?? 1,
    warnings,
    planHash,
  };
  return { plan, issues };
}

/**
 * Liveness restart timing with the platform's rule, delay + restart <= 3000 s. The delay is
 * deprecated (the startup probe guards a slow start), so unset it is 0 and a hung server is
 * restarted after the restart threshold (default 1800 s), not an hour after Ready; a delay
 * set alone shortens the default threshold to fit the rule.
 */
export function restartTiming(restart: number | null, delay: number | null): { restartThresholdS: number; restartCheckDelayS: number } {
  const restartCheckDelayS = delay ?? 0;
  const restartThresholdS = restart ?? Math.min(PLATFORM_HEALTH_DEFAULT_S, PLATFORM_HEALTH_MAX_S - restartCheckDelayS);
  return { restartThresholdS, restartCheckDelayS };
}

/** The routes the gateway serves for this predict endpoint and transport (shared/routes.ts). */
export function gatewayRoutes(predict: string, transport: TransportKind): string[] {
  return servedRoutes({ predictEndpoint: predict, transport });
}

function describeGpus(gpus: GpuInfo[]): string {
  if (gpus.length === 0) return 'no GPU';
  const sizes = uniq(gpus.map((g) => `${Math.round(g.memoryTotalMiB / 1024)} GiB`));
  return `${gpus.length} GPU${gpus.length === 1 ? '' : 's'} (${sizes.join(', ')})`;
}

/** Names of secrets a shell command reads as /secrets/<name>. */
export function secretRefs(cmd: string): string[] {
  const out: string[] = [];
  for (const m of cmd.matchAll(/\/secrets\/([A-Za-z0-9_.-]+)/g)) out.push(m[1].replace(/\.+$/, ''));
  return uniq(out.filter(Boolean));
}

/**
 * A deployment's id: the truss folder's name plus a hash of the config file's path. It
 * depends on the location only, so editing the config (model_name included) keeps it.
 */
export function deploymentIdOf(configPath: string, trussDir: string): string {
  return `${slug(baseName(trussDir) || 'model')}-${sha256Hex(configPath).slice(0, 8)}`;
}

export function slug(s: string): string {
  const out = s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return out || 'model';
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function baseName(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
}

function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}

export { formatBytes };
