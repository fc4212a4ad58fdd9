// createBerthRuntime: wires the managers (engine connection, GPUs, secrets, settings,
// recent, supervisor) into one BerthService. Used by `berth serve` and the Electron main.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../../../shared/errors.js';
import type { BerthSettings, EngineStatus, SecretsProtection } from '../../../shared/api/index.js';
import type { GpuReport } from '../../../shared/gpu.js';
import { EngineConnection } from '../docker/connection.js';
import type { EngineStatus as DockerEngineStatus } from '../docker/engine-status.js';
import { detectGpus, GpuSampler } from '../gpu/index.js';
import { SecretStore, type Encryptor } from '../secrets/index.js';
import { getGatewayApiKey, RecentStore, rotateGatewayApiKey, SettingsStore } from '../store/index.js';
import { BerthService } from './berth-service.js';
import type { ServicePorts, SupervisorPort } from './service-deps.js';
import { validateConfigText } from './validate-text.js';
import { planSettingsFrom } from '../config/plan-settings.js';
import { openGateways, type GatewayApplyFailure } from '../supervisor/gateway-adapter.js';
import type { SupervisorDeps } from './supervisor-wiring.js';
import { defaultRequestLogs } from '../supervisor/default-env.js';
import { Machines } from '../remote/machines.js';


export interface BerthRuntimeOptions {
  dataDir: string;
  /** Folder with examples/ and icons/ (resources/ in the repo, unpacked beside app.asar when packaged). */
  resourcesDir: string;
  /** Electron safeStorage; default keeps secrets in a 0600 file. */
  encryptor?: Encryptor;
  transport?: 'ipc' | 'http';
  /** How the encryptor protects secrets (the app's safeStorage choice), for app.info. */
  secretsProtection?: SecretsProtection;
  version?: string;
  openDialog?: () => Promise<string | null>;
  /** Desktop: a native folder picker for the catalog's Copy to... */
  pickFolder?: () => Promise<string | null>;
  /** Builds the deployment supervisor; see supervisor-wiring.ts for the default. */
  createSupervisor?: (deps: SupervisorDeps) => Promise<SupervisorPort>;
  /** GPU sample period (ms). */
  gpuSamplePeriodMs?: number;
}

export interface BerthRuntime {
  service: BerthService;
  dataDir: string;
  settings: SettingsStore;
  secrets: SecretStore;
  connection: EngineConnection;
  /** Stops (or, with keep-running, detaches) containers and releases everything. */
  shutdown(opts?: { keepRunning?: boolean }): Promise<void>;
}

export function packageVersion(): string {
  try {
    const here = typeof __dirname !== 'undefined' ? __dirname : fileURLToPath(new URL('.', import.meta.url));
    for (const rel of ['../../package.json', '../../../package.json']) {
      try {
        return (JSON.parse(readFileSync(join(here, rel), 'utf8')) as { version: string }).version;
      } catch {
        // try the next layout (bundled dist/ vs source tree)
      }
    }
  } catch {
    // fall through
  }
  return '0.0.0';
}

function toApiEngineStatus(s: DockerEngineStatus): EngineStatus {
  return { ...s, host: s.endpoint };
}

