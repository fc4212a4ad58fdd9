// Owns every Deployment of one Berth instance: routes engine events to them, recovers
// (re-adopts or removes) containers left from an earlier run, follows the engine going
// away and coming back, and stops everything on shutdown unless asked to keep it running.
import { existsSync } from 'node:fs';
import { TypedEmitter, type Disposable } from '../events/typed-emitter.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import type { DeploymentState, DeploymentSummary } from '../../../shared/deployment.js';
import { LABELS } from '../../../shared/plan.js';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import type { DeploymentStateName } from '../../../shared/deployment.js';
import { BUILD_CONTAINER_LABEL, isBuildContainerInUse } from '../build/labels.js';
import { Deployment, type StartOptions } from './deployment.js';
import type { BackoffOptions } from './backoff.js';
import type { ContainerEvent, ContainerFacts, DeploymentEnv } from './deployment-env.js';
import type { ProbeFn } from './probe-loop.js';

export interface EnginePort {
  isUp(): boolean;
  /** Called with every change of engine availability. */
  onStatus(fn: (up: boolean, reason: string) => void): () => void;
  /** Streams die/oom/start/... events of Berth-managed containers; returns a stopper. */
  watchEvents(onEvent: (ev: ContainerEvent) => void, onError: (err: unknown) => void): () => void;
  /** Containers carrying the managed label and this instance's label. */
  listManaged(instanceId: string): Promise<ContainerFacts[]>;
  /** Force-removes a container and its secrets dir. */
  removeContainer(facts: ContainerFacts): Promise<void>;
}

export interface SupervisorOptions {
  engine: EnginePort;
  /** Builds the environment of one deployment (its log buffer, gateway, ...). */
  envFor(deploymentId: string, configPath: string): DeploymentEnv;
  /** Resolves the deployment id of a config (the plan's deploymentId) without side effects. */
  deploymentIdFor(configPath: string): Promise<string>;
  instanceId: string;
  keepRunningOnQuit?: boolean;
  probePeriodMs?: number;
  backoff?: BackoffOptions;
  stopTimeoutS?: number;
  /** Safety net when the event stream misses an exit (ms; 0 disables). */
  pollMs?: number;
  probe?: ProbeFn;
  /** Recovery passes per engine connection while listing or a removal fails (default 5). */
  recoveryAttempts?: number;
  /** First delay between those passes, doubling (ms, default 500). */
  recoveryRetryMs?: number;
  /** Whether a leftover's config file still exists, for `reopen` (default: on disk). */
  configExists?: (path: string) => boolean;
}

export interface RecoveryOptions {
  /** Remove managed containers of this instance that match no open deployment (the app). */
  removeUnknown: boolean;
  adopt?: boolean;
  startOptions?: StartOptions;
  /** Re-open the config of each running leftover (when the file still exists) so it is re-adopted. */
  reopen?: boolean;
}

export interface RecoveryReport {
  adopted: Array<{ deploymentId: string; containerId: string; name: string }>;
  removed: Array<{ containerId: string; name: string; reason: string }>;
  /** Leftovers that could not be removed after the retries (tried again at the next connection). */
  failed?: Array<{ containerId: string; name: string; error: string }>;
  /** Why the engine could not be asked at all, after the retries. */
  error?: string;
}

/** Deployments creating, replacing or removing their container: not to be touched by recovery. */
const BUSY_STATES: ReadonlySet<DeploymentStateName> = new Set(['pulling', 'building', 'fetching_weights', 'starting', 'restarting', 'stopping']);

/** What the Supervisor tells its owner; per-deployment events come from the Deployment itself. */
export interface SupervisorEvents {
  state: [string, DeploymentState];
  recovery: [RecoveryReport];
}

export class Supervisor extends TypedEmitter<SupervisorEvents> {
  private readonly deployments = new Map<string, Deployment>();
  private readonly subscriptions = new Map<string, Disposable[]>();
  /** Every deployment's pull/build/weights tasks: what the API lists and Stop cancels. */
  readonly tasks = new TaskRegistry();
  private stopEvents: (() => void) | null = null;
  private stopStatus: (() => void) | null = null;
  private poller: NodeJS.Timeout | null = null;
  private closed = false;
  /** What init was asked to recover; every engine (re)connection recovers the same way. */
  private recoveryOpts: RecoveryOptions | null = null;
  private recovering: Promise<RecoveryReport> | null = null;
  private recoverAgain = false;
  /** Containers this process left running on purpose (close with keepRunning): not leftovers. */
  private readonly detached = new Set<string>();
  /** Opens and closes in flight, by deployment id: concurrent opens share one. */
  private readonly opening = new Map<string, Promise<Deployment>>();
  private readonly closing = new Map<string, Promise<void>>();

  constructor(private readonly o: SupervisorOptions) {
    super();
  }

  list(): Deployment[] {
    return [...this.deployments.values()];
  }

  summaries(): DeploymentSummary[] {
    return this.list().map((d) => d.summary());
  }

