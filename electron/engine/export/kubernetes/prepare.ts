// The engine side of the export: load the truss, plan it as Berth plans a run (with export
// settings), and add what only this machine knows: the image digest Berth resolved (the
// caller's, e.g. the last run's, else `docker image inspect` on the local engine), each
// weights entry's commit and kept files (the same resolution `berth plan` shows; nothing is
// downloaded), and secret values when asked. Then export, validate and render.
import { BerthError } from '../../../../shared/errors.js';
import { buildRunPlan } from '../../../../shared/truss/plan.js';
import type { ConfigIssue } from '../../../../shared/truss/issues.js';
import type { RunPlan } from '../../../../shared/plan.js';
import { loadTruss } from '../../config/load.js';
import { planSettingsFrom, type StoredPlanSettings } from '../../config/plan-settings.js';
import type { SecretLookup } from '../../weights/stage.js';
import { exportKubernetes, exportPlanSettings, checkOptions } from './export.js';
import { renderFiles, renderStream } from './render.js';
import { validateObjects } from './validate.js';
import { secretNames } from './secrets.js';
import type { KubeExport, KubeExportOptions, ResolvedWeights } from './types.js';

export interface PrepareOptions extends KubeExportOptions {
  /** Ask neither the Docker engine nor the Hub: tags and revisions as written, default volume size. */
  offline?: boolean;
  /** Secret values (includeSecrets) and Hub tokens for resolving weights. */
  secrets?: SecretLookup;
  /** A digest Berth already resolved for this config's image (a deployment's last run). */
  imageDigest?: string | null;
  /** Stored Berth settings (shm size); default: none (Berth's defaults). */
  settings?: StoredPlanSettings;
  /** Milliseconds for the Hub and engine lookups together. */
  lookupTimeoutMs?: number;
}

export interface PreparedExport {
  configPath: string;
  result: KubeExport;
  files: Array<{ name: string; text: string }>;
  stream: string;
  /** Config warnings (the export still succeeds). */
  issues: ConfigIssue[];
  /** Lookups that did not answer, for the output. */
  lookups: string[];
}

/** Thrown with the config's positioned issues when it cannot be exported. */
export class ExportConfigError extends BerthError {
  constructor(readonly configPath: string, readonly issues: ConfigIssue[]) {
    super('CONFIG_INVALID', `${configPath} has ${issues.filter((i) => i.severity === 'error').length} error(s); fix them before exporting`, 'run berth validate on it to see them with hints');
  }
}

async function localDigest(image: string, signal: AbortSignal): Promise<{ digest: string | null; note?: string }> {
  const { EngineConnection } = await import('../../docker/connection.js');
  const { normalizedRef, pickDigest } = await import('../../docker/images.js');
  const conn = new EngineConnection({ pingTimeoutMs: 3000, healthCheckMs: 0 });
  try {
    const status = await conn.ping();
    if (!status.up) return { digest: null, note: `Docker engine not reachable (${status.reason}): image tag kept` };
    if (signal.aborted) return { digest: null, note: 'image digest lookup timed out: tag kept' };
    const info = await conn.docker.getImage(normalizedRef(image)).inspect();
    return { digest: pickDigest(info, image) };
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    return { digest: null, note: code === 404 ? `${image} is not on the local engine: tag kept (run it in Berth once to pin its digest)` : `image digest lookup failed: ${(err as Error).message}` };
  } finally {
    conn.stop();
  }
}

async function resolveWeights(plan: RunPlan, secrets: SecretLookup, signal: AbortSignal): Promise<{ resolved: Array<ResolvedWeights | null>; notes: string[] }> {
  const { describePlanWeights } = await import('../../weights/stage.js');
  const rows = await describePlanWeights(plan, { secrets }, signal);
  const notes: string[] = [];
  const resolved = rows.map((r) => {
    if (!r.resolved) {
      notes.push(`${r.entry.repoId}@${r.entry.revision}: ${r.error?.message ?? 'not resolved'}`);
      return null;
    }
    return { entry: r.entry, commit: r.resolved.commit, files: r.resolved.files.map((f) => ({ path: f.path, size: f.size })) };
  });
  return { resolved, notes };
}

const NO_SECRETS: SecretLookup = { get: async () => null };

export async function prepareKubernetesExport(path: string, o: PrepareOptions = {}): Promise<PreparedExport> {
  checkOptions(o);
  const loaded = await loadTruss(path);
  if (!loaded.config) throw new ExportConfigError(loaded.configPath, loaded.issues);
  const settings = planSettingsFrom(o.settings ?? {}, {});
  const { plan, issues } = buildRunPlan({
    config: loaded.config,
    configPath: loaded.configPath,
    trussDir: loaded.trussDir,
    trussFacts: loaded.trussFacts,
    machine: { gpus: [], gpuCapabilities: { usable: false, via: 'none' }, heldDeviceIds: [] },
    settings: exportPlanSettings(settings.shmSizeBytes),
    positions: loaded.positions,
  });
  const all = [...loaded.issues, ...issues];
  if (!plan) throw new ExportConfigError(loaded.configPath, all);
  const secrets = o.secrets ?? NO_SECRETS;
  const lookups: string[] = [];
  const signal = AbortSignal.timeout(o.lookupTimeoutMs ?? 30_000);

  let imageDigest = o.imageDigest ?? null;
  let resolved: Array<ResolvedWeights | null> = plan.weights.map(() => null);
  if (!o.offline) {
    const [digest, weights] = await Promise.all([
      imageDigest || plan.build || plan.image.includes('@') ? Promise.resolve<{ digest: string | null; note?: string }>({ digest: imageDigest }) : localDigest(plan.image, signal),
      plan.weights.length ? resolveWeights(plan, secrets, signal) : Promise.resolve({ resolved, notes: [] }),
    ]);
    imageDigest = digest.digest;
    if (digest.note) lookups.push(digest.note);
    resolved = weights.resolved;
    lookups.push(...weights.notes);
  }

  let secretValues: Record<string, string> | undefined;
  if (o.includeSecrets) {
    const names = secretNames(plan);
    secretValues = {};
    for (const n of [...names.server, ...names.weightsOnly]) {
      const v = await secrets.get(n);
      if (v !== null) secretValues[n] = v;
    }
  }
  const result = exportKubernetes({ config: loaded.config, plan, options: o, imageDigest, resolvedWeights: resolved, secretValues });
  const failures = await validateObjects(result.objects);
  if (failures.length) {
    throw new BerthError('INTERNAL', `the exported manifests do not validate against the Kubernetes schema: ${failures.map((f) => `${f.kind} ${f.name}: ${f.message}`).join('; ')}`, 'this is a Berth bug: report it with the config');
  }
  return { configPath: loaded.configPath, result, files: renderFiles(result, loaded.configPath), stream: renderStream(result, loaded.configPath), issues: all.filter((i) => i.severity === 'warning'), lookups };
}
