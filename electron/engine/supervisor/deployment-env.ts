// What a Deployment needs from the rest of the engine, as narrow interfaces. The real
// wiring (default-env.ts) adapts the docker/gateway/gpu/secrets/store modules to these;
// unit tests pass small fakes. Keeping them narrow is what lets the lifecycle logic be
// tested without a GPU or an engine.
import type { ModelContainer } from '../docker/container.js';
import type { RunPlan } from '../../../shared/plan.js';
import type { PullProgress, GatewayMetrics } from '../../../shared/deployment.js';
import type { ApiConfigIssue, BuildProgress, WeightsProgress } from '../../../shared/api/types.js';
import type { DeploymentStateName } from '../../../shared/deployment.js';
import type { GpuAsk, GpuInfo } from '../../../shared/gpu.js';

export interface PreparedPlan {
  plan: RunPlan | null;
  issues: ApiConfigIssue[];
  configText: string;
  modelName: string;
}

export interface PrepareOptions {
  cpuOnly: boolean;
  /**
   * A start: called once, after the config is read and before the plan is built, with what the
   * config asks for and the machine's GPUs; reserves them (the caller owns the lease) and
   * returns the granted UUIDs, which the plan (built once) uses. Not called for a CPU run or
   * when the machine cannot give GPUs (the plan says why). Absent: a preview, reserving nothing.
   */
  acquireGpus?: (ask: GpuAsk, gpus: GpuInfo[]) => string[];
  /** A preview of a deployment that holds GPUs (running): planned on those. */
  heldGpuIds?: string[];
}

/** A model container as the supervisor drives it: the docker layer's handle. */
export type ContainerRef = ModelContainer;

export interface ContainerFacts {
  id: string;
  name: string;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  labels: Record<string, string>;
  hostPort: number | null;
  gpuDeviceIds: string[];
  secretsDir: string | null;
}

export interface GatewayGate {
  ready: boolean;
  state: DeploymentStateName;
  reason: string;
}

export interface GatewayPort {
  url: string;
  port: number;
  setUpstream(u: { host: string; port: number } | null): void;
  setGate(g: GatewayGate): void;
  close(): Promise<void>;
  /** Returns a disposer that removes the listener (close() removes any left too). */
  onMetrics?(fn: (m: GatewayMetrics) => void): () => void;
}

export interface LogSink {
  /** Lines Berth itself writes into the deployment log (transitions, build output). */
  system(text: string): void;
  /** The last n lines the container printed, for crash reasons. */
  lastLines(n: number): string[];
}

export interface ImageResult {
  id: string;
  digest?: string;
  pulled: boolean;
}

/** GPUs reserved for one start of a deployment; release() is idempotent and never frees a newer lease's devices. */
export interface GpuLease {
  /** Device UUIDs. */
  readonly deviceIds: string[];
  release(): void;
}

export interface GpuLedgerPort {
  /**
   * Reserves GPUs for the deployment (honouring the sharing setting); `adopt`: a re-adopted
   * container's devices, kept as they are. Throws BerthError when too few may be given.
   */
  acquire(deploymentId: string, ask: GpuAsk, gpus: GpuInfo[], opts?: { adopt?: string[] }): GpuLease;
}

export interface DeploymentEnv {
  prepare(configPath: string, opts: PrepareOptions): Promise<PreparedPlan>;
  gpus: GpuLedgerPort;
  /** Secret values for plan.secrets; throws BerthError SECRET_MISSING naming the missing ones. */
  resolveSecrets(plan: RunPlan): Promise<Record<string, string>>;
  ensureImage(plan: RunPlan, opts: { repull: boolean; signal?: AbortSignal; onProgress: (p: PullProgress) => void }): Promise<ImageResult>;
  buildImage(plan: RunPlan, opts: { secretValues: Record<string, string>; signal?: AbortSignal; onProgress: (p: BuildProgress) => void; onLine: (line: string) => void }): Promise<void>;
  /**
   * The weights stage (plan.weights non-empty): fetch into the host's Hugging Face cache and
   * lay out the deployment's view. Rejects with a BerthError (gated, not found, disk full...);
   * aborting the signal stops it with partial data kept for a resume.
   */
  fetchWeights(plan: RunPlan, opts: { signal: AbortSignal; onProgress: (p: WeightsProgress) => void; onLine: (line: string) => void }): Promise<{ warnings: string[]; summary: string }>;
  createContainer(plan: RunPlan, opts: { secretValues: Record<string, string> }): Promise<ContainerRef>;
  /** After start, for a GPU deployment: a line saying which GPUs the container really sees. */
  confirmGpus?(containerId: string, wanted: number): Promise<string>;
  /** A handle for an existing container (re-adoption). */
  attachContainer(facts: ContainerFacts): ContainerRef;
  inspectContainer(id: string): Promise<ContainerFacts | null>;
  /** Follows the container's output into the deployment log; returns a stopper. */
  followLogs(containerId: string): () => void;
  log: LogSink;
  openGateway(plan: RunPlan): Promise<GatewayPort>;
}

/** Docker engine event, reduced to what the lifecycle uses. */
export interface ContainerEvent {
  action: 'die' | 'oom' | 'start' | 'kill' | 'stop' | 'destroy';
  containerId: string;
  time: number;
  exitCode?: number;
  signal?: string;
}
