// What BerthService needs from the managers, as small interfaces. runtime.ts adapts the
// real managers (supervisor, docker, gpu, secrets, store) to these, so the service and both
// transports do not change when a manager's internals do.
import type { DeploymentState, DeploymentSummary, GatewayMetrics, LogLine, ProbeResult, TimelineEvent } from '../../../shared/deployment.js';
import type { GpuReport, GpuSample } from '../../../shared/gpu.js';
import type { RunPlan } from '../../../shared/plan.js';
import type { ApiConfigIssue, BerthSettings, DeploymentProgress, EngineStatus, LogPage, RecentEntry, TaskInfo, ValidateResult } from '../../../shared/api/index.js';

import type { RequestLogs } from '../gateway/history/request-log.js';

export type Unsubscribe = () => void;

export type DeploymentEvent =
  | { type: 'state'; state: DeploymentState }
  | { type: 'timeline'; event: TimelineEvent }
  | { type: 'log'; lines: LogLine[] }
  | { type: 'probe'; probe: ProbeResult }
  | { type: 'progress'; progress: DeploymentProgress }
  | { type: 'metrics'; metrics: GatewayMetrics };

export interface DeploymentPort {
  readonly id: string;
  readonly configPath: string;
  summary(): DeploymentSummary;
  start(opts: { cpuOnly?: boolean; repull?: boolean }): Promise<void>;
  /** Plans again with these options (a CPU run changes which GPU errors apply); refreshes summary().errors. */
  replan(opts: { cpuOnly: boolean }): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  plan(): RunPlan | null;
  dockerRun(): string | null;
  timeline(): TimelineEvent[];
  probes(limit?: number): ProbeResult[];
  metrics(): GatewayMetrics | null;
  progress(): DeploymentProgress | null;
  configText(): string;
  issues(): ApiConfigIssue[];
  declaredSecrets(): string[];
  logsTail(n: number): LogPage;
  logsSince(seq: number, limit: number): LogPage;
  subscribe(listener: (ev: DeploymentEvent) => void): Unsubscribe;
}

export interface SupervisorPort {
  /** Loads (or reloads, when already open) the config at path; never throws for config errors. */
  open(path: string): Promise<DeploymentPort>;
  list(): DeploymentPort[];
  get(id: string): DeploymentPort | undefined;
  close(id: string, opts: { keepRunning: boolean }): Promise<void>;
  validateText(text: string, path?: string): Promise<ValidateResult>;
  shutdown(opts: { keepRunning: boolean }): Promise<void>;
  /** The supervisor's task registry (pull, build, weights), when it has one. */
  tasks?: { list(labels?: Record<string, string>): TaskInfo[]; onTask(cb: (t: TaskInfo) => void): Unsubscribe };
}

export interface EnginePort {
  status(): EngineStatus;
  onStatus(cb: (s: EngineStatus) => void): Unsubscribe;
}

export interface GpuPort {
  report(refresh: boolean): Promise<GpuReport>;
  onSample(cb: (s: GpuSample) => void): Unsubscribe;
}

export interface SecretsPort {
  names(): Promise<string[]>;
  has(name: string): Promise<boolean>;
  /** A value, for exports the user asked to include secrets in (never sent anywhere else). */
  get?(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface SettingsPort {
  get(): BerthSettings;
  update(patch: Partial<BerthSettings>): Promise<BerthSettings>;
}

export interface RecentPort {
  list(): Promise<Array<Omit<RecentEntry, 'exists'>>>;
  add(path: string, modelName: string | null): Promise<void>;
}

/** The gateway API key: only generate() ever returns the value. */
export interface GatewayKeyPort {
  exists(): Promise<boolean>;
  generate(): Promise<string>;
  /** The key itself, for this process's own calls to its gateways (benchmarks); never returned over the API. */
  value?(): Promise<string | null>;
}

export interface ServicePorts {
  supervisor: SupervisorPort;
  engine: EnginePort;
  gpu: GpuPort;
  secrets: SecretsPort;
  settings: SettingsPort;
  recent: RecentPort;
  gatewayKey: GatewayKeyPort;
  /** The gateways' request history (requests.*). */
  requestLogs?: RequestLogs;
  /** Where benchmark runs are stored; default <dataDir>/bench. */
  benchDir?: string;
  /** Folder holding bundled examples (resources/examples). */
  examplesDir: string;
  dataDir: string;
  version: string;
  /** Desktop only: shows a native open dialog. */
  openDialog?: () => Promise<string | null>;
  /** Desktop only: a native folder picker (Copy to...). */
  pickFolder?: () => Promise<string | null>;
  /** Folder holding the catalog (resources/catalog); default: beside examplesDir. */
  catalogDir?: string;
  /** Bytes of a pulled image, null when it is not on this machine (the catalog's disk figure). */
  imageBytes?: (ref: string) => Promise<number | null>;
  /** The Hugging Face hub cache (default: HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub). */
  weightsCacheDir?: string;
  /** Where Truss keeps local secrets (~/.truss/config.yaml); overridable for tests. */
  trussConfigPath?: string;
}
