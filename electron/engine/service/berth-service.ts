// BerthService: the API contract implemented on top of the managers (via service-deps.ts).
// Transports call handle(name, rawInput): input is validated with the contract's zod
// schema here, and every failure comes back as a BerthErrorShape, never a thrown stack.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import {
  isCommandName,
  parseCommandInput,
  unknownCommandError,
  type ApiResponse,
  type CommandName,
  type CommandOutput,
  type CommandParsed,
  type DeploymentDetail,
  type SecretsProtection,
} from '../../../shared/api/index.js';
import { EventBus } from './event-bus.js';
import { listExamples } from './examples.js';
import { LogBatcher } from './log-batcher.js';
import type { DeploymentPort, ServicePorts, Unsubscribe } from './service-deps.js';
import { parseSecretText } from './secret-import.js';
import { findOpenConfig, PathPolicy, writeConfigInPlace } from './path-policy.js';
import { hubCacheDir, weightsViewsRoot } from '../weights/cache-paths.js';
import { listCachedWeights, removeCachedRepo } from '../weights/inventory.js';
import { MemoryEstimator } from './memory-estimate.js';
import { catalogHandlers, lazyCatalogHandlers } from './catalog-handlers.js';
import { requestHandlers } from './requests-handlers.js';
import { benchHandlers } from './bench-handlers.js';
import { machineHandlers } from './machine-handlers.js';
import type { Machines } from '../remote/machines.js';
import { API_VERSION, type MachineEvent, type MachineInfo } from '../../../shared/remote.js';

type Handlers = { [K in CommandName]: (input: CommandParsed<K>) => Promise<CommandOutput<K>> };

/** Names Berth keeps for itself in the secret store (e.g. the gateway key). */
const RESERVED_SECRET_PREFIX = 'berth.';

export interface BerthServiceOptions {
  transport: 'ipc' | 'http';
  /** Reported by app.info; default: the 0600 file store headless Berth uses. */
  secretsProtection?: SecretsProtection;
  /** Which paths deployments.open accepts; default: trust the caller over IPC, else the allowed set (path-policy.ts). */
  paths?: PathPolicy;
  /** Remote machines (issue 14); without it machines.* answer that they are unavailable. */
  machines?: Machines;
}

export class BerthService {
  readonly events = new EventBus();
  /** Which config paths may be opened (and so read and saved); `berth serve` adds its PATHs and --allow folders. */
  readonly paths: PathPolicy;
  private readonly logBatcher = new LogBatcher((b) => this.events.emit('deployment.log', b));
  private readonly deploymentSubs = new Map<string, Unsubscribe>();
  private readonly portSubs: Unsubscribe[] = [];
  private closed = false;
  private readonly memory: MemoryEstimator;

  constructor(
    private readonly ports: ServicePorts,
    private readonly opts: BerthServiceOptions = { transport: 'http' },
  ) {
    this.paths =
      opts.paths ??
      new PathPolicy({
        trustCaller: opts.transport === 'ipc',
        folders: [ports.examplesDir],
        recent: async () => (await ports.recent.list()).map((r) => r.path),
      });
    this.memory = new MemoryEstimator({ gpu: ports.gpu, secrets: ports.secrets, weightsCacheDir: ports.weightsCacheDir });
    this.portSubs.push(ports.engine.onStatus((s) => this.events.emit('engine.status', s)));
    let stopSamples: Unsubscribe | null = null;
    this.portSubs.push(
      this.events.onActivity((active) => {
        if (active && !stopSamples) stopSamples = ports.gpu.onSample((s) => this.events.emit('gpu.sample', s));
        else if (!active && stopSamples) {
          stopSamples();
          stopSamples = null;
        }
      }),
      () => stopSamples?.(),
    );
    for (const d of ports.supervisor.list()) this.watch(d);
    const machines = opts.machines;
    if (machines) {
      const onStatus = (i: MachineInfo) => this.events.emit('machine.status', i);
      const onEvent = (e: MachineEvent) => this.events.emit('machine.event', e);
      machines.on('status', onStatus).on('event', onEvent);
      this.portSubs.push(() => machines.off('status', onStatus).off('event', onEvent));
    }
    const tasks = ports.supervisor.tasks;
    if (tasks) this.portSubs.push(tasks.onTask((t) => this.events.emit('task', t)));
  }

