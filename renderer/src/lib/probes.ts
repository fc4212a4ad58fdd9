// Pure helpers for the Health tab: chart data and threshold countdowns from probe history.
import type { ProbeResult } from '../api/contract.js';

export type ProbeKind = ProbeResult['kind'];

/** uPlot aligned data: x in seconds; per kind an ok-latency series and a failure series. */
export function probeChartData(probes: ProbeResult[], kinds: ProbeKind[]): Array<Array<number | null>> {
  const sorted = [...probes].sort((a, b) => a.time - b.time);
  const xs = sorted.map((p) => p.time / 1000);
  const cols: Array<Array<number | null>> = [xs];
  for (const k of kinds) {
    cols.push(sorted.map((p) => (p.kind === k && p.ok ? p.latencyMs : null)));
    cols.push(sorted.map((p) => (p.kind === k && !p.ok ? Math.max(1, p.latencyMs) : null)));
  }
  return cols;
}

/** Time the current run of consecutive failures of `kind` started, or null when the last probe passed. */
export function failingSince(probes: ProbeResult[], kind: ProbeKind): number | null {
  let since: number | null = null;
  for (const p of probes) {
    if (p.kind !== kind) continue;
    if (p.ok) since = null;
    else if (since === null) since = p.time;
  }
  return since;
}

export function lastProbe(probes: ProbeResult[], kind: ProbeKind): ProbeResult | null {
  for (let i = probes.length - 1; i >= 0; i--) if (probes[i].kind === kind) return probes[i];
  return null;
}

/** Seconds left before the threshold action fires, given when failures began. */
export function secondsLeft(since: number | null, thresholdS: number, now: number): number | null {
  if (since === null) return null;
  return Math.max(0, thresholdS - (now - since) / 1000);
}
