// The real wiring: a Supervisor whose deployments run on the Docker engine through the
// engine modules (docker, gateway, gpu, secrets, store). Shared by the runtime behind the
// app / `berth serve` and by `berth run`.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { deploymentIdOf } from '../../../shared/truss/index.js';
import type { GpuReport } from '../../../shared/gpu.js';
import type { EngineConnection } from '../docker/connection.js';
import type { LogBuffer } from '../docker/log-buffer.js';
import { buildDerivedImage } from '../build/index.js';
import { sweepBuildSecrets } from '../build/labels.js';
import { ensureTransferCli, fetchPlanWeights } from '../weights/index.js';
import { confirmDevices } from '../docker/container.js';
import { resolveTrussPath } from '../config/load.js';
import { planSettingsFrom } from '../config/plan-settings.js';
import { detectGpus, type GpuLedger } from '../gpu/index.js';
import type { SecretStore } from '../secrets/index.js';
import type { PortMemory, SettingsStore } from '../store/index.js';
import { attachContainer, createContainer } from './container-ref.js';
import { DeploymentLogs } from './deployment-logs.js';
import { enginePort, inspectFacts } from './engine-adapter.js';
import { openGateway } from './gateway-adapter.js';
import { RequestLogs } from '../gateway/history/request-log.js';
import { pullImage } from './image-source.js';
import { prepareDeployment } from './prepare.js';
import { Supervisor, type EnginePort, type SupervisorOptions } from './supervisor.js';
import type { ContainerFacts, DeploymentEnv } from './deployment-env.js';

/** Label naming the Berth process that created a container ("<pid>@<host>"). */
export const OWNER_LABEL = 'dev.berth.owner';

export interface EngineSupervisorDeps {
  connection: EngineConnection;
  secrets: SecretStore;
  settings: SettingsStore;
  ports: PortMemory;
  gpuLedger: GpuLedger;
  /** instanceIdFor(dataDir): stamped on every container as LABELS.instance. */
  instanceId: string;
  gatewayApiKey: () => Promise<string | null>;
  /** Where per-container secrets dirs live (<dataDir>/run/secrets/<deployment>). */
  dataDir: string;
  gpuReport?: () => Promise<GpuReport>;
  /** A fixed gateway port (`berth run --port`); default: the deployment's remembered port. */
  gatewayPort?: number;
  supervisor?: Partial<Pick<SupervisorOptions, 'backoff' | 'pollMs' | 'stopTimeoutS' | 'keepRunningOnQuit' | 'probePeriodMs'>>;
  /** Request history of the gateways; default: one under <dataDir>/requests. */
  requestLogs?: RequestLogs;
}

export interface EngineSupervisor {
  supervisor: Supervisor;
  engine: EnginePort;
  logsFor(deploymentId: string): LogBuffer | undefined;
  /** What the gateways record (also read by `berth requests` from the files). */
  requestLogs: RequestLogs;
  /**
   * Re-opens the configs of this instance's leftover containers (so running ones are
   * re-adopted), then recovers: see Supervisor.init. Containers another live Berth process
   * owns are left alone.
   */
  reopenLeftovers(): Promise<void>;
}

/** A stable id of a Berth data dir: every container this data dir creates carries it. */
export function instanceIdFor(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
}

function ownerTag(): string {
  return `${process.pid}@${process.env.HOSTNAME ?? ''}`;
}

