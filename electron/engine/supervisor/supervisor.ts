// Owns every Deployment of one Berth instance: routes engine events to them, recovers
// (re-adopts or removes) containers left from an earlier run, follows the engine going
// away and coming back, and stops everything on shutdown unless asked to keep it running.
import { TypedEmitter, type Disposable } from '../events/typed-emitter.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import type { DeploymentState, DeploymentSummary, ProbeResult, TimelineEvent, GatewayMetrics } from '../../../shared/deployment.js';
import type { DeploymentProgress } from '../../../shared/api/types.js';
import { LABELS } from '../../../shared/plan.js';
import { BerthError } from '../../../shared/errors.js';
import { Deployment, type StartOptions } from './deployment.js';
import type { BackoffOptions } from './backoff.js';
import type { ContainerEvent, ContainerFacts, DeploymentEnv } from './ports.js';
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
}

export interface RecoveryReport {
  adopted: Array<{ deploymentId: string; containerId: string; name: string }>;
  removed: Array<{ containerId: string; name: string; reason: string }>;
}

export interface SupervisorEvents {
  state: [string, DeploymentState];
  timeline: [string, TimelineEvent];
  probe: [string, ProbeResult];
  progress: [string, DeploymentProgress];
  metrics: [string, GatewayMetrics];
  recovery: [RecoveryReport];
  engine: [boolean, string];
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

  /** Opens (or returns the already open) deployment for a config and loads its plan. */
  async open(configPath: string): Promise<Deployment> {
    const id = await this.o.deploymentIdFor(configPath);
    const existing = this.deployments.get(id);
    if (existing) {
      await existing.load().catch(() => undefined);
      return existing;
    }
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
      d.on('timeline', (e) => this.emit('timeline', id, e)),
      d.on('probe', (r) => this.emit('probe', id, r)),
      d.on('progress', (p) => this.emit('progress', id, p)),
      d.on('metrics', (m) => this.emit('metrics', id, m)),
    ]);
    this.deployments.set(id, d);
    await d.load().catch(() => undefined);
    return d;
  }

  /**
   * Starts watching the engine and recovers leftovers. With `removeUnknown`, managed
   * containers of this instance that match no open deployment are removed (the app owns
   * the instance); without it only the open deployments' own leftovers are touched
   * (`berth run` must not remove what another Berth process of the same instance runs).
   */
  async init(opts: { removeUnknown: boolean; adopt?: boolean; startOptions?: StartOptions } = { removeUnknown: true }): Promise<RecoveryReport> {
    this.stopStatus = this.o.engine.onStatus((up, reason) => void this.onEngineStatus(up, reason));
    if (this.o.pollMs !== 0) {
      this.poller = setInterval(() => {
        for (const d of this.deployments.values()) void d.checkContainer();
      }, this.o.pollMs ?? 5000);
      this.poller.unref?.();
    }
    if (!this.o.engine.isUp()) return { adopted: [], removed: [] };
    this.watch();
    return this.recover(opts);
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

  async recover(opts: { removeUnknown: boolean; adopt?: boolean; startOptions?: StartOptions }): Promise<RecoveryReport> {
    const report: RecoveryReport = { adopted: [], removed: [] };
    const found = await this.o.engine.listManaged(this.o.instanceId);
    for (const facts of found) {
      const depId = facts.labels[LABELS.deployment];
      const d = depId ? this.deployments.get(depId) : undefined;
      if (!d) {
        if (!opts.removeUnknown) continue;
        await this.o.engine.removeContainer(facts).catch(() => undefined);
        report.removed.push({ containerId: facts.id, name: facts.name, reason: 'no open config for this deployment' });
        continue;
      }
      const plan = d.plan;
      const sameHash = !!plan && facts.labels[LABELS.planHash] === plan.planHash;
      const free = d.containerId === null || d.containerId === facts.id;
      if (facts.running && sameHash && free && opts.adopt !== false && !d.containerId && !report.adopted.some((a) => a.deploymentId === depId)) {
        await d.start(opts.startOptions ?? {}, facts);
        if (d.containerId === facts.id) {
          report.adopted.push({ deploymentId: depId, containerId: facts.id, name: facts.name });
          continue;
        }
      }
      if (d.containerId === facts.id) continue;
      const why = !facts.running ? 'it was not running' : !sameHash ? 'its config or plan changed since it was started' : 'a newer container replaced it';
      await this.o.engine.removeContainer(facts).catch(() => undefined);
      report.removed.push({ containerId: facts.id, name: facts.name, reason: why });
    }
    this.emit('recovery', report);
    return report;
  }

  private async onEngineStatus(up: boolean, reason: string): Promise<void> {
    if (this.closed) return;
    this.emit('engine', up, reason);
    if (!up) {
      this.stopEvents?.();
      this.stopEvents = null;
      for (const d of this.deployments.values()) d.onEngineDown(reason);
      return;
    }
    this.watch();
    await Promise.all([...this.deployments.values()].map((d) => d.onEngineUp().catch(() => undefined)));
  }

  async close(id: string, keepRunning = false): Promise<void> {
    const d = this.deployments.get(id);
    if (!d) return;
    if (keepRunning) await d.detach();
    else await d.stop('closed');
    for (const sub of this.subscriptions.get(id) ?? []) sub.dispose();
    this.subscriptions.delete(id);
    this.deployments.delete(id);
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
