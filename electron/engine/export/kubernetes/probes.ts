// The platform's health semantics as Kubernetes probes. Probes run every 10 s (the platform's
// period, not the local Berth setting); a threshold of N seconds is N / 10 consecutive
// failures, rounded up, so failureThreshold x periodSeconds >= the threshold and equals it
// for the multiples of 10 real configs use. Like the platform, readiness and liveness start
// only after the startup probe (on the readiness endpoint) first succeeds.
import type { ProbeSettings } from '../../../../shared/plan.js';
import { defaultPlanSettings } from '../../../../shared/truss/plan.js';
import { probeTimeoutMs } from '../../supervisor/probe-loop.js';
import type { Comment } from './types.js';

/** The platform's probe period in seconds (Berth's default probe period is the platform's). */
export const PROBE_PERIOD_S = defaultPlanSettings.probePeriodMs / 1000;

export function failuresFor(thresholdS: number, periodS = PROBE_PERIOD_S): number {
  return Math.max(1, Math.ceil(thresholdS / periodS));
}

export interface ProbeSet {
  startupProbe: Record<string, unknown>;
  readinessProbe: Record<string, unknown>;
  livenessProbe: Record<string, unknown>;
  comments: Comment[];
}

/** `port` is the container port's name. `at` is the path of the container in the Deployment. */
export function probesFor(p: ProbeSettings, port: string, at: Array<string | number>): ProbeSet {
  const timeoutSeconds = Math.max(1, Math.round(probeTimeoutMs(defaultPlanSettings.probePeriodMs) / 1000));
  const probe = (path: string, thresholdS: number, extra: Record<string, unknown> = {}) => ({
    httpGet: { path, port },
    periodSeconds: PROBE_PERIOD_S,
    timeoutSeconds,
    failureThreshold: failuresFor(thresholdS),
    ...extra,
  });
  const comments: Comment[] = [
    [[...at, 'startupProbe'], `startup: readiness_endpoint polled every ${PROBE_PERIOD_S} s; ${failuresFor(p.startupThresholdS)} x ${PROBE_PERIOD_S} s = runtime.health_checks.startup_threshold_seconds (${p.startupThresholdS} s). On the platform a startup that never succeeds fails the deployment; here the kubelet restarts the container.`],
    [[...at, 'readinessProbe'], `stop traffic after ${failuresFor(p.stopTrafficThresholdS)} x ${PROBE_PERIOD_S} s = stop_traffic_threshold_seconds (${p.stopTrafficThresholdS} s) of failures; no restart`],
    [[...at, 'livenessProbe'], `restart after ${failuresFor(p.restartThresholdS)} x ${PROBE_PERIOD_S} s = restart_threshold_seconds (${p.restartThresholdS} s) of failures`],
  ];
  const liveExtra: Record<string, unknown> = {};
  if (p.restartCheckDelayS > 0) {
    liveExtra.initialDelaySeconds = p.restartCheckDelayS;
    comments.push([[...at, 'livenessProbe', 'initialDelaySeconds'], 'runtime.health_checks.restart_check_delay_seconds (deprecated)']);
  }
  return {
    startupProbe: probe(p.readinessPath, p.startupThresholdS),
    readinessProbe: probe(p.readinessPath, p.stopTrafficThresholdS, { successThreshold: 1 }),
    livenessProbe: probe(p.livenessPath, p.restartThresholdS, liveExtra),
    comments,
  };
}
