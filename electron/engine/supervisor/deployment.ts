// One loaded config and its container over time: the lifecycle flow (plan, secrets, pull,
// build, start, probe), crash handling with back-off, liveness restarts, re-adoption and
// stop. Every state change goes through the state machine and is mirrored to the gateway
// gate, so traffic only flows while the deployment is ready.
import type { RunPlan } from '../../../shared/plan.js';
import type { DeploymentState, DeploymentStateName, DeploymentSummary, ProbeResult, TimelineEvent, GatewayMetrics } from '../../../shared/deployment.js';
import type { ApiConfigIssue, DeploymentProgress } from '../../../shared/api/types.js';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import { DeploymentStateMachine, RUNNING_STATES, isBeforeContainer, type TransitionExtras } from './state-machine.js';
import { CrashBackoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { describeExit } from './exit-reason.js';
import { ProbeLoop, type ProbeFn } from './probe-loop.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import { TaskRegistry, type TaskHandle } from '../tasks/task-registry.js';
import type { TaskKind } from '../../../shared/api/types.js';
import type { ContainerEvent, ContainerFacts, ContainerRef, DeploymentEnv, GatewayPort, GpuLease, PrepareOptions } from './deployment-env.js';

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

const LAST_LINES = 5;

/** Restarts the engine refuses in a row before the deployment is marked failed. */
const MAX_FAILED_RESTARTS = 10;

export class Deployment extends TypedEmitter<DeploymentEvents> {
  readonly id: string;
  readonly configPath: string;
  private readonly env: DeploymentEnv;
  private readonly sm: DeploymentStateMachine;
  private readonly backoff: CrashBackoff;
  private readonly probes: ProbeResult[] = [];
  private plan_: RunPlan | null = null;
  private issues_: ApiConfigIssue[] = [];
  private configText_ = '';
  private modelName_ = '';
  private imageDigest: string | undefined;
  private container: ContainerRef | null = null;
  private gateway: GatewayPort | null = null;
  /** Removes this deployment's metrics listener from the gateway (called when it is closed). */
  private offGatewayMetrics: (() => void) | null = null;
  /** The GPUs of the current run (reserved by its start; released by stop/fail or by the start itself). */
  private lease: GpuLease | null = null;
  private secretValues: Record<string, string> = {};
  private probeLoop: ProbeLoop | null = null;
  private stopLogs: (() => void) | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private resetTimer: NodeJS.Timeout | null = null;
  /** Bumped by stop()/start(): async steps of an older run check it and give up. */
  private generation = 0;
  /** Set while Berth itself stops/restarts the container, so its die event is not a crash. */
  private expectingExit = false;
  private oomSeen = false;
  private handlingExit = false;
  /** Bumped on every (re)start of the container: an inspect begun before it is stale. */
  private runEpoch = 0;
  private restartCount = 0;
  private progress_: DeploymentProgress | null = null;
  private lastOptions: StartOptions = {};
  private engineDown = false;

  constructor(private readonly o: DeploymentOptions) {
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

  private async prepare(opts: StartOptions, gpus: Pick<PrepareOptions, 'acquireGpus' | 'heldGpuIds'>): Promise<RunPlan | null> {
    const prepared = await this.env.prepare(this.configPath, { cpuOnly: !!opts.cpuOnly, ...gpus });
    this.plan_ = prepared.plan;
    this.issues_ = prepared.issues;
    this.configText_ = prepared.configText;
    this.modelName_ = prepared.modelName;
    return prepared.plan;
  }

  // ---- transitions -------------------------------------------------------------------

  private go(to: DeploymentStateName, reason: string, extras: TransitionExtras = {}): void {
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

  private syncGate(): void {
    const s = this.sm.state;
    this.gateway?.setGate({ ready: s.name === 'ready', state: s.name, reason: s.reason });
  }

  private armBackoffReset(): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    const ms = (this.o.backoff ?? DEFAULT_BACKOFF).resetAfterMs;
    this.resetTimer = setTimeout(() => this.backoff.maybeReset(Date.now()), ms + 10);
    this.resetTimer.unref?.();
  }

  private fail(err: unknown, gen: number): void {
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

  // ---- start ---------------------------------------------------------------------------

  /**
   * Runs the whole flow. Resolves when the deployment has left the preparing states
   * (waiting for startup, or failed); readiness is reported through `state` events.
   */
  async start(opts: StartOptions = {}, adopt?: ContainerFacts): Promise<void> {
    if (RUNNING_STATES.has(this.sm.name) || isBeforeContainer(this.sm.name) || this.sm.name === 'stopping') return;
    this.lastOptions = opts;
    this.weightsNote = '';
    const gen = ++this.generation;
    this.backoff.reset();
    this.restartCount = 0;
    this.probes.length = 0;
    // The one owner of this start's GPU lease: see the finally below.
    const own: { lease: GpuLease | null } = { lease: null };
    try {
      if (this.sm.name === 'failed' || this.sm.name === 'stopped') this.go('idle', 'starting again');
      // GPUs are reserved from the config's request, then the plan is built once with them.
      const plan = await this.prepare(opts, {
        acquireGpus: (ask, gpus) => {
          // Only the current start reserves: a superseded one would take over the live lease.
          if (gen !== this.generation) throw new Error('superseded start');
          const lease = this.env.gpus.acquire(this.id, ask, gpus, adopt?.running ? { adopt: adopt.gpuDeviceIds } : {});
          own.lease = lease;
          this.lease = lease;
          return lease.deviceIds;
        },
      });
      if (gen !== this.generation) return;
      if (!plan) {
        const first = this.issues_.find((i) => i.severity === 'error');
        throw new BerthError(
          'CONFIG_INVALID',
          first ? `${first.file}:${first.line}:${first.col}: ${first.message}` : 'the config has errors',
          first?.hint ?? 'fix the config errors shown for this file, then start again',
        );
      }
      // A gateway left from an earlier run may carry another plan's routes, limits or key.
      await this.closeGateway();
      const gateway = await this.env.openGateway(plan);
      if (gen !== this.generation) {
        await gateway.close().catch(() => undefined);
        return;
      }
      this.gateway = gateway;
      this.offGatewayMetrics = gateway.onMetrics?.((m) => this.emit('metrics', m)) ?? null;
      if (adopt && adopt.labels && adopt.running) {
        // Kept so the container can be recreated later (removed from outside, say); the
        // running one already has its secrets, so a missing value does not stop adoption.
        this.secretValues = await this.env.resolveSecrets(plan).catch(() => ({}));
        if (gen !== this.generation) return;
        await this.adopt(adopt, plan, gen);
        return;
      }
      // Secrets first: a missing one is a clear failure before anything is pulled or created.
      this.secretValues = await this.env.resolveSecrets(plan);
      if (gen !== this.generation) return;
      // Pull, build and weights run as tasks (labelled with this deployment): Stop cancels
      // whichever is in flight through its signal.
      this.go('pulling', `pulling ${plan.image}${opts.repull ? ' (re-pull requested)' : ''}`, { progress: 0 });
      const img = await this.task('pull', `pull ${plan.image}`, gen, (t) =>
        this.env.ensureImage(plan, { repull: !!opts.repull, signal: t.signal, onProgress: (pull) => t.progress({ kind: 'pull', pull }) }),
      );
      if (gen !== this.generation) return;
      this.imageDigest = img.digest;
      if (plan.build) {
        const build = plan.build;
        this.go('building', `building ${build.tag} (${build.steps.length} steps)`, { progress: 0 });
        await this.task('build', `build ${build.tag}`, gen, (t) =>
          this.env.buildImage(plan, {
            secretValues: this.secretValues,
            signal: t.signal,
            onProgress: (b) => t.progress({ kind: 'build', build: b }),
            onLine: (line) => this.env.log.system(`[build] ${line}`),
          }),
        );
        if (gen !== this.generation) return;
      }
      if (plan.weights.length) {
        const what = plan.weights.map((w) => `${w.repoId}@${w.revision}`).join(', ');
        this.go('fetching_weights', `fetching weights: ${what}`, { progress: 0 });
        const r = await this.task('weights', `weights ${what}`, gen, (t) =>
          this.env.fetchWeights(plan, {
            signal: t.signal,
            onProgress: (weights) => t.progress({ kind: 'weights', weights }),
            onLine: (line) => this.env.log.system(`[weights] ${line}`),
          }),
        );
        if (gen !== this.generation) return;
        for (const w of r.warnings) this.env.log.system(`[weights] warning: ${w}`);
        this.weightsNote = r.summary;
      }
      this.progress_ = null;
      const digest = img.digest ? ` (${img.digest.slice(0, 19)})` : '';
      this.go('starting', `creating container from ${plan.runImage}${plan.build ? '' : img.pulled ? ' (pulled)' : ' (local image)'}${digest}${this.weightsNote ? `; ${this.weightsNote}` : ''}`);
      this.container = await this.env.createContainer(plan, { secretValues: this.secretValues });
      if (gen !== this.generation) return void (await this.removeContainer());
      this.stopLogs = this.env.followLogs(this.container.id);
      await this.container.start();
      if (gen !== this.generation) return;
      // Read after start: an ephemeral host port is only known once the container runs.
      this.gateway.setUpstream({ host: '127.0.0.1', port: this.container.hostPort });
      this.go('waiting_for_startup', `container ${this.container.name} started; waiting for ${plan.probes.readinessPath} to answer`);
      this.startProbes(false);
      // The engine accepting a device request is not proof the GPUs are usable inside.
      if (plan.gpu?.deviceIds.length && this.env.confirmGpus) {
        const sys = this.env.log;
        this.env.confirmGpus(this.container.id, plan.gpu.deviceIds.length).then((line) => sys.system(`[gpu] ${line}`), () => undefined);
      }
    } catch (err) {
      this.fail(err, gen);
    } finally {
      // The lease stays only with the run this start made current (stop/fail release it then);
      // every other way out (superseded, stopped while planning or pulling) gives it back here.
      const lease = own.lease;
      if (lease && (gen !== this.generation || this.lease !== lease)) {
        lease.release();
        if (this.lease === lease) this.lease = null;
      }
    }
  }

  private async adopt(facts: ContainerFacts, plan: RunPlan, gen: number): Promise<void> {
    this.container = this.env.attachContainer(facts);
    if (!facts.hostPort) throw new BerthError('CONTAINER_FAILED', `container ${facts.name} has no published port`, 'stop it and start the deployment again');
    this.gateway?.setUpstream({ host: '127.0.0.1', port: facts.hostPort });
    this.stopLogs = this.env.followLogs(facts.id);
    if (gen !== this.generation) return;
    this.go('waiting_for_startup', `re-adopted running container ${facts.name} (${facts.id.slice(0, 12)}); checking ${plan.probes.readinessPath}`);
    this.startProbes(false);
  }

  private startProbes(alreadyStarted: boolean): void {
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

  private teardownRuntime(): void {
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

  /** Liveness restart: stop and start the same container (same id, same secrets dir). */
  private async restartContainer(reason: string, gen: number): Promise<void> {
    const c = this.container;
    if (!c || gen !== this.generation) return;
    this.probeLoop?.stop();
    this.probeLoop = null;
    this.restartCount++;
    this.go('restarting', reason, { restartCount: this.restartCount });
    this.expectingExit = true;
    try {
      await c.stop(this.o.stopTimeoutS ?? 5);
      if (gen !== this.generation) return;
      await this.startAgain(c, gen, 'container restarted').catch((err) => this.restartFailed(c, gen, err));
    } catch (err) {
      this.fail(err, gen);
    } finally {
      this.expectingExit = false;
    }
  }

  private async startAgain(c: ContainerRef, gen: number, why: string): Promise<void> {
    this.expectingExit = false;
    this.oomSeen = false;
    this.stopLogs?.();
    this.stopLogs = this.env.followLogs(c.id);
    this.runEpoch++;
    await c.start();
    if (gen !== this.generation) return;
    this.gateway?.setUpstream({ host: '127.0.0.1', port: c.hostPort });
    this.go('starting', why);
    this.go('waiting_for_startup', `waiting for ${this.plan_?.probes.readinessPath ?? 'readiness'} to answer`);
    this.startProbes(false);
  }

  // ---- engine events -------------------------------------------------------------------

  /** Engine events for this deployment's container (the Supervisor routes them by id). */
  onContainerEvent(ev: ContainerEvent): void {
    if (!this.container || ev.containerId !== this.container.id) return;
    if (ev.action === 'oom') {
      this.oomSeen = true;
      return;
    }
    if (ev.action !== 'die') return;
    if (this.expectingExit || !RUNNING_STATES.has(this.sm.name) || this.sm.name === 'restarting' || this.sm.name === 'crash_loop') return;
    void this.handleExit(ev.exitCode ?? null, this.generation);
  }

  /** A probe or poll noticed the container is gone without an event (event stream gap). */
  async checkContainer(): Promise<void> {
    const c = this.container;
    if (!c || this.expectingExit || this.engineDown || !RUNNING_STATES.has(this.sm.name) || this.sm.name === 'restarting' || this.sm.name === 'crash_loop') return;
    const epoch = this.runEpoch;
    const facts = await this.env.inspectContainer(c.id).catch(() => undefined);
    // A restart (or an exit already being handled) since the inspect began makes it stale.
    if (facts === undefined || this.expectingExit || this.handlingExit || epoch !== this.runEpoch || this.container !== c) return;
    const now = this.state.name; // re-read: it may have changed during the inspect
    if (now === 'restarting' || now === 'crash_loop' || !RUNNING_STATES.has(now)) return;
    if (facts === null) {
      this.container = null;
      void this.handleGone(this.generation);
    } else if (!facts.running) {
      void this.handleExit(facts.exitCode, this.generation);
    }
  }

  private async handleExit(exitCode: number | null, gen: number): Promise<void> {
    if (this.handlingExit) return;
    this.handlingExit = true;
    try {
      this.probeLoop?.stop();
      this.probeLoop = null;
      const c = this.container;
      if (!c) return;
      const facts = await this.env.inspectContainer(c.id).catch(() => null);
      if (gen !== this.generation) return;
      if (!facts) return void (await this.handleGone(gen));
      const reason = describeExit({
        exitCode: facts.exitCode ?? exitCode,
        oomKilled: facts.oomKilled || this.oomSeen,
        lastLogLines: this.env.log.lastLines(LAST_LINES),
      });
      const delay = this.backoff.onCrash(Date.now());
      this.restartCount++;
      if (delay === 0) {
        this.go('restarting', `${reason}: restarting`, { restartCount: this.restartCount });
        await this.startAgain(c, gen, 'container restarted after exit').catch((err) => this.restartFailed(c, gen, err));
      } else {
        this.scheduleRestart(c, gen, `${reason}; crashed ${this.backoff.count} times`, delay);
      }
    } catch (err) {
      this.fail(err, gen);
    } finally {
      this.handlingExit = false;
    }
  }

  /** crash_loop: restart the same container once the back-off delay is over. */
  private scheduleRestart(c: ContainerRef, gen: number, why: string, delay: number): void {
    const at = Date.now() + delay;
    this.go('crash_loop', `${why}: next restart in ${Math.round(delay / 100) / 10} s`, { nextRestartAt: at, restartCount: this.restartCount });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (gen !== this.generation || this.sm.name !== 'crash_loop') return;
      this.go('restarting', `back-off of ${Math.round(delay / 100) / 10} s over: restarting`);
      this.startAgain(c, gen, 'container restarted after back-off').catch((err) => this.restartFailed(c, gen, err));
    }, delay);
  }

  /**
   * A restart that the engine refused is retried with back-off, not given up on: the cause
   * is often passing (the engine shutting down for a restart, a port briefly taken). Only
   * after MAX_FAILED_RESTARTS in a row does the deployment fail.
   */
  private restartFailed(c: ContainerRef, gen: number, err: unknown): void {
    if (gen !== this.generation) return;
    this.failedRestarts++;
    if (this.failedRestarts > MAX_FAILED_RESTARTS) return this.fail(err, gen);
    const delay = Math.max(1_000, this.backoff.onCrash(Date.now()));
    this.scheduleRestart(c, gen, `restart failed (${toErrorShape(err).message})`, delay);
  }
  private failedRestarts = 0;
  private weightsNote = '';
  private readonly tasks: TaskRegistry;

  /**
   * Runs one long step of the start as a task of this deployment; its progress becomes
   * the deployment's progress (and the state's fraction) while this start is current.
   */
  private task<T>(kind: TaskKind, title: string, gen: number, work: (t: TaskHandle) => Promise<T>): Promise<T> {
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

  /** The container was removed from outside: create a fresh one. */
  private async handleGone(gen: number): Promise<void> {
    this.teardownRuntime();
    this.container = null;
    const plan = this.plan_;
    if (!plan || gen !== this.generation) return;
    this.restartCount++;
    this.go('restarting', 'the container was removed outside Berth: creating a new one', { restartCount: this.restartCount });
    try {
      if (plan.secrets.length && Object.keys(this.secretValues).length === 0) this.secretValues = await this.env.resolveSecrets(plan);
      this.container = await this.env.createContainer(plan, { secretValues: this.secretValues });
      if (gen !== this.generation) return void (await this.removeContainer());
      await this.startAgain(this.container, gen, `container ${this.container.name} created`);
    } catch (err) {
      this.fail(err, gen);
    }
  }

  // ---- engine availability ------------------------------------------------------------

  onEngineDown(reason: string): void {
    if (this.engineDown) return;
    this.engineDown = true;
    this.teardownRuntime();
    const s = this.sm.name;
    const text = `Docker engine unavailable: ${reason}; waiting for it to come back`;
    if (s === 'pulling' || s === 'building') {
      this.generation++;
      this.go('failed', text);
      this.resumeAfterEngine = true;
    } else if (RUNNING_STATES.has(s)) {
      this.go('not_ready', text);
      this.resumeAfterEngine = true;
    }
  }
  private resumeAfterEngine = false;

  /** The engine is back: re-adopt the container when it still runs, else start it again. */
  async onEngineUp(): Promise<void> {
    if (!this.engineDown) return;
    this.engineDown = false;
    if (!this.resumeAfterEngine) return;
    this.resumeAfterEngine = false;
    const gen = this.generation;
    const c = this.container;
    if (this.sm.name === 'failed' || !c) {
      this.container = null;
      await this.start(this.lastOptions);
      return;
    }
    const facts = await this.env.inspectContainer(c.id).catch(() => null);
    if (gen !== this.generation) return;
    try {
      if (!facts) return void (await this.handleGone(gen));
      if (facts.running) {
        if (facts.hostPort && facts.hostPort !== c.hostPort) this.container = this.env.attachContainer(facts);
        this.gateway?.setUpstream({ host: '127.0.0.1', port: this.container!.hostPort });
        this.stopLogs = this.env.followLogs(c.id);
        this.go('waiting_for_startup', 'Docker engine is back: container still running, re-checking readiness');
        this.startProbes(false);
      } else {
        this.restartCount++;
        this.go('restarting', `Docker engine is back: ${describeExit({ exitCode: facts.exitCode, oomKilled: facts.oomKilled })}; restarting`, { restartCount: this.restartCount });
        await this.startAgain(c, gen, 'container restarted after engine came back').catch((err) => this.restartFailed(c, gen, err));
      }
    } catch (err) {
      this.fail(err, gen);
    }
  }

  // ---- stop / restart --------------------------------------------------------------------

  private async removeContainer(): Promise<void> {
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

  private releaseGpus(): void {
    this.lease?.release();
    this.lease = null;
  }

  /** Stops and removes the container and its secrets dir, releases GPUs, closes the gateway. */
  async stop(reason = 'stopped by user'): Promise<void> {
    this.generation++;
    // Stopped while the engine was away: it must stay stopped when the engine returns.
    this.resumeAfterEngine = false;
    this.teardownRuntime();
    const s = this.sm.name;
    if (s === 'idle' || s === 'stopped') {
      // A start still planning has reserved its GPUs already; no container to wait for.
      this.releaseGpus();
      await this.closeGateway();
      return;
    }
    if (this.sm.canGo('stopping')) this.go('stopping', reason);
    this.gateway?.setUpstream(null);
    let error: unknown = null;
    try {
      await this.removeContainer();
    } catch (err) {
      error = err;
    }
    this.releaseGpus();
    this.secretValues = {};
    this.progress_ = null;
    await this.closeGateway();
    if (error) {
      const e = toErrorShape(error);
      this.go('failed', `could not remove the container: ${e.message}`);
    } else if (this.sm.canGo('stopped')) this.go('stopped', reason);
  }

  /** Leaves the container running (keep-running-on-quit): only Berth's side is torn down. */
  async detach(): Promise<void> {
    this.generation++;
    this.resumeAfterEngine = false;
    this.teardownRuntime();
    this.container = null;
    await this.closeGateway();
  }

  private async closeGateway(): Promise<void> {
    const g = this.gateway;
    this.gateway = null;
    this.offGatewayMetrics?.();
    this.offGatewayMetrics = null;
    if (g) await g.close().catch(() => undefined);
  }

  async restart(): Promise<void> {
    await this.stop('restart requested');
    await this.start(this.lastOptions);
  }
}