/** True when the container was made by another Berth process that still runs on this host. */
export function ownedByLiveProcess(facts: ContainerFacts): boolean {
  const owner = facts.labels[OWNER_LABEL];
  if (!owner) return false;
  const [pidText, host] = owner.split('@');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  if ((host ?? '') !== (process.env.HOSTNAME ?? '')) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The plan's deploymentId, computed the same way without planning. */
async function deploymentIdFor(configPath: string): Promise<string> {
  const { configPath: file, trussDir } = await resolveTrussPath(configPath);
  return deploymentIdOf(file, trussDir);
}

/** History files under the data dir; bodies per the setting; every stored secret kept out. */
export function defaultRequestLogs(deps: Pick<EngineSupervisorDeps, 'dataDir' | 'settings' | 'secrets' | 'gatewayApiKey'>): RequestLogs {
  return new RequestLogs({
    dir: join(deps.dataDir, 'requests'),
    captureBodies: () => deps.settings.get().captureRequestBodies,
    secretValues: async () => {
      const names = (await deps.secrets.list()).map((s) => s.name);
      const values = await Promise.all(names.map((n) => deps.secrets.get(n).catch(() => null)));
      const key = await deps.gatewayApiKey().catch(() => null);
      return [...values, key].filter((v): v is string => typeof v === 'string');
    },
  });
}

export function createEngineSupervisor(deps: EngineSupervisorDeps): EngineSupervisor {
  const { connection, settings, secrets, gpuLedger, instanceId } = deps;
  const docker = () => connection.docker;
  const gpuReport = deps.gpuReport ?? (() => detectGpus({ docker: connection.status.up ? (connection.docker as never) : null }));
  const logs = new Map<string, DeploymentLogs>();
  const engine = enginePort(connection);
  const buildSecretsRoot = join(deps.dataDir, 'run', 'build-secrets');
  const requestLogs = deps.requestLogs ?? defaultRequestLogs(deps);

  const envFor = (deploymentId: string): DeploymentEnv => {
    let log = logs.get(deploymentId);
    if (!log) {
      log = new DeploymentLogs(docker);
      logs.set(deploymentId, log);
    }
    const sink = log;
    return {
      prepare: (configPath, opts) =>
        prepareDeployment(configPath, opts, {
          gpuReport,
          gpuHolders: () => gpuLedger.holders(deploymentId),
          allowGpuSharing: () => settings.get().allowGpuSharing,
          settings: () => planSettingsFrom(settings.get()),
        }),
      gpus: {
        acquire: (id, ask, gpus, o) => {
          const grant = gpuLedger.acquire(id, ask, gpus, { allowSharing: settings.get().allowGpuSharing, ...(o?.adopt ? { adopt: o.adopt } : {}) });
          for (const w of grant.warnings) sink.system(`[gpu] ${w}`);
          return grant;
        },
      },
      resolveSecrets: (plan) => secrets.resolveForPlan(plan.secrets),
      ensureImage: async (plan, o) => {
        // The first engine call of a start: an absent engine fails here with its own reason
        // and hint instead of a raw socket error.
        await deps.connection.require();
        return pullImage(docker(), plan, secrets, o);
      },
      buildImage: async (plan, o) => {
        // Secrets for build commands live in a private dir under the data dir only while the
        // build container runs; buildDerivedImage removes it and masks values in its output.
        await buildDerivedImage(docker(), plan, {
          secretValues: o.secretValues,
          signal: o.signal,
          secretsRoot: buildSecretsRoot,
          // Labelled like the model containers, so recovery removes one a dead Berth left.
          instanceId,
          extraLabels: { [OWNER_LABEL]: ownerTag() },
          onLog: (l) => o.onLine(l.text),
          onStep: (done, total, step) => o.onProgress({ step: done, steps: total, message: done < total ? `step ${done + 1}/${total}: ${step.kind.replace(/_/g, ' ')}` : 'build finished' }),
        });
      },
      fetchWeights: (plan, o) => fetchPlanWeights(plan, { secrets }, o),
      createContainer: async (plan, o) => {
        // Docker would create a missing bind source as a folder: the script must exist first.
        if (plan.transferCli) await ensureTransferCli(plan.transferCli);
        const c = await createContainer(docker(), plan, { secretValues: o.secretValues, instanceId, dataDir: deps.dataDir, extraLabels: { [OWNER_LABEL]: ownerTag() } });
        return c;
      },
      confirmGpus: async (id, wanted) => {
        const c = await confirmDevices(docker(), id);
        const asked = c.requested.join(', ') || 'none';
        if (!c.visible) return `the container was given GPU ${asked}; ${c.note ?? 'its GPUs could not be listed'}`;
        const seen = `the container sees ${c.visible.length} GPU(s): ${c.visible.join('; ')}`;
        return c.visible.length < wanted ? `warning: ${seen}, but ${wanted} were asked for (${asked})` : seen;
      },
      attachContainer: (facts) => attachContainer(docker(), facts),
      inspectContainer: (id) => inspectFacts(docker(), id),
      followLogs: (id) => sink.follow(id),
      log: sink,
      openGateway: async (plan) => {
        const s = settings.get();
        const host = s.gatewayExpose ? '0.0.0.0' : '127.0.0.1';
        const apiKey = await deps.gatewayApiKey();
        // The remembered port is checked free, then bound: another program may take it in
        // between. Ask again (the taken port is then passed over) a few times before failing.
        for (let attempt = 0; ; attempt++) {
          const port = deps.gatewayPort ?? (await deps.ports.portFor(plan.deploymentId, { host }));
          try {
            return await openGateway(plan, { host, port, apiKey, requireKey: s.gatewayRequireKeyOnLoopback, history: requestLogs });
          } catch (err) {
            const taken = err instanceof BerthError && err.code === 'PORT_IN_USE' && /in use|already/i.test(err.message);
            if (!taken || deps.gatewayPort !== undefined || attempt >= 4) throw err;
          }
        }
      },
    };
  };

  const supervisor = new Supervisor({
    engine: {
      ...engine,
      // Another live Berth process's containers are not this process's leftovers.
      listManaged: async (id) => (await engine.listManaged(id)).filter((f) => !ownedByLiveProcess(f)),
    },
    envFor,
    deploymentIdFor,
    instanceId,
    ...deps.supervisor,
  });
  supervisor.on('recovery', (report) => {
    for (const a of report.adopted) logs.get(a.deploymentId)?.system(`re-adopted container ${a.name} (${a.containerId.slice(0, 12)}) left running by an earlier Berth`);
  });
  supervisor.on('state', (id, s) => {
    // Log history belongs to an open deployment; a closed one's buffer goes with it.
    if (s.name === 'stopped' && !supervisor.list().some((d) => d.id === id)) logs.delete(id);
  });

  return {
    supervisor,
    engine,
    logsFor: (id) => logs.get(id)?.buffer,
    requestLogs,
    async reopenLeftovers() {
      // Build secrets of a Berth that died before its build container existed (those with a
      // container go with it, below).
      await sweepBuildSecrets(buildSecretsRoot).catch(() => undefined);
      // Now when the engine is up, else on its first answer, and again on every reconnection
      // (Supervisor.init): running leftovers whose config still exists are re-opened and
      // re-adopted, the rest (and build containers) removed.
      await supervisor.init({ removeUnknown: true, adopt: true, reopen: true });
    },
  };
}
