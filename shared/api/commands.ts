// The command half of the contract: name -> zod input schema + phantom output type.
// Both transports (Electron IPC, HTTP) and the renderer derive everything from this map,
// so a command added here is bound and exposed everywhere without further edits.
import { z } from 'zod';
import type { DeploymentSummary } from '../deployment.js';
import type { GpuReport } from '../gpu.js';
import type { MemoryEstimate } from '../fit/types.js';
import type { ProbeResult } from '../deployment.js';
import type { KubernetesExport } from '../kubernetes-export.js';
import type {
  AppInfo,
  BerthSettings,
  DeploymentDetail,
  EngineStatus,
  ExampleInfo,
  GatewayInfo,
  LogPage,
  Ok,
  RecentEntry,
  SaveConfigResult,
  SecretEntry,
  SecretImportResult,
  WeightsInventory,
  TaskInfo,
  ValidateResult,
} from './types.js';

/** The output type rides along as a phantom: `output` is never read at runtime. */
function command<O>() {
  return <I extends z.ZodType>(input: I): { input: I; output: O } => ({ input, output: undefined as unknown as O });
}

const empty = z.object({}).strict().optional();
const id = z.string().min(1, 'deployment id is required');
const path = z.string().min(1, 'a path to a truss directory or config.yaml is required');
// Secret names end up as file names under /secrets: keep them to a safe charset.
const secretName = z
  .string()
  .min(1, 'secret name is required')
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+$/, 'secret names may use letters, digits, "_", "-" and "." only');

export const settingsPatchSchema = z
  .object({
    dockerHost: z.string().trim().min(1).nullable(),
    probePeriodMs: z.number().int().min(1000).max(600_000),
    keepRunningOnQuit: z.boolean(),
    shmSize: z.string().trim().regex(/^\d+(\.\d+)?\s*([kmgt]i?b?|b)?$/i, 'a size like "8g", "512m" or "16GiB"'),
    shareHfCache: z.boolean(),
    gatewayExpose: z.boolean(),
    gatewayRequireKeyOnLoopback: z.boolean(),
    allowGpuSharing: z.boolean(),
    applyResourceLimits: z.boolean(),
    disableHardwareAcceleration: z.boolean(),
  })
  .partial()
  .strict();

export const commands = {
  'app.info': command<AppInfo>()(empty),
  'engine.status': command<EngineStatus>()(empty),
  'gpus.report': command<GpuReport>()(z.object({ refresh: z.boolean().optional() }).strict().optional()),

  'deployments.list': command<DeploymentSummary[]>()(empty),
  /** Loads a config (dir or file). Config errors come back in summary.errors, not as a failure. */
  'deployments.open': command<DeploymentSummary>()(z.object({ path }).strict()),
  /** Validates editor text without saving: positioned issues plus the plan it would give. */
  'deployments.validateText': command<ValidateResult>()(
    z.object({ text: z.string().max(1_000_000), path: z.string().optional() }).strict(),
  ),
  /** Writes config text to disk (the file must be an opened config) and reloads it. */
  'deployments.saveConfig': command<SaveConfigResult>()(
    z.object({ path, text: z.string().max(1_000_000) }).strict(),
  ),
  /** Forgets a deployment; stops its container first unless keepRunning. */
  'deployments.close': command<Ok>()(z.object({ id, keepRunning: z.boolean().optional() }).strict()),
  'deployments.start': command<DeploymentSummary>()(
    z.object({ id, cpuOnly: z.boolean().optional(), repull: z.boolean().optional() }).strict(),
  ),
  'deployments.stop': command<DeploymentSummary>()(z.object({ id }).strict()),
  'deployments.restart': command<DeploymentSummary>()(z.object({ id }).strict()),
  'deployments.get': command<DeploymentDetail>()(z.object({ id }).strict()),
  /** Will it fit: the GPU memory estimate for an open config on this machine's GPUs (reads headers, never weights). */
  'deployments.memory': command<MemoryEstimate>()(z.object({ id, refresh: z.boolean().optional() }).strict()),

  'logs.tail': command<LogPage>()(z.object({ id, n: z.number().int().min(1).max(100_000).optional() }).strict()),
  'logs.since': command<LogPage>()(
    z.object({ id, seq: z.number().int().min(0), limit: z.number().int().min(1).max(100_000).optional() }).strict(),
  ),
  /** Kubernetes manifests for an open config; secret values only with includeSecrets. */
  'deployments.exportKubernetes': command<KubernetesExport>()(
    z.object({
      id,
      namespace: z.string().min(1).max(63).optional(),
      replicas: z.number().int().min(1).max(1000).optional(),
      includeSecrets: z.boolean().optional(),
      ingressHost: z.string().min(1).max(253).optional(),
      storageClass: z.string().min(1).max(253).optional(),
    }).strict(),
  ),
  'probes.history': command<ProbeResult[]>()(z.object({ id, limit: z.number().int().min(1).max(10_000).optional() }).strict()),

  'examples.list': command<ExampleInfo[]>()(empty),
  'recent.list': command<RecentEntry[]>()(empty),

  /** Pulls, builds and weights downloads: running ones and the last ended ones (filter by deployment id). */
  'tasks.list': command<TaskInfo[]>()(z.object({ deployment: z.string().min(1).optional() }).strict().optional()),
  /** The host's Hugging Face cache: repos, sizes, revisions, and which configs use them. */
  'weights.list': command<WeightsInventory>()(empty),
  /** Removes a repo from the cache (and the views of stopped deployments). */
  'weights.remove': command<Ok>()(z.object({ repoId: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a repo id such as org/name') }).strict()),
  'secrets.list': command<SecretEntry[]>()(empty),
  'secrets.set': command<Ok>()(z.object({ name: secretName, value: z.string().min(1, 'secret value is empty').max(1_000_000) }).strict()),
  'secrets.delete': command<Ok>()(z.object({ name: secretName }).strict()),
  /**
   * Imports secrets: from Truss's ~/.truss/config.yaml (source 'truss'), from a file
   * (source 'file', .env or YAML/JSON map), or from pasted text (source 'text').
   */
  'secrets.import': command<SecretImportResult>()(
    z.discriminatedUnion('source', [
      z.object({ source: z.literal('truss'), path: z.string().optional(), overwrite: z.boolean().optional() }).strict(),
      z.object({ source: z.literal('file'), path, overwrite: z.boolean().optional() }).strict(),
      z.object({ source: z.literal('text'), text: z.string().max(1_000_000), overwrite: z.boolean().optional() }).strict(),
    ]),
  ),

  'settings.get': command<BerthSettings>()(empty),
  'settings.update': command<BerthSettings>()(z.object({ patch: settingsPatchSchema }).strict()),

  'gateway.info': command<GatewayInfo>()(empty),
  /** Creates (or replaces) the gateway API key; the value is returned this once only. */
  'gateway.generateKey': command<{ key: string }>()(empty),

  /** Native file-open dialog (desktop app only; over HTTP it fails with BAD_REQUEST). */
  'dialog.openConfig': command<{ path: string | null }>()(empty),
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** What a caller passes (optional inputs may be omitted). */
export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>;
/** What the implementation receives after validation. */
export type CommandParsed<K extends CommandName> = z.output<Commands[K]['input']>;
export type CommandOutput<K extends CommandName> = Commands[K]['output'];