  /** The one entry point of both transports. Never throws. */
  async handle(name: string, rawInput: unknown): Promise<ApiResponse<unknown>> {
    if (!isCommandName(name)) return { ok: false, error: unknownCommandError(name) };
    const parsed = parseCommandInput(name, rawInput);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    try {
      const fn = this.handlers[name] as (i: unknown) => Promise<unknown>;
      const result = await fn(parsed.value);
      return { ok: true, result: result === undefined ? null : result };
    } catch (err) {
      const shape = toErrorShape(err);
      if (shape.code === 'INTERNAL' && !shape.hint) shape.hint = 'This is a Berth bug: retry, and if it persists report it with the log (BERTH_DEBUG=1 shows details).';
      if (process.env.BERTH_DEBUG) console.error(`[berth] ${name} failed:`, err);
      return { ok: false, error: shape };
    }
  }

  /** Typed call for in-process users (CLI, tests): throws BerthError on failure. */
  async call<K extends CommandName>(name: K, input?: unknown): Promise<CommandOutput<K>> {
    const r = await this.handle(name, input);
    if (!r.ok) throw new BerthError(r.error.code, r.error.message, r.error.hint);
    return r.result as CommandOutput<K>;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.benchImpl?.cancelAll();
    this.logBatcher.close();
    for (const u of this.portSubs) u();
    for (const u of this.deploymentSubs.values()) u();
    this.deploymentSubs.clear();
  }

  private deployment(id: string): DeploymentPort {
    const d = this.ports.supervisor.get(id);
    if (!d) throw new BerthError('NOT_FOUND', `No open deployment '${id}'.`, 'Open its config first (deployments.open), or refresh the list.');
    return d;
  }

  private watch(d: DeploymentPort): void {
    if (this.deploymentSubs.has(d.id)) return;
    const id = d.id;
    const unsub = d.subscribe((ev) => {
      switch (ev.type) {
        case 'state':
          this.events.emit('deployment.state', { id, state: ev.state, summary: d.summary() });
          break;
        case 'timeline':
          this.events.emit('deployment.timeline', { id, event: ev.event });
          break;
        case 'log':
          this.logBatcher.push(id, ev.lines);
          break;
        case 'probe':
          this.events.emit('deployment.probe', { id, probe: ev.probe });
          break;
        case 'progress':
          this.events.emit('deployment.progress', { id, progress: ev.progress });
          break;
        case 'metrics':
          this.events.emit('deployment.metrics', { id, metrics: ev.metrics });
          break;
      }
    });
    this.deploymentSubs.set(id, unsub);
  }

  private emitChanged(): void {
    this.events.emit('deployments.changed', { deployments: this.ports.supervisor.list().map((d) => d.summary()) });
  }

  private async openPath(path: string): Promise<DeploymentPort> {
    const abs = resolve(path);
    if (!existsSync(abs)) throw new BerthError('NOT_FOUND', `Nothing at ${abs}.`, 'Pick a truss directory or its config.yaml.');
    const d = await this.ports.supervisor.open(abs);
    this.watch(d);
    const s = d.summary();
    this.paths.allowPath(s.configPath);
    await this.ports.recent.add(s.configPath, s.modelName || null).catch(() => {});
    this.emitChanged();
    return d;
  }

  // Made on first use: ports are not assigned yet while fields initialise.
  private benchImpl: ReturnType<typeof benchHandlers> | null = null;
  private get bench(): ReturnType<typeof benchHandlers> {
    return (this.benchImpl ??= benchHandlers(this.ports, (id) => this.deployment(id)));
  }