  get(id: string): Deployment {
    const d = this.deployments.get(id);
    if (!d) throw new BerthError('NOT_FOUND', `no open deployment '${id}'`, 'open the config first (deployments.open or `berth run PATH`)');
    return d;
  }

  /**
   * Opens (or returns the already open) deployment for a config and loads its plan.
   * Concurrent opens of one deployment (any spelling of its path) share one Deployment and
   * one load; an open racing a close of it waits for the close and opens a fresh one.
   */
  async open(configPath: string): Promise<Deployment> {
    const id = await this.o.deploymentIdFor(configPath);
    for (let c = this.closing.get(id); c; c = this.closing.get(id)) await c.catch(() => undefined);
    const pending = this.opening.get(id);
    if (pending) return pending;
    const p = (async () => {
      const d = this.deployments.get(id) ?? this.create(id, configPath);
      await d.load().catch(() => undefined);
      return d;
    })().finally(() => {
      if (this.opening.get(id) === p) this.opening.delete(id);
    });
    this.opening.set(id, p);
    return p;
  }

  private create(id: string, configPath: string): Deployment {
    const d = new Deployment({
      id,
      configPath,
      env: this.o.envFor(id, configPath),
      backoff: this.o.backoff,
      probePeriodMs: this.o.probePeriodMs,
      stopTimeoutS: this.o.stopTimeoutS,
      probe: this.o.probe,
      tasks: this.tasks,
    });
    // Released when the deployment is closed (the subscriptions are its, not the emitter's).
    this.subscriptions.set(id, [
      d.on('state', (s) => this.emit('state', id, s)),
    ]);
    this.deployments.set(id, d);
    return d;
  }

  /**
   * Starts watching the engine and recovers leftovers. With `removeUnknown`, managed
   * containers of this instance that match no open deployment are removed (the app owns
   * the instance); without it only the open deployments' own leftovers are touched
   * (`berth run` must not remove what another Berth process of the same instance runs).
   * Recovery runs now when the engine is up, and on every engine (re)connection after, with
   * bounded retries (recoveryAttempts); each pass is reported by a `recovery` event.
   */
  async init(opts: RecoveryOptions = { removeUnknown: true }): Promise<RecoveryReport> {
    // Every engine (re)connection recovers with these options, also when the engine is down
    // now: leftovers must not keep their GPUs and names until Berth restarts.
    this.recoveryOpts = opts;
    this.stopStatus?.();
    this.stopStatus = this.o.engine.onStatus((up, reason) => void this.onEngineStatus(up, reason));
    if (this.o.pollMs !== 0) {
      if (this.poller) clearInterval(this.poller);
      this.poller = setInterval(() => {
        for (const d of this.deployments.values()) void d.checkContainer();
      }, this.o.pollMs ?? 5000);
      this.poller.unref?.();
    }
    if (!this.o.engine.isUp()) return { adopted: [], removed: [] };
    this.watch();
    return this.runRecovery();
  }

  private watch(): void {
    this.stopEvents?.();
    this.stopEvents = this.o.engine.watchEvents(
      (ev) => {
        for (const d of this.deployments.values()) if (d.containerId === ev.containerId) d.onContainerEvent(ev);
      },
      () => {
        // The watcher reconnects and replays by itself; a gap is still worth a look for exits.
        if (this.closed || !this.o.engine.isUp()) return;
        setTimeout(() => {
          for (const d of this.deployments.values()) void d.checkContainer();
        }, 500).unref?.();
      },
    );
  }

  /** One recovery pass (no retries); emits and returns its report. Throws when listing fails. */
  async recover(opts: RecoveryOptions): Promise<RecoveryReport> {
    const report = await this.recoverPass(opts);
    this.emit('recovery', report);
    return report;
  }

  /** Recovers with the init options; coalesces with a recovery already running (then runs once more). */
  private runRecovery(): Promise<RecoveryReport> {
    if (this.recovering) {
      this.recoverAgain = true;
      return this.recovering;
    }
    const run = (async () => {
      let report: RecoveryReport;
      do {
        this.recoverAgain = false;
        report = await this.recoverWithRetries(this.recoveryOpts ?? { removeUnknown: true });
      } while (this.recoverAgain && !this.closed && this.o.engine.isUp());
      return report;
    })().finally(() => {
      if (this.recovering === run) this.recovering = null;
    });
    this.recovering = run;
    return run;
  }

  /**
   * Passes until nothing fails, at most recoveryAttempts, with doubling delays; gives up
   * early when the engine goes away (its return recovers again). Never throws: the report
   * says what failed.
   */
  private async recoverWithRetries(opts: RecoveryOptions): Promise<RecoveryReport> {
    const attempts = Math.max(1, this.o.recoveryAttempts ?? 5);
    let delay = this.o.recoveryRetryMs ?? 500;
    const total: RecoveryReport = { adopted: [], removed: [] };
    let passes = 0;
    for (let attempt = 1; !this.closed && this.o.engine.isUp(); attempt++) {
      passes++;
      try {
        const r = await this.recoverPass(opts);
        total.adopted.push(...r.adopted);
        total.removed.push(...r.removed);
        delete total.error;
        if (r.failed?.length) total.failed = r.failed;
        else {
          delete total.failed;
          break;
        }
      } catch (err) {
        total.error = toErrorShape(err).message;
      }
      if (attempt >= attempts) break;
      await new Promise((r) => setTimeout(r, delay).unref?.());
      delay = Math.min(delay * 2, 10_000);
    }
    if (passes && !this.closed) this.emit('recovery', total);
    return total;
  }

