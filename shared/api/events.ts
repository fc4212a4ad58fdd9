// The event half of the contract: channel -> payload. Pushed by the service to every
// transport (WebSocket /api/events, Electron webContents.send).
import type { DeploymentState, DeploymentSummary, GatewayMetrics, LogLine, ProbeResult, TimelineEvent } from '../deployment.js';
import type { GpuSample } from '../gpu.js';
import type { DeploymentProgress, EngineStatus, TaskInfo } from './types.js';
import type { MachineEvent, MachineInfo } from '../remote.js';

export interface EventMap {
  'engine.status': EngineStatus;
  'deployment.state': { id: string; state: DeploymentState; summary: DeploymentSummary };
  'deployment.timeline': { id: string; event: TimelineEvent };
  /**
   * Log lines arrive batched. `dropped` > 0 means this subscriber was too slow and that
   * many lines were skipped before `lines[0]`: fetch them with logs.since if needed.
   */
  'deployment.log': { id: string; lines: LogLine[]; dropped: number };
  'deployment.probe': { id: string; probe: ProbeResult };
  'deployment.progress': { id: string; progress: DeploymentProgress };
  'deployment.metrics': { id: string; metrics: GatewayMetrics };
  'gpu.sample': GpuSample;
  /** A pull, build or weights download was created, progressed or ended. */
  task: TaskInfo;
  /** The set of open deployments changed (opened, closed, reloaded). */
  'deployments.changed': { deployments: DeploymentSummary[] };
  /** A remote machine connected, dropped, is reconnecting (issue 14). */
  'machine.status': MachineInfo;
  /** An event of a remote machine's serve, relayed (gateway URLs rewritten to local forwards). */
  'machine.event': MachineEvent;
}

export type EventChannel = keyof EventMap;
export type EventPayload<C extends EventChannel> = EventMap[C];

// A record keyed by channel makes the compiler reject a channel missing from this list.
const CHANNELS: Record<EventChannel, true> = {
  'engine.status': true,
  'deployment.state': true,
  'deployment.timeline': true,
  'deployment.log': true,
  'deployment.probe': true,
  'deployment.progress': true,
  'deployment.metrics': true,
  'gpu.sample': true,
  task: true,
  'deployments.changed': true,
  'machine.status': true,
  'machine.event': true,
};
export const EVENT_CHANNELS = Object.keys(CHANNELS) as EventChannel[];

export function isEventChannel(name: string): name is EventChannel {
  return Object.prototype.hasOwnProperty.call(CHANNELS, name);
}

export type EventHandler<C extends EventChannel> = (payload: EventMap[C]) => void;
