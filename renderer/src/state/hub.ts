// Routes pushed events into the per-concern stores. Started once by the app shell.
import { api, isElectron, onReconnect } from '../api/client.js';
import { engineStore, reconnectsStore, transportStore } from './connection.js';
import { addMetrics, addProbes, addTimeline, replaceSummaries, setProgress, upsertSummary } from './deployments.js';
import { logStore, setLogFetcherFactory } from './logs.js';
import { addGpuSample } from './gpu.js';
import { hasStageProgress } from '../lib/progress.js';

export async function refreshDeployments(): Promise<void> {
  try { replaceSummaries(await api.deployments.list()); } catch { /* the banner shows transport state */ }
}

async function refreshAll(): Promise<void> {
  await refreshDeployments();
  try { engineStore.set(await api.engine.status()); } catch { /* shown via banner */ }
}

// Set at import, before any view can create a log store (child effects run before the App's).
setLogFetcherFactory((id) => ({
  tail: (n) => api.logs.tail({ id, n }),
  since: (seq, limit) => api.logs.since({ id, seq: Math.max(0, seq), limit }),
}));

let started = false;
export function startHub(): void {
  if (started) return;
  started = true;
  if (isElectron) transportStore.set({ connected: true });
  api.on('engine.status', (s) => engineStore.set(s));
  api.on('deployments.changed', (p) => replaceSummaries(p.deployments));
  api.on('deployment.state', (p) => {
    upsertSummary(p.summary ?? p);
    // Pull, build and weights progress lasts as long as its stage.
    if (!hasStageProgress(p.state.name)) setProgress(p.id, null);
  });
  api.on('deployment.timeline', (p) => addTimeline(p.id, [p.event]));
  api.on('deployment.probe', (p) => addProbes(p.id, [p.probe]));
  api.on('deployment.log', (p) => logStore(p.id).push(p.lines, p.dropped));
  api.on('deployment.progress', (p) => setProgress(p.id, p.progress));
  api.on('deployment.metrics', (p) => addMetrics(p.id, p.metrics));
  api.on('gpu.sample', (s) => addGpuSample(s));
  onReconnect(() => {
    reconnectsStore.set((n) => n + 1);
    void refreshAll();
  });
  void refreshAll();
}
