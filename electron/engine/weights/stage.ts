// The weights stage as the supervisor and the CLI call it: the token for each entry (its
// secret in Berth's store, else HF_TOKEN / HUGGING_FACE_HUB_TOKEN from the environment, else
// anonymous), the host cache, the Hub endpoint, and the truss-transfer-cli every container gets.
import type { RunPlan } from '../../../shared/plan.js';
import type { WeightsProgress } from '../../../shared/api/types.js';
import { formatBytes } from '../../../shared/truss/units.js';
import type { WeightsEntry } from '../../../shared/truss/weights.js';
import { hubCacheDir } from './cache-paths.js';
import { hubEndpoint, type HubAuth } from './hub-client.js';
import { resolveEntry, runWeightsStage, type ResolvedEntry, type WeightsContext } from './fetch-weights.js';

export interface SecretLookup {
  get(name: string): Promise<string | null>;
}

export function envToken(): { token: string; source: string } | null {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const v = process.env[name]?.trim();
    if (v) return { token: v, source: name };
  }
  return null;
}

/** Per-entry token lookup; notes once per secret when it falls back. */
export function authResolver(secrets: SecretLookup, onLine?: (l: string) => void): (e: WeightsEntry) => Promise<HubAuth> {
  const noted = new Set<string>();
  return async (e) => {
    const fromStore = e.secretName ? await secrets.get(e.secretName).catch(() => null) : null;
    if (fromStore) return { token: fromStore, source: `secret ${e.secretName}`, secretName: e.secretName };
    const env = envToken();
    const key = `${e.secretName}`;
    if (!noted.has(key)) {
      noted.add(key);
      if (e.secretName) onLine?.(`secret ${e.secretName} is not set${env ? `: using ${env.source} from the environment` : ': fetching anonymously (public repos only)'}`);
    }
    if (env) return { token: env.token, source: env.source, secretName: e.secretName };
    return { token: null, source: null, secretName: e.secretName };
  };
}

export interface WeightsStageDeps {
  secrets: SecretLookup;
  cacheDir?: string;
  endpoint?: string;
  connections?: number;
}

export function weightsContext(deps: WeightsStageDeps, extra: Partial<WeightsContext> = {}): WeightsContext {
  return {
    cacheDir: deps.cacheDir ?? hubCacheDir(),
    endpoint: deps.endpoint ?? hubEndpoint(),
    authFor: authResolver(deps.secrets, extra.onLine),
    connections: deps.connections,
    ...extra,
  };
}

/** Runs the stage for a plan; the summary names each entry's pinned commit for the timeline. */
export async function fetchPlanWeights(
  plan: RunPlan,
  deps: WeightsStageDeps,
  o: { signal: AbortSignal; onProgress: (p: WeightsProgress) => void; onLine: (line: string) => void },
): Promise<{ warnings: string[]; summary: string; entries: ResolvedEntry[]; downloadedBytes: number }> {
  const t0 = Date.now();
  const r = await runWeightsStage(plan.weights, { ...weightsContext(deps, { signal: o.signal, onLine: o.onLine }), viewDir: plan.weightsView, onProgress: o.onProgress });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const pins = r.entries.map((e) => `${e.entry.repoId}@${e.entry.revision === e.commit ? e.commit.slice(0, 12) : `${e.entry.revision} -> ${e.commit.slice(0, 12)}`}`).join(', ');
  const moved = r.downloadedBytes ? `downloaded ${formatBytes(r.downloadedBytes)} in ${secs} s` : 'all from the cache';
  o.onLine(`weights ready (${moved}): ${pins}`);
  return { warnings: r.warnings, summary: `weights ${pins} (${moved})`, entries: r.entries, downloadedBytes: r.downloadedBytes };
}

/** For `berth plan` and the UI: each entry resolved (or the error that stops it), nothing downloaded. */
export async function describePlanWeights(plan: RunPlan, deps: WeightsStageDeps, signal?: AbortSignal, resolved?: WeightsContext['resolved']): Promise<Array<{ entry: WeightsEntry; resolved?: ResolvedEntry; error?: { code: string; message: string; hint?: string } }>> {
  const ctx = weightsContext(deps, { signal, resolved });
  const out = [];
  for (const entry of plan.weights) {
    try {
      out.push({ entry, resolved: await resolveEntry(entry, ctx) });
    } catch (err) {
      const e = err as { code?: string; message?: string; hint?: string };
      out.push({ entry, error: { code: e.code ?? 'INTERNAL', message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) } });
    }
  }
  return out;
}
