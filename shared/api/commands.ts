// The command half of the contract: name -> zod input schema + phantom output type.
// Both transports (Electron IPC, HTTP) and the renderer derive everything from this map,
// so a command added here is bound and exposed everywhere without further edits.
import { z } from 'zod';
import type { DeploymentSummary } from '../deployment.js';
import type { GpuReport } from '../gpu.js';
import type { MemoryEstimate } from '../fit/types.js';
import type { ProbeResult } from '../deployment.js';
import type { KubernetesExport } from '../kubernetes-export.js';
import { UI_ORIGIN, type FileListing, type MachineInfo } from '../remote.js';
import type { CatalogEntry, CatalogNeeds, CreatedConfig, HubModelCheck } from '../catalog.js';
import type { RequestRecord } from '../requests.js';
import { BENCH_LIMITS, type BenchProgress, type BenchRun } from '../bench.js';
import type { ApiResponse } from './transport.js';
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

// Machine names are used in file names and CLI flags: keep them short and plain.
const machineName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/i, 'machine names use letters, digits, "-" and "_" (up to 40)');

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
    captureRequestBodies: z.boolean(),
  })
  .partial()
  .strict();

// Catalog entry names are folder names; the wizard's input mirrors shared/wizard's WizardInput
// (its own checks say what is wrong in words, so these only bound the shapes).
const catalogName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a catalog entry name, as `berth catalog list` shows it');
const wizardInput = z.object({
  server: z.enum(['vllm', 'sglang', 'tei', 'infinity', 'llamacpp', 'custom']),
  task: z.enum(['chat', 'embeddings', 'rerank', 'predict']),
  modelName: z.string().max(200),
  repoId: z.string().max(200).nullable(),
  revision: z.string().max(200),
  ggufFile: z.string().max(500).optional(),
  accelerator: z.string().max(40).nullable(),
  gpuCount: z.number().int(),
  secrets: z.array(z.string().max(200)).max(50),
  image: z.string().max(500).optional(),
  port: z.number().int().optional(),
  startCommand: z.string().max(10_000).optional(),
  predictEndpoint: z.string().max(500).optional(),
  readinessEndpoint: z.string().max(500).optional(),
  livenessEndpoint: z.string().max(500).optional(),
}).strict();

