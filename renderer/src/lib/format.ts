import type { DeploymentStateName } from '../../../shared/deployment.js';

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  const i = Math.min(u.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatTime(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** Date and time, for things older than today (the weights cache). */
export function formatDateTime(t: number): string {
  return new Date(t).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

export type Tone = 'ok' | 'warn' | 'bad' | 'busy' | 'idle';

export const STATE_LABEL: Record<DeploymentStateName, string> = {
  idle: 'Idle', pulling: 'Pulling', building: 'Building', fetching_weights: 'Fetching weights', starting: 'Starting',
  waiting_for_startup: 'Loading model', ready: 'Ready', not_ready: 'Not ready',
  restarting: 'Restarting', crash_loop: 'Crash loop', stopping: 'Stopping', stopped: 'Stopped', failed: 'Failed',
};

export function stateTone(s: DeploymentStateName): Tone {
  switch (s) {
    case 'ready': return 'ok';
    case 'not_ready': case 'restarting': return 'warn';
    case 'crash_loop': case 'failed': return 'bad';
    case 'pulling': case 'building': case 'fetching_weights': case 'starting': case 'waiting_for_startup': case 'stopping': return 'busy';
    default: return 'idle';
  }
}

export const isRunningState = (s: DeploymentStateName): boolean => !['idle', 'stopped', 'failed'].includes(s);
