// What happens to a running deployment without anyone asking: its container exits or
// dies (restart at once, then with back-off, then crash_loop), fails liveness (restart the
// same container), vanishes, or the engine goes away and comes back (re-adopt or start again).
import { toErrorShape } from '../../../shared/errors.js';
import { RUNNING_STATES } from './state-machine.js';
import { describeExit } from './exit-reason.js';
import type { ContainerEvent, ContainerFacts, ContainerRef } from './deployment-env.js';
import { DeploymentCore, LAST_LINES, MAX_FAILED_RESTARTS, type StartOptions } from './deployment-core.js';

export abstract class DeploymentRecovery extends DeploymentCore {
  abstract start(opts?: StartOptions, adopt?: ContainerFacts): Promise<void>;

  /** Liveness restart: stop and start the same container (same id, same secrets dir). */
  protected async restartContainer(reason: string, gen: number): Promise<void> {
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

  protected async startAgain(c: ContainerRef, gen: number, why: string): Promise<void> {
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

  protected async handleExit(exitCode: number | null, gen: number): Promise<void> {
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
  protected scheduleRestart(c: ContainerRef, gen: number, why: string, delay: number): void {
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
  protected restartFailed(c: ContainerRef, gen: number, err: unknown): void {
    if (gen !== this.generation) return;
    this.failedRestarts++;
    if (this.failedRestarts > MAX_FAILED_RESTARTS) return this.fail(err, gen);
    const delay = Math.max(1_000, this.backoff.onCrash(Date.now()));
    this.scheduleRestart(c, gen, `restart failed (${toErrorShape(err).message})`, delay);
  }

  /** The container was removed from outside: create a fresh one. */
  protected async handleGone(gen: number): Promise<void> {
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
}