  private readonly handlers: Handlers = {
    'requests.list': (i) => requestHandlers(this.ports.requestLogs)['requests.list'](i),
    'requests.get': (i) => requestHandlers(this.ports.requestLogs)['requests.get'](i),
    'requests.export': (i) => requestHandlers(this.ports.requestLogs)['requests.export'](i),
    'bench.start': (i) => this.bench['bench.start'](i),
    'bench.cancel': (i) => this.bench['bench.cancel'](i),
    'bench.status': (i) => this.bench['bench.status'](i),
    'bench.results': (i) => this.bench['bench.results'](i),
    'bench.export': (i) => this.bench['bench.export'](i),
    ...lazyCatalogHandlers(() => catalogHandlers(this.ports, this.paths, (p) => this.openPath(p))),
    ...machineHandlers(() => this.opts.machines, () => this.paths, () => this.ports.examplesDir),
    'app.info': async () => ({
      version: this.ports.version,
      apiVersion: API_VERSION,
      transport: this.opts.transport,
      canOpenDialog: !!this.ports.openDialog,
      canPickFolder: !!this.ports.pickFolder,
      dataDir: this.ports.dataDir,
      platform: process.platform,
      secretsProtection: this.opts.secretsProtection ?? { protection: 'file-0600', backend: null, warning: null },
    }),
    'engine.status': async () => this.ports.engine.status(),
    'gpus.report': async (i) => this.ports.gpu.report(!!i?.refresh),

    'deployments.list': async () => this.ports.supervisor.list().map((d) => d.summary()),
    'deployments.open': async ({ path }) => {
      await this.paths.check(path);
      return (await this.openPath(path)).summary();
    },
    'deployments.validateText': async ({ text, path }) => this.ports.supervisor.validateText(text, path),
    'deployments.saveConfig': async ({ path, text }) => {
      // Only configs open right now may be written: the HTTP API must not become a file writer.
      const found = await findOpenConfig(this.ports.supervisor.list(), path);
      if (!found) throw new BerthError('BAD_REQUEST', `${resolve(path)} is not an open config.`, 'Open the config first, then save it.');
      await writeConfigInPlace(found.file, text);
      const d = await this.openPath(found.deployment.configPath);
      return { summary: d.summary(), issues: d.issues() };
    },
    'deployments.close': async ({ id, keepRunning }) => {
      this.deployment(id);
      await this.ports.supervisor.close(id, { keepRunning: !!keepRunning });
      this.deploymentSubs.get(id)?.();
      this.deploymentSubs.delete(id);
      this.emitChanged();
      return { ok: true as const };
    },
    'deployments.start': async ({ id, cpuOnly, repull }) => {
      const d = this.deployment(id);
      // "Start on CPU instead" is judged by a CPU plan: the GPU errors of the last (GPU)
      // plan are exactly what it answers.
      if (cpuOnly) await d.replan({ cpuOnly: true });
      const summary = d.summary();
      if (summary.errors.some((e) => e.severity === 'error')) {
        throw new BerthError('CONFIG_INVALID', `${summary.configPath} has ${summary.errors.filter((e) => e.severity === 'error').length} error(s).`, 'Fix the errors shown in the Config tab, save, then start.');
      }
      for (const name of d.declaredSecrets()) {
        if (!(await this.ports.secrets.has(name))) {
          throw new BerthError('SECRET_MISSING', `Secret '${name}' is declared in the config but has no value.`, `Add it in Secrets (or: berth secrets set ${name}), then start again.`);
        }
      }
      // Start runs to ready in the background; progress arrives as events.
      d.start({ cpuOnly, repull }).catch(() => {
        // The deployment records the failure in its state and timeline.
      });
      return d.summary();
    },
    'deployments.stop': async ({ id }) => {
      const d = this.deployment(id);
      await d.stop();
      return d.summary();
    },
    'deployments.restart': async ({ id }) => {
      const d = this.deployment(id);
      d.restart().catch(() => {});
      return d.summary();
    },
    'deployments.memory': async ({ id, refresh }) => this.memory.estimate(this.deployment(id), { refresh }),
    'deployments.get': async ({ id }) => {
      const d = this.deployment(id);
      const secrets = await Promise.all(d.declaredSecrets().map(async (name) => ({ name, present: await this.ports.secrets.has(name) })));
      const detail: DeploymentDetail = {
        summary: d.summary(),
        plan: d.plan(),
        dockerRun: d.dockerRun(),
        timeline: d.timeline(),
        probes: d.probes(50),
        metrics: d.metrics(),
        progress: d.progress(),
        configText: d.configText(),
        issues: d.issues(),
        secrets,
      };
      return detail;
    },

    'deployments.exportKubernetes': async ({ id, ...options }) => {
      const d = this.deployment(id);
      const { prepareKubernetesExport } = await import('../export/kubernetes/prepare.js');
      const secrets = this.ports.secrets;
      // Values leave the store only when the caller asked (includeSecrets); tokens also resolve weights.
      const r = await prepareKubernetesExport(d.configPath, {
        ...options,
        secrets: { get: async (n) => (secrets.get && !n.startsWith(RESERVED_SECRET_PREFIX) ? secrets.get(n) : null) },
        imageDigest: d.summary().imageDigest ?? null,
        settings: this.ports.settings.get() as { shmSize?: string },
        lookupTimeoutMs: 20_000,
      });
      return {
        yaml: r.stream,
        files: r.files,
        objects: r.result.objects.map((o) => ({ kind: o.kind, name: o.name })),
        notes: [...r.result.notes, ...r.lookups],
        secretValuesIncluded: r.result.secretValuesIncluded,
      };
    },

    'logs.tail': async ({ id, n }) => {
      this.logBatcher.flush();
      return this.deployment(id).logsTail(n ?? 1000);
    },
    'logs.since': async ({ id, seq, limit }) => {
      this.logBatcher.flush();
      return this.deployment(id).logsSince(seq, limit ?? 5000);
    },
    'probes.history': async ({ id, limit }) => this.deployment(id).probes(limit ?? 200),

    'examples.list': async () => listExamples(this.ports.examplesDir),
    'recent.list': async () => (await this.ports.recent.list()).map((r) => ({ ...r, exists: existsSync(r.path) })),

    'tasks.list': async (i) => this.ports.supervisor.tasks?.list(i?.deployment ? { deployment: i.deployment } : {}) ?? [],
    'weights.list': async () => {
      const open = this.ports.supervisor.list().map((d) => d.summary().configPath);
      const recent = (await this.ports.recent.list().catch(() => [])).map((r) => r.path);
      return listCachedWeights(this.ports.weightsCacheDir ?? hubCacheDir(), [...new Set([...open, ...recent])]);
    },
    'weights.remove': async ({ repoId }) => {
      const running = new Set(this.ports.supervisor.list().filter((d) => !['idle', 'stopped', 'failed'].includes(d.summary().state.name)).map((d) => d.id));
      const cacheDir = this.ports.weightsCacheDir ?? hubCacheDir();
      await removeCachedRepo(cacheDir, repoId, weightsViewsRoot(cacheDir), running);
      return { ok: true as const };
    },
    'secrets.list': async () => {
      const names = (await this.ports.secrets.names()).filter((n) => !n.startsWith(RESERVED_SECRET_PREFIX));
      const deployments = this.ports.supervisor.list();
      return names.sort().map((name) => ({ name, usedBy: deployments.filter((d) => d.declaredSecrets().includes(name)).map((d) => d.id) }));
    },
    'secrets.set': async ({ name, value }) => {
      if (name.startsWith(RESERVED_SECRET_PREFIX)) throw new BerthError('BAD_REQUEST', `Secret names starting with '${RESERVED_SECRET_PREFIX}' are reserved for Berth.`, 'Pick another name.');
      await this.ports.secrets.set(name, value);
      return { ok: true as const };
    },
    'secrets.delete': async ({ name }) => {
      if (!(await this.ports.secrets.has(name))) throw new BerthError('NOT_FOUND', `No secret named '${name}'.`, 'See the list of secrets for the exact name.');
      await this.ports.secrets.delete(name);
      return { ok: true as const };
    },
    'secrets.import': async (input) => {
      let text: string;
      let from: string;
      if (input.source === 'text') {
        text = input.text;
        from = 'the pasted text';
      } else {
        from = input.source === 'truss' ? (input.path ?? this.ports.trussConfigPath ?? join(homedir(), '.truss', 'config.yaml')) : resolve(input.path);
        try {
          text = await readFile(from, 'utf8');
        } catch {
          throw new BerthError('NOT_FOUND', `Could not read ${from}.`, input.source === 'truss' ? 'Truss keeps local secrets in ~/.truss/config.yaml under "secrets:"; create it or import a file instead.' : 'Check the path and that the file is readable.');
        }
      }
      let parsed;
      try {
        parsed = parseSecretText(text);
      } catch (err) {
        throw new BerthError('BAD_REQUEST', `Could not read secrets from ${from}: ${(err as Error).message}.`, 'Use NAME=value lines (.env) or a YAML map of name: value.');
      }
      const imported: string[] = [];
      const skipped = [...parsed.skipped];
      for (const [name, value] of parsed.values) {
        if (name.startsWith(RESERVED_SECRET_PREFIX)) skipped.push({ name, reason: 'reserved name' });
        else if (!input.overwrite && (await this.ports.secrets.has(name))) skipped.push({ name, reason: 'already set (choose overwrite to replace)' });
        else {
          await this.ports.secrets.set(name, value);
          imported.push(name);
        }
      }
      return { imported, skipped };
    },

    'settings.get': async () => this.ports.settings.get(),
    'settings.update': async ({ patch }) => this.ports.settings.update(patch),

    'gateway.info': async () => {
      const s = this.ports.settings.get();
      return {
        host: s.gatewayExpose ? '0.0.0.0' : '127.0.0.1',
        requireKey: s.gatewayExpose || s.gatewayRequireKeyOnLoopback,
        keyConfigured: await this.ports.gatewayKey.exists(),
        deployments: this.ports.supervisor.list().map((d) => ({ id: d.id, url: d.summary().gatewayUrl, routes: d.plan()?.gateway.routes ?? [] })),
      };
    },
    'gateway.generateKey': async () => ({ key: await this.ports.gatewayKey.generate() }),

    'dialog.openConfig': async () => {
      if (!this.ports.openDialog) throw new BerthError('BAD_REQUEST', 'File dialogs exist only in the desktop app.', 'Type or paste the path to a truss directory or config.yaml instead.');
      const picked = await this.ports.openDialog();
      // What the user picked in the native dialog is theirs to open.
      if (picked) this.paths.allowPath(picked);
      return { path: picked };
    },
  };
}
