// Adapts the real Supervisor to the service's SupervisorPort, and builds the default one.
import { resolve } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { dockerRunCommand } from '../../../shared/truss/index.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Deployment } from '../supervisor/deployment.js';
import type { LogBuffer } from '../docker/log-buffer.js';
import { adaptDeployment } from './deployment-adapter.js';
import type { DeploymentPort, SupervisorPort } from './ports.js';
import type { SupervisorDeps } from './runtime.js';

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
  };
}

// Until the supervisor's engine wiring (docs/requests/api-app.md) lands, the default has no
// Deployment environment: opening a config fails with a clear error, everything else works.
export async function createDefaultSupervisor(deps: SupervisorDeps): Promise<SupervisorPort> {
  void deps;
  const unavailable = () =>
    new BerthError('INTERNAL', 'This build of Berth cannot run deployments yet (the engine wiring is missing).', 'Update Berth; engine, GPU, secrets and settings still work.');
  return {
    open: async () => {
      throw unavailable();
    },
    list: () => [],
    get: () => undefined,
    close: async () => {},
    validateText: async () => ({ issues: [], plan: null, dockerRun: null }),
    shutdown: async () => {},
  };
}
