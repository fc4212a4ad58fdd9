// Truss health semantics as a pure tracker: feed it probe results (with the time the probe
// was sent) and it says what the deployment should do. The platform's rules:
//  - startup: the readiness endpoint is polled until it first answers 2xx; failing for
//    startup_threshold_seconds fails the deployment;
//  - readiness failing continuously for stop_traffic_threshold_seconds stops traffic (no restart),
//    a later success resumes it;
//  - liveness failing continuously for restart_threshold_seconds (checked only after
//    restart_check_delay_seconds from startup) restarts the container.
import type { ProbeSettings } from '../../../shared/plan.js';
import type { ProbeResult } from '../../../shared/deployment.js';

export type HealthDecision =
  | { kind: 'none' }
  | { kind: 'started'; afterMs: number }
  | { kind: 'startup_failed'; reason: string }
  | { kind: 'stop_traffic'; reason: string }
  | { kind: 'resume_traffic'; reason: string }
  | { kind: 'restart'; reason: string };

export type HealthPhase = 'startup' | 'running' | 'done';

function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`;
}

export function describeProbeFailure(r: ProbeResult): string {
  if (r.error) return r.error;
  if (r.status !== null) return `HTTP ${r.status}`;
  return 'no answer';
}

export class HealthTracker {
  private phase_: HealthPhase = 'startup';
  private startupBegan: number;
  private runningSince = 0;
  private readinessFailingSince: number | null = null;
  private livenessFailingSince: number | null = null;
  private trafficStopped = false;
  private lastReadinessFailure = '';
  private lastLivenessFailure = '';

  constructor(
    private readonly probes: ProbeSettings,
    startedAt: number,
  ) {
    this.startupBegan = startedAt;
  }

  get phase(): HealthPhase {
    return this.phase_;
  }

  get servingTraffic(): boolean {
    return this.phase_ === 'running' && !this.trafficStopped;
  }

  /** Skips the startup phase, e.g. for a re-adopted container that was already ready. */
  markStarted(now: number): void {
    this.phase_ = 'running';
    this.runningSince = now;
  }

  observe(r: ProbeResult): HealthDecision {
    if (this.phase_ === 'done') return { kind: 'none' };
    if (this.phase_ === 'startup') {
      if (r.kind !== 'startup') return { kind: 'none' };
      if (r.ok) {
        this.phase_ = 'running';
        this.runningSince = r.time + r.latencyMs;
        return { kind: 'started', afterMs: this.runningSince - this.startupBegan };
      }
      this.lastReadinessFailure = describeProbeFailure(r);
      return this.evaluate(r.time + r.latencyMs);
    }
    if (r.kind === 'readiness') {
      if (r.ok) {
        this.readinessFailingSince = null;
        if (this.trafficStopped) {
          this.trafficStopped = false;
          return { kind: 'resume_traffic', reason: `readiness ${this.probes.readinessPath} answered ${r.status}: traffic resumed` };
        }
        return { kind: 'none' };
      }
      this.lastReadinessFailure = describeProbeFailure(r);
      if (this.readinessFailingSince === null) this.readinessFailingSince = r.time;
    } else if (r.kind === 'liveness') {
      if (r.ok) {
        this.livenessFailingSince = null;
        return { kind: 'none' };
      }
      this.lastLivenessFailure = describeProbeFailure(r);
      if (this.livenessFailingSince === null) this.livenessFailingSince = r.time;
    }
    return this.evaluate(r.time + r.latencyMs);
  }

  /** Checks thresholds at `now`; also called on a timer so a hanging probe cannot delay a decision. */
  evaluate(now: number): HealthDecision {
    const p = this.probes;
    if (this.phase_ === 'startup') {
      if (now - this.startupBegan >= p.startupThresholdS * 1000) {
        this.phase_ = 'done';
        const last = this.lastReadinessFailure ? ` (last answer: ${this.lastReadinessFailure})` : '';
        return {
          kind: 'startup_failed',
          reason: `startup: readiness ${p.readinessPath} did not succeed within ${p.startupThresholdS} s${last}; raise runtime.health_checks.startup_threshold_seconds if the model needs longer to load`,
        };
      }
      return { kind: 'none' };
    }
    if (this.phase_ !== 'running') return { kind: 'none' };
    const livenessArmed = now - this.runningSince >= p.restartCheckDelayS * 1000;
    if (livenessArmed && this.livenessFailingSince !== null) {
      const since = Math.max(this.livenessFailingSince, this.runningSince + p.restartCheckDelayS * 1000);
      if (now - since >= p.restartThresholdS * 1000) {
        this.phase_ = 'done';
        return {
          kind: 'restart',
          reason: `liveness ${p.livenessPath} failed for ${seconds(now - this.livenessFailingSince)} (${this.lastLivenessFailure}): restarting`,
        };
      }
    }
    if (!this.trafficStopped && this.readinessFailingSince !== null && now - this.readinessFailingSince >= p.stopTrafficThresholdS * 1000) {
      this.trafficStopped = true;
      return {
        kind: 'stop_traffic',
        reason: `readiness ${p.readinessPath} failed for ${seconds(now - this.readinessFailingSince)} (${this.lastReadinessFailure}): traffic stopped`,
      };
    }
    return { kind: 'none' };
  }
}