// Bounds here mirror electron/engine/bench's own checks (which say what to change).
const benchOptions = z.object({
  workload: z.enum(['chat', 'completions', 'embeddings', 'rerank']),
  concurrency: z.array(z.number().int().min(1).max(BENCH_LIMITS.maxConcurrency)).min(1).max(BENCH_LIMITS.maxLevels),
  requests: z.number().int().min(1).max(BENCH_LIMITS.maxRequests),
  durationS: z.number().positive().max(BENCH_LIMITS.maxDurationS),
  inputTokens: z.number().int().min(1).max(BENCH_LIMITS.maxInputTokens),
  outputTokens: z.number().int().min(1).max(BENCH_LIMITS.maxOutputTokens),
  body: z.record(z.string(), z.unknown()).nullable().optional(),
  model: z.string().max(500).nullable().optional(),
  goodputTtftMs: z.number().positive().nullable().optional(),
  goodputTpotMs: z.number().positive().nullable().optional(),
}).strict();

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
  /** A laptop driving this Berth over SSH lets its own UI's Playground call these gateways (CORS only; keys unchanged). */
  'gateway.allowUiOrigins': command<Ok>()(z.object({ origins: z.array(z.string().regex(UI_ORIGIN, 'only berth://app or http://127.0.0.1|localhost|[::1]:PORT')).max(8) }).strict()),

  /** Remote machines (issue 14): this machine plus those added, with connection state. */
  'machines.list': command<MachineInfo[]>()(empty),
  'machines.add': command<MachineInfo>()(z.object({ name: machineName, url: z.string().min(1), command: z.string().min(1).max(1000).optional(), allow: z.array(z.string().min(1).max(4096)).max(32).optional() }).strict()),
  'machines.remove': command<Ok>()(z.object({ name: machineName }).strict()),
  /** Connects (or reconnects now) and returns the state reached. */
  'machines.connect': command<MachineInfo>()(z.object({ name: machineName }).strict()),
  /** One command run by a remote machine's serve through the tunnel; its reply envelope as the result. */
  'machines.call': command<ApiResponse<unknown>>()(z.object({ machine: machineName, name: z.string().min(1), input: z.unknown().optional() }).strict()),
  /** Copies a local truss folder to a folder Berth manages on the machine; returns the path there. */
  'machines.upload': command<{ path: string }>()(z.object({ machine: machineName, path }).strict()),
  /** Folders and configs under the folders this Berth may open (the remote file picker). */
  'files.list': command<FileListing>()(z.object({ dir: z.string().min(1).optional() }).strict().optional()),

  /** Native file-open dialog (desktop app only; over HTTP it fails with BAD_REQUEST). */
  'dialog.openConfig': command<{ path: string | null }>()(empty),
  /** Native folder picker for "Copy to..." (desktop app, when its main wires one; else BAD_REQUEST). */
  'dialog.pickFolder': command<{ path: string | null }>()(empty),

  /** The catalog of runnable configs written for Berth (resources/catalog). */
  'catalog.list': command<CatalogEntry[]>()(empty),
  /** What an entry needs before it starts: GPU memory (the fit estimate), weights and image disk, secrets. */
  'catalog.needs': command<CatalogNeeds>()(z.object({ name: catalogName, refresh: z.boolean().optional() }).strict()),
  /** Run: the entry copied into a folder Berth manages (reused by a later Run), then opened. */
  'catalog.run': command<CreatedConfig>()(z.object({ name: catalogName }).strict()),
  /** Copy to...: the entry as an editable truss in a new or empty folder the user chose, then opened. */
  'catalog.copy': command<CreatedConfig>()(z.object({ name: catalogName, dir: path }).strict()),
  /** The new-config wizard's Hub check of a repo id: exists, gated, size, GGUF files. */
  'wizard.checkModel': command<HubModelCheck>()(
    z.object({ repoId: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a repo id such as org/name'), revision: z.string().min(1).max(200).optional() }).strict(),
  ),
  /** Writes the wizard's config (made here from the input and validated first) into a new folder, then opens it. */
  'wizard.create': command<CreatedConfig>()(z.object({ input: wizardInput, dir: z.string().min(1).optional() }).strict()),

  /** The gateway's request history of a deployment (oldest first); bodies on the latest requests only. */
  'requests.list': command<RequestRecord[]>()(
    z.object({ id, afterSeq: z.number().int().min(0).optional(), status: z.string().regex(/^([1-5]xx|\d{3})$/i, 'a status like 200, 429 or 5xx').optional(), route: z.string().max(500).optional(), kind: z.enum(['http', 'ws']).optional(), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
  ),
  /** One record by seq or request id. */
  'requests.get': command<RequestRecord>()(z.object({ id, key: z.union([z.string().min(1), z.number().int()]) }).strict()),
  /** The history as JSONL, one record a line. */
  'requests.export': command<{ jsonl: string; filename: string }>()(z.object({ id }).strict()),
  /** Starts a benchmark of a ready deployment through its gateway; progress via bench.status. */
  'bench.start': command<BenchProgress>()(z.object({ id, options: benchOptions }).strict()),
  'bench.cancel': command<Ok>()(z.object({ runId: z.string().min(1) }).strict()),
  /** The running (or last) benchmark of a deployment in this session; null when none. */
  'bench.status': command<BenchProgress | null>()(z.object({ id }).strict()),
  /** Stored runs of a deployment, newest first. */
  'bench.results': command<BenchRun[]>()(z.object({ id }).strict()),
  'bench.export': command<{ text: string; filename: string }>()(z.object({ id, runId: z.string().min(1), format: z.enum(['json', 'csv']) }).strict()),
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** What a caller passes (optional inputs may be omitted). */
export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>;
/** What the implementation receives after validation. */
export type CommandParsed<K extends CommandName> = z.output<Commands[K]['input']>;
export type CommandOutput<K extends CommandName> = Commands[K]['output'];

