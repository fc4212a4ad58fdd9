// Deployment state as the supervisor knows it and the UI shows it.
import type { BerthErrorCode } from './errors.js';

export type DeploymentStateName =
  | 'idle'
  | 'pulling'
  | 'building'
  | 'fetching_weights'
  | 'starting'
  | 'waiting_for_startup'
  | 'ready'
  | 'not_ready'
  | 'restarting'
  | 'crash_loop'
  | 'stopping'
  | 'stopped'
  | 'failed';

export interface DeploymentState {
  name: DeploymentStateName;
  reason: string;
  since: number; // ms epoch
  /** For pulling/building: 0..1 when known. */
  progress?: number;
  /** For crash_loop: when the next restart is due. */
  nextRestartAt?: number;
  restartCount?: number;
}

export interface TimelineEvent {
  /**
   * Increases with every event Berth records, across deployments and restarts of Berth
   * (see state-machine.ts): two transitions in the same millisecond stay two rows, and
   * merges go by it, never by `time`.
   */
  seq: number;
  time: number;
  state: DeploymentStateName;
  reason: string;
}

export interface ProbeResult {
  kind: 'startup' | 'readiness' | 'liveness';
  time: number;
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error?: string;
}

export interface LogLine {
  seq: number;
  time: number;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

export interface PullProgress {
  image: string;
  layers: Array<{ id: string; status: string; current: number; total: number }>;
  bytesDone: number;
  bytesTotal: number;
  /** 0..1 aggregated over layers with known totals. */
  fraction: number;
  digest?: string;
}

export interface GatewayMetrics {
  time: number;
  requests: Record<string, number>; // by status code class or code, e.g. "200": 12
  inFlight: number;
  queueDepth: number;
  latencyMs: { p50: number; p90: number; p99: number } | null;
  ttfbMs: { p50: number; p99: number } | null;
  tokensPerSecond: number | null;
}

export interface DeploymentSummary {
  id: string;
  modelName: string;
  configPath: string;
  state: DeploymentState;
  gpuDeviceIds: string[];
  gatewayUrl: string | null;
  containerId: string | null;
  image: string;
  imageDigest?: string;
  /** `code` names the kind of problem where known (GPU_UNAVAILABLE: a CPU run would answer it). */
  errors: Array<{ file: string; line: number; col: number; message: string; severity: 'error' | 'warning'; hint?: string; code?: BerthErrorCode }>;
}