export async function createBerthRuntime(opts: BerthRuntimeOptions): Promise<BerthRuntime> {
  const secrets = new SecretStore({ file: join(opts.dataDir, 'secrets.json'), encryptor: opts.encryptor });
  const settings = new SettingsStore({ file: join(opts.dataDir, 'settings.json'), secrets });
  await settings.load();
  const recent = new RecentStore({ file: join(opts.dataDir, 'recent.json') });
  const connection = new EngineConnection({ override: settings.get().dockerHost });
  connection.start();
  await connection.ping().catch(() => undefined);

  let gpuCache: { at: number; report: Promise<GpuReport> } | null = null;
  const gpuReport = (refresh = false): Promise<GpuReport> => {
    if (!gpuCache || refresh || Date.now() - gpuCache.at > 30_000) {
      const report = detectGpus({ docker: connection.status.up ? (connection.docker as never) : null });
      gpuCache = { at: Date.now(), report };
      report.catch(() => (gpuCache = null));
    }
    return gpuCache.report;
  };
  const sampler = new GpuSampler({ periodMs: opts.gpuSamplePeriodMs ?? 2000 });

  const createSupervisor = opts.createSupervisor ?? (await import('./supervisor-wiring.js')).createDefaultSupervisor;
  // One request history for the gateways and the API (requests.*), files under the data dir.
  const requestLogs = defaultRequestLogs({ dataDir: opts.dataDir, settings, secrets, gatewayApiKey: () => getGatewayApiKey(secrets) });
  const supervisor = await createSupervisor({ connection, secrets, settings, dataDir: opts.dataDir, gpuReport: () => gpuReport(), requestLogs });

  // Running gateways follow the gateway settings and key: the key and the require-key flag
  // at once, the exposure by re-binding on the same port. Applied one change at a time, in
  // order; only to this runtime's deployments.
  let gatewaySync: Promise<GatewayApplyFailure[]> = Promise.resolve([]);
  const syncGateways = (): Promise<GatewayApplyFailure[]> =>
    (gatewaySync = gatewaySync.catch(() => []).then(async () => {
      const s = settings.get();
      const apiKey = await getGatewayApiKey(secrets);
      const own = new Set(supervisor.list().map((d) => d.id));
      return openGateways.apply({ host: s.gatewayExpose ? '0.0.0.0' : '127.0.0.1', apiKey, requireKey: s.gatewayRequireKeyOnLoopback }, own);
    }));
  const gatewayFailure = (failures: GatewayApplyFailure[]): BerthError =>
    new BerthError(
      failures[0].error.code,
      `The setting is saved, but ${failures.length === 1 ? 'a running gateway' : `${failures.length} running gateways`} could not follow it: ${failures.map((f) => `${f.deploymentId}: ${f.error.message}`).join(' ')}`,
      failures[0].error.hint ?? 'Restart the deployment (Stop, then Start) to open its gateway with the new setting.',
    );

  const onSettings = (c: { settings: { dockerHost: string | null }; changed: string[] }) => {
    if (c.changed.includes('dockerHost')) void connection.setOverride(c.settings.dockerHost);
    if (c.changed.includes('gatewayExpose') || c.changed.includes('gatewayRequireKeyOnLoopback')) void syncGateways();
  };
  settings.on('change', onSettings);

  const ports: ServicePorts = {
    supervisor: {
      ...supervisor,
      list: () => supervisor.list(),
      get: (id) => supervisor.get(id),
      open: (p) => supervisor.open(p),
      close: (id, o) => supervisor.close(id, o),
      shutdown: (o) => supervisor.shutdown(o),
      validateText: async (text, path) => {
        const s = settings.get();
        const report = await gpuReport().catch(() => null);
        return validateConfigText(text, path, report, planSettingsFrom(s));
      },
    },
    engine: {
      status: () => toApiEngineStatus(connection.status),
      onStatus: (cb) => {
        const l = (s: DockerEngineStatus) => cb(toApiEngineStatus(s));
        connection.on('status', l);
        return () => connection.off('status', l);
      },
    },
    gpu: {
      report: (refresh) => gpuReport(refresh),
      onSample: (cb) => {
        sampler.on('sample', cb);
        return () => sampler.off('sample', cb);
      },
    },
    secrets: {
      names: async () => (await secrets.list()).map((s) => s.name),
      has: (n) => secrets.has(n),
      get: (n) => secrets.get(n),
      set: (n, v) => secrets.set(n, v),
      delete: async (n) => {
        await secrets.delete(n);
      },
    },
    settings: {
      get: () => settings.get() as BerthSettings,
      update: async (patch) => {
        const before = gatewaySync;
        const next = (await settings.update(patch)) as BerthSettings;
        // A gateway setting changed: its answer waits for the running gateways to follow.
        if (gatewaySync !== before) {
          const failures = await gatewaySync;
          if (failures.length) throw gatewayFailure(failures);
        }
        return next;
      },
    },
    recent: {
      list: async () => (await recent.list()).map((r) => ({ path: r.path, openedAt: r.openedAt, modelName: null })),
      add: async (p) => {
        await recent.add(p);
      },
    },
    requestLogs,
    gatewayKey: {
      exists: async () => (await getGatewayApiKey(secrets)) !== null,
      value: () => getGatewayApiKey(secrets),
      generate: async () => {
        const key = await rotateGatewayApiKey(secrets);
        // The old key stops working on running gateways now, not at their next start. (The
        // host does not change here, so nothing can fail to re-bind; the key is shown once and
        // must reach the caller whatever happens.)
        await syncGateways();
        return key;
      },
    },
    examplesDir: join(opts.resourcesDir, 'examples'),
    // BERTH_CATALOG_DIR: a catalog of your own (a team's configs), or a test's.
    catalogDir: process.env.BERTH_CATALOG_DIR?.trim() || join(opts.resourcesDir, 'catalog'),
    imageBytes: async (ref) => {
      if (!connection.status.up) return null;
      const { normalizedRef } = await import('../docker/image-ref.js');
      return (await connection.docker.getImage(normalizedRef(ref)).inspect().catch(() => null))?.Size ?? null;
    },
    pickFolder: opts.pickFolder,
    dataDir: opts.dataDir,
    version: opts.version ?? packageVersion(),
    openDialog: opts.openDialog,
  };

  const machines = new Machines(opts.dataDir, { localVersion: ports.version });
  const service = new BerthService(ports, { transport: opts.transport ?? 'http', machines, ...(opts.secretsProtection ? { secretsProtection: opts.secretsProtection } : {}) });
  let down: Promise<void> | null = null;
  return {
    service,
    dataDir: opts.dataDir,
    settings,
    secrets,
    connection,
    shutdown: (o = {}) =>
      (down ??= (async () => {
        const keepRunning = o.keepRunning ?? settings.get().keepRunningOnQuit;
        service.close();
        settings.off('change', onSettings);
        await Promise.allSettled([supervisor.shutdown({ keepRunning }), sampler.stop(), machines.close()]);
        await requestLogs.flush().catch(() => undefined);
        connection.stop();
      })()),
  };
}

export { BerthError };
