// Adapts the real Supervisor to the service's SupervisorPort, and builds the default one.
import { join, resolve } from 'node:path';
import { dockerRunCommand } from '../../../shared/truss/index.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Deployment } from '../supervisor/deployment.js';
import type { LogBuffer } from '../docker/log-buffer.js';
import type { EngineConnection } from '../docker/connection.js';
import type { SecretStore } from '../secrets/index.js';
import type { SettingsStore } from '../store/index.js';
import type { GpuReport } from '../../../shared/gpu.js';
import { createEngineSupervisor, instanceIdFor } from '../supervisor/default-env.js';
import { GpuLedger } from '../gpu/index.js';
import { getGatewayApiKey, PortMemory } from '../store/index.js';
import { PORTS_FILE } from '../store/port-memory.js';
import { planSettingsFrom } from '../config/plan-settings.js';
import { adaptDeployment } from './deployment-adapter.js';
import type { RequestLogs } from '../gateway/history/request-log.js';
import { validateConfigText } from './validate-text.js';
import type { DeploymentPort, SupervisorPort } from './service-deps.js';

export function adaptSupervisor(sup: Supervisor, logsFor: (id: string) => LogBuffer | undefined, validateText: SupervisorPort['validateText']): SupervisorPort {
  const adapted = new WeakMap<Deployment, DeploymentPort>();
  const port = (d: Deployment): DeploymentPort => {
    let p = adapted.get(d);
    if (!p) {
      p = adaptDeployment(d, { logs: () => logsFor(d.id), dockerRun: (plan) => dockerRunCommand(plan) });
      adapted.set(d, p);
    }
    return p;
  };
  return {
    open: async (path) => port(await sup.open(resolve(path))),
    list: () => sup.list().map(port),
    get: (id) => {
      const d = sup.list().find((x) => x.id === id);
      return d ? port(d) : undefined;
    },
    close: (id, o) => sup.close(id, o.keepRunning),
    validateText,
    shutdown: (o) => sup.shutdown(o),
    tasks: {
      list: (labels) => sup.tasks.list(labels),
      onTask: (cb) => {
        const sub = sup.tasks.on('task', cb);
        return () => sub.dispose();
      },
    },
  };
}

/** What the runtime hands the supervisor it builds (runtime.ts picks this wiring or a test's). */
export interface SupervisorDeps {
  connection: EngineConnection;
  secrets: SecretStore;
  settings: SettingsStore;
  dataDir: string;
  gpuReport: () => Promise<GpuReport>;
  /** The gateways' request history (the service reads the same one). */
  requestLogs?: RequestLogs;
}

// The real supervisor: deployments run on the Docker engine (supervisor/default-env.ts).
// Containers left by an earlier run of this data dir are re-adopted when still running and
// their config still exists, otherwise removed.
export async function createDefaultSupervisor(deps: SupervisorDeps): Promise<SupervisorPort> {
  const { supervisor, logsFor, reopenLeftovers } = createEngineSupervisor({
    connection: deps.connection,
    secrets: deps.secrets,
    settings: deps.settings,
    ports: new PortMemory({ file: join(deps.dataDir, PORTS_FILE) }),
    gpuLedger: new GpuLedger(),
    instanceId: instanceIdFor(deps.dataDir),
    gatewayApiKey: () => getGatewayApiKey(deps.secrets),
    dataDir: deps.dataDir,
    gpuReport: deps.gpuReport,
    requestLogs: deps.requestLogs,
  });
  await reopenLeftovers().catch(() => undefined);
  return adaptSupervisor(supervisor, logsFor, async (text, path) => {
    const s = deps.settings.get();
    return validateConfigText(text, path, await deps.gpuReport().catch(() => null), planSettingsFrom(s));
  });
}
