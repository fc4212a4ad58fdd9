import { createStore, type Store } from '../lib/store.js';
import { pushBounded } from '../lib/ring.js';
import type { DeploymentProgress, DeploymentSummary, GatewayMetrics, ProbeResult, TimelineEvent } from '../api/contract.js';

export const deploymentsStore = createStore<Record<string, DeploymentSummary>>({});

export interface DeploymentLive {
  timeline: TimelineEvent[];
  probes: ProbeResult[];
  progress: DeploymentProgress | null;
  metrics: GatewayMetrics[];
}

const live = new Map<string, Store<DeploymentLive>>();

export function liveStore(id: string): Store<DeploymentLive> {
  let s = live.get(id);
  if (!s) {
    s = createStore<DeploymentLive>({ timeline: [], probes: [], progress: null, metrics: [] });
    live.set(id, s);
  }
  return s;
}

export function upsertSummary(s: DeploymentSummary): void {
  deploymentsStore.set((prev) => ({ ...prev, [s.id]: s }));
}

export function removeSummary(id: string): void {
  deploymentsStore.set((prev) => { const next = { ...prev }; delete next[id]; return next; });
}

export function replaceSummaries(list: DeploymentSummary[]): void {
  deploymentsStore.set(Object.fromEntries(list.map((s) => [s.id, s])));
}

/** Seeds the live store from a deployments.get snapshot, keeping anything pushed since. */
export function seedLive(id: string, snap: { timeline: TimelineEvent[]; probes: ProbeResult[]; progress: DeploymentProgress | null; metrics: GatewayMetrics | null }): void {
  liveStore(id).set((p) => {
    const lastP = snap.probes.at(-1)?.time ?? 0;
    return {
      timeline: mergeTimeline(snap.timeline, p.timeline),
      probes: pushBounded(snap.probes, p.probes.filter((e) => e.time > lastP), 2000),
      progress: p.progress ?? snap.progress,
      metrics: p.metrics.length ? p.metrics : snap.metrics ? [snap.metrics] : [],
    };
  });
}

const TIMELINE_MAX = 500;

/**
 * Events in `more` that `base` lacks, appended in seq order. By seq, never by time: two
 * transitions in one millisecond are two rows (seq is unique per event, see state-machine.ts).
 */
export function mergeTimeline(base: readonly TimelineEvent[], more: readonly TimelineEvent[]): TimelineEvent[] {
  const seen = new Set(base.map((e) => e.seq));
  const lastSeq = base.reduce((m, e) => Math.max(m, e.seq), -Infinity);
  const fresh = more.filter((e) => !seen.has(e.seq) && e.seq > lastSeq).sort((a, b) => a.seq - b.seq);
  return pushBounded(base, fresh, TIMELINE_MAX);
}

export function addTimeline(id: string, events: TimelineEvent[]): void {
  liveStore(id).set((p) => ({ ...p, timeline: mergeTimeline(p.timeline, events) }));
}
export function addProbes(id: string, probes: ProbeResult[]): void {
  liveStore(id).set((p) => ({ ...p, probes: pushBounded(p.probes, probes, 2000) }));
}
export function setProgress(id: string, progress: DeploymentProgress | null): void {
  liveStore(id).set((p) => ({ ...p, progress }));
}
export function addMetrics(id: string, m: GatewayMetrics): void {
  liveStore(id).set((p) => ({ ...p, metrics: pushBounded(p.metrics, [m], 600) }));
}
