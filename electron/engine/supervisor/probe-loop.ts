// Drives the probes for one container: fast startup polling, then readiness and liveness
// on the configured period. Decisions come from HealthTracker; this file only schedules.
import type http from 'node:http';
import type { ProbeSettings } from '../../../shared/plan.js';
import type { ProbeResult } from '../../../shared/deployment.js';
import { HealthTracker, type HealthDecision } from './health.js';
import { createProbeAgent, probeOnce } from './probe-http.js';

export type ProbeFn = (kind: ProbeResult['kind'], path: string, timeoutMs: number) => Promise<ProbeResult>;

export interface ProbeLoopOptions {
  probes: ProbeSettings;
  port: number;
  onResult(r: ProbeResult): void;
  onDecision(d: Exclude<HealthDecision, { kind: 'none' }>): void;
  /** Skip startup polling (re-adopted container that was serving before). */
  alreadyStarted?: boolean;
  /** Replaces the HTTP probe (unit tests). */
  probe?: ProbeFn;
}

export class ProbeLoop {
  readonly tracker: HealthTracker;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly agent: http.Agent | null;
  private readonly probe: ProbeFn;

  constructor(private readonly o: ProbeLoopOptions) {
    this.tracker = new HealthTracker(o.probes, Date.now());
    if (o.alreadyStarted) this.tracker.markStarted(Date.now());
    this.agent = o.probe ? null : createProbeAgent();
    this.probe = o.probe ?? ((kind, path, timeoutMs) => probeOnce(kind, o.port, path, timeoutMs, this.agent!));
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.agent?.destroy();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private emit(d: HealthDecision): boolean {
    if (d.kind === 'none' || this.stopped) return false;
    this.o.onDecision(d);
    return d.kind === 'startup_failed' || d.kind === 'restart';
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const p = this.o.probes;
    const startedAt = Date.now();
    if (this.tracker.phase === 'startup') {
      // Short timeout so one stuck connection cannot hide the moment the server comes up.
      const r = await this.probe('startup', p.readinessPath, Math.min(1000, Math.max(200, p.periodMs)));
      if (this.stopped) return;
      this.o.onResult(r);
      if (this.emit(this.tracker.observe(r))) return;
      const wait = (this.tracker.phase as string) === 'running' ? p.periodMs : Math.max(0, p.startupPollMs - (Date.now() - startedAt));
      this.schedule(wait);
      return;
    }
    if (this.tracker.phase !== 'running') return;
    const timeoutMs = probeTimeoutMs(p.periodMs);
    const [ready, live] = await Promise.all([
      this.probe('readiness', p.readinessPath, timeoutMs),
      this.probe('liveness', p.livenessPath, timeoutMs),
    ]);
    if (this.stopped) return;
    for (const r of [ready, live]) {
      this.o.onResult(r);
      if (this.emit(this.tracker.observe(r))) return;
    }
    if (this.emit(this.tracker.evaluate(Date.now()))) return;
    this.schedule(Math.max(0, p.periodMs - (Date.now() - startedAt)));
  }
}

/** Timeout of one readiness/liveness probe after startup: most of a period, at most 5 s (also the Kubernetes export's timeoutSeconds). */
export function probeTimeoutMs(periodMs: number): number {
  return Math.min(5000, Math.max(200, Math.floor(periodMs * 0.8)));
}
