import { describe, it, expect } from 'vitest';
import { HealthTracker } from '../../../electron/engine/supervisor/health.js';
import type { ProbeSettings } from '../../../shared/plan.js';
import type { ProbeResult } from '../../../shared/deployment.js';

const P: ProbeSettings = {
  readinessPath: '/health',
  livenessPath: '/live',
  periodMs: 1000,
  startupPollMs: 100,
  startupThresholdS: 10,
  stopTrafficThresholdS: 10,
  restartThresholdS: 10,
  restartCheckDelayS: 5,
};
const r = (kind: ProbeResult['kind'], time: number, ok: boolean, status: number | null = ok ? 200 : 503): ProbeResult => ({ kind, time, ok, status, latencyMs: 1 });

describe('HealthTracker', () => {
  it('startup succeeds on first 2xx and reports the time taken', () => {
    const h = new HealthTracker(P, 0);
    expect(h.observe(r('startup', 100, false)).kind).toBe('none');
    expect(h.observe(r('startup', 2000, true))).toEqual({ kind: 'started', afterMs: 2001 });
    expect(h.phase).toBe('running');
  });

  it('startup fails after the threshold with a reason naming the endpoint and setting', () => {
    const h = new HealthTracker(P, 0);
    h.observe(r('startup', 5000, false));
    const d = h.observe(r('startup', 10_000, false));
    expect(d.kind).toBe('startup_failed');
    expect((d as { reason: string }).reason).toMatch(/\/health did not succeed within 10 s.*HTTP 503.*startup_threshold_seconds/);
  });

  it('readiness failing continuously for the threshold stops traffic, success resumes', () => {
    const h = new HealthTracker(P, 0);
    h.observe(r('startup', 0, true));
    expect(h.observe(r('readiness', 1000, false)).kind).toBe('none');
    expect(h.observe(r('readiness', 10_000, false)).kind).toBe('none');
    expect(h.observe(r('readiness', 5000, true)).kind).toBe('none'); // success resets the streak
    expect(h.observe(r('readiness', 6000, false)).kind).toBe('none');
    const stop = h.observe(r('readiness', 16_000, false));
    expect(stop.kind).toBe('stop_traffic');
    expect((stop as { reason: string }).reason).toMatch(/readiness \/health failed for 10 s/);
    expect(h.servingTraffic).toBe(false);
    expect(h.observe(r('readiness', 17_000, true)).kind).toBe('resume_traffic');
  });

  it('liveness restart waits for the check delay and the threshold', () => {
    const h = new HealthTracker(P, 0);
    h.observe(r('startup', 0, true));
    h.observe(r('liveness', 1000, false, null));
    // failing since 1 s but only counted from the 5 s check delay: 5 + 10 = 15 s
    expect(h.evaluate(14_990).kind).toBe('none');
    const d = h.evaluate(15_010);
    expect(d.kind).toBe('restart');
    expect((d as { reason: string }).reason).toMatch(/liveness \/live failed for 14 s .*restarting/);
  });
});
