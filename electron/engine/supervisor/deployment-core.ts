// The state of one deployment and the plumbing every part of its lifecycle shares:
// transitions (mirrored to the gateway gate, so traffic flows only while ready), the plan,
// the container and gateway handles, probes, the GPU lease, tasks, and teardown.
// deployment-recovery.ts adds crash and engine-outage handling; deployment.ts the commands
// (start, stop, restart, detach).
import type { RunPlan } from '../../../shared/plan.js';
import type { DeploymentState, DeploymentStateName, DeploymentSummary, ProbeResult, TimelineEvent, GatewayMetrics } from '../../../shared/deployment.js';
import type { ApiConfigIssue, DeploymentProgress } from '../../../shared/api/types.js';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import { DeploymentStateMachine, type TransitionExtras } from './state-machine.js';
import { CrashBackoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { ProbeLoop, type ProbeFn } from './probe-loop.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import { TaskRegistry, type TaskHandle } from '../tasks/task-registry.js';
import type { TaskKind } from '../../../shared/api/types.js';
import type { ContainerRef, DeploymentEnv, GatewayPort, GpuLease, PrepareOptions } from './deployment-env.js';

export interface DeploymentOptions {
  id: string;
  configPath: string;
  env: DeploymentEnv;
  backoff?: BackoffOptions;
  probeHistoryLimit?: number;
  timelineLimit?: number;
  /** Overrides plan.probes.periodMs (settings.probePeriodMs). */
  probePeriodMs?: number;
  stopTimeoutS?: number;
  probe?: ProbeFn;
  /** The registry its pull/build/weights tasks run in (the Supervisor's, shared with the API). */
  tasks?: TaskRegistry;
}

export interface StartOptions {
  cpuOnly?: boolean;
  repull?: boolean;
}

export interface DeploymentEvents {
  state: [DeploymentState];
  timeline: [TimelineEvent];
  probe: [ProbeResult];
  progress: [DeploymentProgress];
  metrics: [GatewayMetrics];
}

export const LAST_LINES = 5;

/** Restarts the engine refuses in a row before the deployment is marked failed. */
export const MAX_FAILED_RESTARTS = 10;

export abstract class DeploymentCore extends TypedEmitter<DeploymentEvents> {
  readonly id: string;

  readonly configPath: string;

  protected readonly env: DeploymentEnv;

  protected readonly sm: DeploymentStateMachine;

  protected readonly backoff: CrashBackoff;

  protected readonly probes: ProbeResult[] = [];

  protected plan_: RunPlan | null = null;

  protected issues_: ApiConfigIssue[] = [];

  protected configText_ = '';

  protected modelName_ = '';

  protected imageDigest: string | undefined;

  protected container: ContainerRef | null = null;

  protected gateway: GatewayPort | null = null;

  /** Removes this deployment's metrics listener from the gateway (called when it is closed). */
  protected offGatewayMetrics: (() => void) | null = null;

  /** The GPUs of the current run (reserved by its start; released by stop/fail or by the start itself). */
  protected lease: GpuLease | null = null;

  protected secretValues: Record<string, string> = {};

  protected probeLoop: ProbeLoop | null = null;

  protected stopLogs: (() => void) | null = null;

  protected restartTimer: NodeJS.Timeout | null = null;

  protected resetTimer: NodeJS.Timeout | null = null;

  /** Bumped by stop()/start(): async steps of an older run check it and give up. */
  protected generation = 0;

  /** Set while Berth itself stops/restarts the container, so its die event is not a crash. */
  protected expectingExit = false;

  protected oomSeen = false;

  protected handlingExit = false;

  /** Bumped on every (re)start of the container: an inspect begun before it is stale. */
  protected runEpoch = 0;

  protected restartCount = 0;

  protected progress_: DeploymentProgress | null = null;

  protected lastOptions: StartOptions = {};

  protected engineDown = false;
  /** Engine-refused restarts in a row (deployment-recovery.ts). */
  protected failedRestarts = 0;
  /** Set when the engine went away mid-run: resume when it is back. */
  protected resumeAfterEngine = false;
  /** The weights stage's summary (pinned commits), for the starting reason. */
  protected weightsNote = '';
  protected readonly tasks: TaskRegistry;

  constructor(protected readonly o: DeploymentOptions) {
    super();
    this.id = o.id;
    this.configPath = o.configPath;
    this.env = o.env;
    this.sm = new DeploymentStateMachine(o.timelineLimit ?? 200);
    this.backoff = new CrashBackoff(o.backoff ?? DEFAULT_BACKOFF);
    this.tasks = o.tasks ?? new TaskRegistry();
  }

  get state(): DeploymentState {
    return this.sm.state;
  }

  get plan(): RunPlan | null {
    return this.plan_;
  }

  get issues(): ApiConfigIssue[] {
    return this.issues_;
  }

  get configText(): string {
    return this.configText_;
  }

  get containerId(): string | null {
    return this.container?.id ?? null;
  }

  get progress(): DeploymentProgress | null {
    return this.progress_;
  }

  get gatewayUrl(): string | null {
    return this.gateway?.url ?? null;
  }

  timeline(): TimelineEvent[] {
    return this.sm.timeline();
  }

  probeHistory(limit?: number): ProbeResult[] {
    return limit ? this.probes.slice(-limit) : this.probes.slice();
  }

  summary(): DeploymentSummary {
    const p = this.plan_;
    return {
      id: this.id,
      modelName: this.modelName_ || p?.modelName || this.id,
      configPath: this.configPath,
      state: this.sm.state,
      gpuDeviceIds: this.lease?.deviceIds.slice() ?? [],
      gatewayUrl: this.gateway?.url ?? null,
      containerId: this.container?.id ?? null,
      image: p?.runImage ?? p?.image ?? '',
      ...(this.imageDigest ? { imageDigest: this.imageDigest } : {}),
      errors: this.issues_.map((i) => ({ file: i.file, line: i.line, col: i.col, message: i.message, severity: i.severity, ...(i.hint ? { hint: i.hint } : {}), ...(i.code ? { code: i.code } : {}) })),
    };
  }

  /** Loads and plans the config without starting anything (to show errors and the plan). */
  async load(opts: StartOptions = {}): Promise<RunPlan | null> {
    return this.prepare(opts, this.lease ? { heldGpuIds: this.lease.deviceIds } : {});
  }

  protected async prepare(opts: StartOptions, gpus: Pick<PrepareOptions, 'acquireGpus' | 'heldGpuIds'>): Promise<RunPlan | null> {
    const prepared = await this.env.prepare(this.configPath, { cpuOnly: !!opts.cpuOnly, ...gpus });
    this.plan_ = prepared.plan;
    this.issues_ = prepared.issues;
    this.configText_ = prepared.configText;
    this.modelName_ = prepared.modelName;
    return prepared.plan;
  }

  protected go(to: DeploymentStateName, reason: string, extras: TransitionExtras = {}): void {
    if (this.sm.name === to) {
      this.sm.update({ reason, ...extras });
      this.emit('state', this.sm.state);
      this.syncGate();
      return;
    }
    const ev = this.sm.transition(to, reason, { restartCount: this.restartCount, ...extras });
    this.env.log.system(`[${to}] ${reason}`);
    this.emit('timeline', ev);
    this.emit('state', this.sm.state);
    this.syncGate();
    if (to === 'ready') {
      this.failedRestarts = 0;
      this.backoff.onReady(Date.now());
      this.armBackoffReset();
    } else if (to !== 'not_ready') {
      this.backoff.onNotReady();
    }
  }

  protected syncGate(): void {
    const s = this.sm.state;
    this.gateway?.setGate({ ready: s.name === 'ready', state: s.name, reason: s.reason });
  }

  protected armBackoffReset(): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    const ms = (this.o.backoff ?? DEFAULT_BACKOFF).resetAfterMs;
    this.resetTimer = setTimeout(() => this.backoff.maybeReset(Date.now()), ms + 10);
    this.resetTimer.unref?.();
  }

  protected fail(err: unknown, gen: number): void {
    if (gen !== this.generation) return;
    const e = toErrorShape(err);
    const reason = e.hint ? `${e.message} (${e.hint})` : e.message;
    this.teardownRuntime();
    // A failed removal is logged, never thrown: fail() runs detached from any caller.
    void this.removeContainer()
      .catch((e) => this.env.log.system(`could not remove the container: ${toErrorShape(e).message}`))
      .finally(() => {
        if (gen !== this.generation) return;
        this.releaseGpus();
        if (this.sm.canGo('failed')) this.go('failed', reason);
      });
  }

  protected startProbes(alreadyStarted: boolean): void {
    const plan = this.plan_;
    const c = this.container;
    if (!plan || !c) return;
    this.probeLoop?.stop();
    const probes = { ...plan.probes, ...(this.o.probePeriodMs ? { periodMs: this.o.probePeriodMs } : {}) };
    const gen = this.generation;
    const loop = new ProbeLoop({
      probes,
      port: c.hostPort,
      alreadyStarted,
      probe: this.o.probe,
      onResult: (r) => {
        this.probes.push(r);
        const limit = this.o.probeHistoryLimit ?? 500;
        if (this.probes.length > limit) this.probes.splice(0, this.probes.length - limit);
        this.emit('probe', r);
      },
      onDecision: (d) => {
        if (gen !== this.generation || this.probeLoop !== loop) return;
        switch (d.kind) {
          case 'started':
            this.go('ready', `readiness ${probes.readinessPath} answered 200 after ${(d.afterMs / 1000).toFixed(1)} s`);
            break;
          case 'stop_traffic':
            this.go('not_ready', d.reason);
            break;
          case 'resume_traffic':
            if (this.sm.name === 'not_ready') this.go('ready', d.reason);
            break;
          case 'startup_failed':
            this.fail(new BerthError('CONTAINER_FAILED', d.reason), gen);
            break;
          case 'restart':
            void this.restartContainer(d.reason, gen);
            break;
        }
      },
    });
    this.probeLoop = loop;
    loop.start();
  }

  protected teardownRuntime(): void {
    // A build in flight stops too: its container holds the build secrets.
    // A pull, build or download in flight stops too (a build container holds the build
    // secrets; a download's partial data stays for the next start to resume).
    this.tasks.cancelFor({ deployment: this.id }, 'stopped');
    this.probeLoop?.stop();
    this.probeLoop = null;
    this.stopLogs?.();
    this.stopLogs = null;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.resetTimer = null;
  }

  /**
   * Runs one long step of the start as a task of this deployment; its progress becomes
   * the deployment's progress (and the state's fraction) while this start is current.
   */
  protected task<T>(kind: TaskKind, title: string, gen: number, work: (t: TaskHandle) => Promise<T>): Promise<T> {
    return this.tasks.run(kind, { deployment: this.id }, title, (t) =>
      work({
        id: t.id,
        signal: t.signal,
        progress: (p) => {
          t.progress(p);
          if (gen !== this.generation) return;
          this.progress_ = p;
          const fraction = p.kind === 'pull' ? p.pull.fraction : p.kind === 'build' ? (p.build.steps ? p.build.step / p.build.steps : undefined) : p.weights.totalBytes ? p.weights.doneBytes / p.weights.totalBytes : 1;
          this.sm.update({ progress: fraction, ...(p.kind === 'weights' ? { reason: `fetching weights: ${p.weights.message}` } : {}) });
          this.emit('progress', p);
        },
      }),
    );
  }

  protected async removeContainer(): Promise<void> {
    const c = this.container;
    this.container = null;
    if (!c) return;
    this.expectingExit = true;
    try {
      await c.stop(this.o.stopTimeoutS ?? 5).catch(() => undefined);
      await c.remove();
    } finally {
      this.expectingExit = false;
    }
  }

  protected releaseGpus(): void {
    this.lease?.release();
    this.lease = null;
  }

  protected async closeGateway(): Promise<void> {
    const g = this.gateway;
    this.gateway = null;
    this.offGatewayMetrics?.();
    this.offGatewayMetrics = null;
    if (g) await g.close().catch(() => undefined);
  }

  /** Liveness restart (deployment-recovery.ts): the probe loop asks for it. */
  protected abstract restartContainer(reason: string, gen: number): Promise<void>;
}