  private async recoverPass(opts: RecoveryOptions): Promise<RecoveryReport> {
    const report: RecoveryReport = { adopted: [], removed: [], failed: [] };
    const found = (await this.o.engine.listManaged(this.o.instanceId)).filter((f) => !this.detached.has(f.id));
    const remove = async (facts: ContainerFacts, reason: string) => {
      try {
        await this.o.engine.removeContainer(facts);
        report.removed.push({ containerId: facts.id, name: facts.name, reason });
      } catch (err) {
        report.failed!.push({ containerId: facts.id, name: facts.name, error: toErrorShape(err).message });
      }
    };
    if (opts.reopen) {
      const exists = this.o.configExists ?? existsSync;
      for (const f of found) {
        const path = f.labels[LABELS.configPath];
        const depId = f.labels[LABELS.deployment];
        if (!f.running || !path || f.labels[BUILD_CONTAINER_LABEL] || (depId && this.deployments.has(depId)) || !exists(path)) continue;
        await this.open(path).catch(() => undefined);
      }
    }
    for (const facts of found) {
      if (facts.labels[BUILD_CONTAINER_LABEL]) {
        // Holds build secrets; never adopted. A live build of this process still needs it
        // (another live process's are not listed: see default-env).
        if (isBuildContainerInUse(facts.name)) continue;
        await remove(facts, 'a build container left by a Berth that stopped mid-build');
        continue;
      }
      const depId = facts.labels[LABELS.deployment];
      const d = depId ? this.deployments.get(depId) : undefined;
      if (!d) {
        if (opts.removeUnknown) await remove(facts, 'no open config for this deployment');
        continue;
      }
      if (d.containerId === facts.id) continue;
      // Its container may not be known to it yet (being created) or be on its way out.
      if (BUSY_STATES.has(d.state.name)) continue;
      const plan = d.plan;
      const sameHash = !!plan && facts.labels[LABELS.planHash] === plan.planHash;
      // Only a deployment that has not run in this process adopts: one stopped (or failed)
      // here must not come back because its old container still ran when the engine returned.
      if (facts.running && sameHash && d.state.name === 'idle' && opts.adopt !== false && !d.containerId && !report.adopted.some((a) => a.deploymentId === depId)) {
        await d.start(opts.startOptions ?? {}, facts);
        if (d.containerId === facts.id) {
          report.adopted.push({ deploymentId: depId, containerId: facts.id, name: facts.name });
          continue;
        }
      }
      if (d.containerId === facts.id) continue;
      const why = !facts.running ? 'it was not running' : !sameHash ? 'its config or plan changed since it was started' : 'a newer container replaced it';
      await remove(facts, why);
    }
    if (!report.failed!.length) delete report.failed;
    return report;
  }

  private async onEngineStatus(up: boolean, reason: string): Promise<void> {
    if (this.closed) return;
    if (!up) {
      this.stopEvents?.();
      this.stopEvents = null;
      for (const d of this.deployments.values()) d.onEngineDown(reason);
      return;
    }
    this.watch();
    // Open deployments pick their own containers up first, then the rest is recovered.
    await Promise.all([...this.deployments.values()].map((d) => d.onEngineUp().catch(() => undefined)));
    if (this.recoveryOpts && !this.closed) await this.runRecovery();
  }

  async close(id: string, keepRunning = false): Promise<void> {
    await this.opening.get(id)?.catch(() => undefined);
    const inFlight = this.closing.get(id);
    if (inFlight) return inFlight;
    const d = this.deployments.get(id);
    if (!d) return;
    const done = (async () => {
      try {
        if (keepRunning) {
          if (d.containerId) this.detached.add(d.containerId);
          await d.detach();
        } else await d.stop('closed');
      } finally {
        for (const sub of this.subscriptions.get(id) ?? []) sub.dispose();
        this.subscriptions.delete(id);
        if (this.deployments.get(id) === d) this.deployments.delete(id);
      }
    })().finally(() => {
      if (this.closing.get(id) === done) this.closing.delete(id);
    });
    this.closing.set(id, done);
    return done;
  }

  /** Stops everything (or detaches, with keepRunningOnQuit) and stops watching the engine. */
  async shutdown(opts: { keepRunning?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const keep = opts.keepRunning ?? this.o.keepRunningOnQuit ?? false;
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.stopStatus?.();
    this.stopEvents?.();
    await Promise.all([...this.deployments.values()].map((d) => (keep ? d.detach() : d.stop('Berth is quitting')).catch(() => undefined)));
  }
}
