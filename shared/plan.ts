// The run plan: everything needed to run one truss locally, computed by a pure function
// (shared/truss/plan.ts) from config + truss dir facts + machine facts + settings.
// The engine turns it into a container; the UI shows it; `berth plan` prints it.
import type { WeightsEntry } from './truss/weights.js';

export interface ProbeSettings {
  readinessPath: string;
  livenessPath: string;
  /** Probe period after startup, ms (platform: 10 s; Berth setting may change it). */
  periodMs: number;
  /** Poll period during startup, ms: short so Ready is seen within 250 ms. */
  startupPollMs: number;
  startupThresholdS: number;
  stopTrafficThresholdS: number;
  restartThresholdS: number;
  restartCheckDelayS: number;
}

export interface BuildStep {
  kind: 'system_packages' | 'requirements_file' | 'requirements' | 'data' | 'external_data' | 'build_command';
  /** Shell run inside the build container (absent for 'data', which is a copy). */
  run?: string;
  /** For 'data': truss-relative source dir; destination is always /app/data. */
  source?: string;
  /** For external_data: url and in-image path. */
  url?: string;
  target?: string;
}

export interface BuildPlan {
  baseImage: string;
  steps: BuildStep[];
  /** Files from the truss dir the build reads (relative paths). */
  inputs: string[];
  /** Content hash of base image ref + steps + input file contents. */
  hash: string;
  /** Tag of the derived image, e.g. berth-build/<model>:<hash12>. */
  tag: string;
  /** Secret names the build commands reference (mounted at /secrets/<name> during build only). */
  secrets: string[];
}

export interface GpuRequest {
  /** Accelerator type asked for in config, e.g. "H100". null when CPU run chosen explicitly. */
  accelerator: string | null;
  count: number;
  /** Device UUIDs the ledger granted (placement order); empty when not yet assigned. */
  deviceIds: string[];
  /** How the engine is asked for them (GpuCapabilities.via); absent: the NVIDIA runtime. */
  via?: 'nvidia-runtime' | 'cdi';
  /** nvidia-smi index of each device in deviceIds: CDI names devices by index. */
  deviceIndexes?: number[];
}

export type TransportKind = 'http' | 'websocket' | 'grpc';

export interface GatewayRoutes {
  predictEndpoint: string;
  transport: TransportKind;
  /** Human list of the routes the gateway serves, for 404 bodies and the UI. */
  routes: string[];
}

export interface RunPlan {
  /** Stable id for the deployment derived from config path (slug + short hash). */
  deploymentId: string;
  modelName: string;
  configPath: string;
  trussDir: string;
  /** Image to pull (base_image.image). */
  image: string;
  /** Moving tag such as :latest or no tag: warn and offer re-pull. */
  movingTag: boolean;
  build: BuildPlan | null;
  /** Image the container runs: build.tag when building, else image. */
  runImage: string;
  /** ['sh','-c', start_command]; entrypoint is replaced. */
  entrypoint: string[];
  env: Record<string, string>;
  secrets: string[];
  /** Mount truss data/ at /app/data when present and not built into the image. */
  dataMount: { source: string; target: '/app/data' } | null;
  serverPort: number;
  gpu: GpuRequest | null;
  user: string | null;
  shmSizeBytes: number;
  nanoCpus: number | null;
  memoryBytes: number | null;
  /** The host's Hugging Face hub cache, mounted read-write as the container's own (HF_HOME/hub). */
  hfCache: { source: string; target: string } | null;
  /** model_cache / weights entries fetched before the container starts (empty: no weights stage). */
  weights: WeightsEntry[];
  /** Host folder with this deployment's weights views (one per entry with a target), or null. */
  weightsView: string | null;
  /** Host path of Berth's truss-transfer-cli, mounted at /usr/local/bin/truss-transfer-cli in every container. */
  transferCli: string | null;
  labels: Record<string, string>;
  probes: ProbeSettings;
  gateway: GatewayRoutes;
  predictConcurrency: number;
  warnings: string[];
  /** Hash over everything that shapes the container: a running container with the same hash is re-adopted. */
  planHash: string;
}

/** Labels Berth puts on what it creates; recovery finds its own things by these. */
export const LABELS = {
  managed: 'dev.berth.managed',
  deployment: 'dev.berth.deployment',
  model: 'dev.berth.model',
  planHash: 'dev.berth.plan-hash',
  configPath: 'dev.berth.config-path',
  instance: 'dev.berth.instance',
} as const;
