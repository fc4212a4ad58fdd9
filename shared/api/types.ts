// Data shapes that cross the API (IPC and HTTP/WS) and are not already in shared/*.ts.
// Plain JSON only: every value must survive structured clone and JSON.stringify.
import type { DeploymentSummary, DeploymentState, GatewayMetrics, LogLine, ProbeResult, PullProgress, TimelineEvent } from '../deployment.js';
import type { RunPlan } from '../plan.js';
import type { ConfigIssue } from '../truss/issues.js';
import type { BerthErrorCode, BerthErrorShape } from '../errors.js';

/** A positioned problem in a config file: shared/truss's ConfigIssue, with a path that may also arrive as segments. */
export type ApiConfigIssue = Omit<ConfigIssue, 'path' | 'code'> & {
  /** Dotted config path, e.g. "docker_server.server_port"; empty for syntax errors. */
  path: string | Array<string | number>;
  /** The BerthErrorCode behind a plan issue, when it has one (GPU_UNAVAILABLE, ...). */
  code?: BerthErrorCode;
};

/** The Docker engine as Berth sees it. */
export interface EngineStatus {
  up: boolean;
  /** Why it is down (or a note while up, e.g. "no NVIDIA runtime"). */
  reason?: string;
  hint?: string;
  /** Where Berth connects: unix socket path, tcp url or npipe. */
  host?: string;
  version?: string;
  apiVersion?: string;
  /** Endpoint URL Berth uses and where it came from (env, context, default, settings). */
  endpoint?: string;
  source?: string;
  context?: string;
  os?: string;
  code?: 'ENGINE_UNAVAILABLE' | 'ENGINE_PERMISSION';
  checkedAt: number;
}

export interface ValidateResult {
  issues: ApiConfigIssue[];
  /** The run plan the text would produce, when it has no errors. */
  plan: RunPlan | null;
  dockerRun: string | null;
}

export interface SaveConfigResult {
  summary: DeploymentSummary;
  issues: ApiConfigIssue[];
}

/** Build output while a derived image is built. */
export interface BuildProgress {
  step: number;
  steps: number;
  message: string;
  /** Last build output line (secrets never appear: build secrets are files, not args). */
  line?: string;
}

/** The weights stage: one row per file being (or to be) transferred, plus totals. */
export interface WeightsProgress {
  /** Bytes of file content the stage still had to fetch when it started (cached files excluded). */
  totalBytes: number;
  doneBytes: number;
  /** Bytes/s over the last few seconds. */
  rate: number;
  /** Seconds left at the current rate; null when unknown. */
  etaS: number | null;
  filesTotal: number;
  filesDone: number;
  /** Files already in the cache (nothing transferred). */
  filesCached: number;
  /** The files in flight (at most a handful). */
  active: Array<{ repo: string; path: string; size: number; done: number }>;
  message: string;
}

export type DeploymentProgress = { kind: 'pull'; pull: PullProgress } | { kind: 'build'; build: BuildProgress } | { kind: 'weights'; weights: WeightsProgress };

/** Everything the deployment page shows. */
export interface DeploymentDetail {
  summary: DeploymentSummary;
  plan: RunPlan | null;
  /** Equivalent `docker run ...` command (secret values never included). */
  dockerRun: string | null;
  timeline: TimelineEvent[];
  probes: ProbeResult[];
  metrics: GatewayMetrics | null;
  progress: DeploymentProgress | null;
  configText: string;
  issues: ApiConfigIssue[];
  /** Secrets the config declares and whether each has a value in the store. */
  secrets: Array<{ name: string; present: boolean }>;
}

export interface LogPage {
  lines: LogLine[];
  /** Highest seq known to the buffer (pass to logs.since to continue). */
  lastSeq: number;
  /** Lines that were older than the buffer keeps and so are missing before lines[0]. */
  dropped: number;
}

export interface ExampleInfo {
  /** Folder name under resources/examples. */
  name: string;
  /** Absolute path to its config.yaml (pass to deployments.open). */
  path: string;
  modelName: string;
  description: string;
  accelerator: string | null;
}

