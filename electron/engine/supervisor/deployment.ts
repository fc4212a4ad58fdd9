// One loaded config and its container over time, as the user drives it: start (plan with
// the GPUs leased, secrets, pull, build and weights as tasks, container, probes), adopt a
// running container, stop, detach and restart. The state, its transitions and the shared
// plumbing are in deployment-core.ts; crash and engine-outage handling in
// deployment-recovery.ts.
import type { RunPlan } from '../../../shared/plan.js';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import { RUNNING_STATES, isBeforeContainer } from './state-machine.js';
import type { ContainerFacts, GpuLease } from './deployment-env.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import type { StartOptions } from './deployment-core.js';

export type { DeploymentOptions, StartOptions, DeploymentEvents } from './deployment-core.js';

export class Deployment extends DeploymentRecovery {
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

  protected async adopt(facts: ContainerFacts, plan: RunPlan, gen: number): Promise<void> {
    this.container = this.env.attachContainer(facts);
    if (!facts.hostPort) throw new BerthError('CONTAINER_FAILED', `container ${facts.name} has no published port`, 'stop it and start the deployment again');
    this.gateway?.setUpstream({ host: '127.0.0.1', port: facts.hostPort });
    this.stopLogs = this.env.followLogs(facts.id);
    if (gen !== this.generation) return;
    this.go('waiting_for_startup', `re-adopted running container ${facts.name} (${facts.id.slice(0, 12)}); checking ${plan.probes.readinessPath}`);
    this.startProbes(false);
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

  async restart(): Promise<void> {
    await this.stop('restart requested');
    await this.start(this.lastOptions);
  }
}