export interface RecentEntry {
  path: string;
  modelName: string | null;
  openedAt: number;
  /** False when the file is gone. */
  exists: boolean;
}

export interface SecretEntry {
  name: string;
  /** Open deployments whose config declares this secret. */
  usedBy: string[];
}

export interface SecretImportResult {
  imported: string[];
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * User settings (mirrors electron/engine/store/settings.ts, which validates and persists
 * them). Every field has a default; settings.update merges a partial.
 */
export interface BerthSettings {
  /** Docker endpoint override; null: auto (DOCKER_HOST, docker context, default socket). */
  dockerHost: string | null;
  /** Probe period after startup, ms. */
  probePeriodMs: number;
  /** Leave containers running when Berth quits (they are re-adopted on next start). */
  keepRunningOnQuit: boolean;
  /** Container --shm-size, e.g. "8g". */
  shmSize: string;
  /** Mount the host's Hugging Face cache as each container's own. */
  shareHfCache: boolean;
  /** Gateways listen on all interfaces (LAN) instead of 127.0.0.1; then a key is required. */
  gatewayExpose: boolean;
  /** Require the gateway API key even on loopback. */
  gatewayRequireKeyOnLoopback: boolean;
  /** Let two deployments share a GPU. */
  allowGpuSharing: boolean;
  /** Apply resources.cpu / memory from config.yaml as container limits. */
  applyResourceLimits: boolean;
  /** Desktop app: no hardware acceleration for the window (takes effect at the next launch). */
  disableHardwareAcceleration: boolean;
  /** Request history keeps the request and response bodies of the latest requests. */
  captureRequestBodies: boolean;
}

export interface GatewayInfo {
  /** Host the gateways bind. */
  host: string;
  requireKey: boolean;
  /** An API key exists (its value is only ever shown once, by gateway.generateKey). */
  keyConfigured: boolean;
  /** Per open deployment: its local gateway URL when it has one. */
  deployments: Array<{ id: string; url: string | null; routes: string[] }>;
}

export interface AppInfo {
  version: string;
  /** The API contract's version (shared/remote.ts API_VERSION): remote machines compare it. */
  apiVersion?: number;
  transport: 'ipc' | 'http';
  /** Native dialogs exist (desktop app only). */
  canOpenDialog: boolean;
  /** A native folder picker exists (dialog.pickFolder). */
  canPickFolder: boolean;
  dataDir: string;
  platform: string;
  /** How stored secrets are protected; `warning` says why not by an OS keychain (e.g. Linux without a keyring). */
  secretsProtection: SecretsProtection;
}

export interface SecretsProtection {
  protection: 'os-keychain' | 'file-0600';
  /** Electron safeStorage's backend on Linux (basic_text, gnome_libsecret, kwallet…); null elsewhere and headless. */
  backend: string | null;
  warning: string | null;
}

export interface Ok {
  ok: true;
}

export type { DeploymentState, DeploymentSummary };

/** One repo in the host's Hugging Face cache (Weights screen, `berth weights list`). */
export interface CachedWeightsRepo {
  repoId: string;
  path: string;
  sizeBytes: number;
  files: number;
  revisions: Array<{ commit: string; refs: string[]; files: number; sizeBytes: number }>;
  lastModified: number;
  /** Configs Berth knows (open or recent) whose model_cache / weights name this repo. */
  usedBy: Array<{ configPath: string; modelName: string }>;
}

export interface WeightsInventory {
  cacheDir: string;
  repos: CachedWeightsRepo[];
  warnings: string[];
}

/** A long step of a start, as the task registry runs it (electron/engine/tasks). */
export type TaskKind = 'pull' | 'build' | 'weights';
export type TaskProgress = DeploymentProgress;
export interface TaskInfo {
  id: string;
  kind: TaskKind;
  /** `deployment`: the deployment's id. */
  labels: Record<string, string>;
  title: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: number;
  endedAt?: number;
  progress: TaskProgress | null;
  error?: BerthErrorShape;
}
