// PATH|ID as `berth bench` and `berth requests` take it: a truss path (its deployment id
// computed as Berth does) or a deployment id (its config found among the recent configs).
// The gateway of a running deployment is found on the port Berth remembers for it, whichever
// Berth process runs it (the app, `berth serve`, `berth run`): these commands talk to it
// over HTTP like any client, and read the history files it writes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../shared/errors.js';
import { deploymentIdOf } from '../../shared/truss/plan.js';
import type { TrussConfig } from '../../shared/truss/schema.js';
import { loadTruss, resolveTrussPath } from '../engine/config/load.js';
import { PortMemory } from '../engine/store/index.js';
import { PORTS_FILE } from '../engine/store/port-memory.js';
import { RecentStore } from '../engine/store/recent.js';

export interface DeploymentRef {
  deploymentId: string;
  configPath: string | null;
  config: TrussConfig | null;
}

export async function resolveDeploymentRef(arg: string, dataDir: string): Promise<DeploymentRef> {
  if (existsSync(arg)) {
    const t = await loadTruss(arg);
    return { deploymentId: deploymentIdOf(t.configPath, t.trussDir), configPath: t.configPath, config: t.config };
  }
  // An id: its config, when Berth opened it recently, tells the model's settings.
  const recent = await new RecentStore({ file: join(dataDir, 'recent.json') }).list().catch(() => []);
  for (const r of recent) {
    try {
      const { configPath, trussDir } = await resolveTrussPath(r.path);
      if (deploymentIdOf(configPath, trussDir) === arg) {
        const t = await loadTruss(configPath);
        return { deploymentId: arg, configPath, config: t.config };
      }
    } catch {
      // A recent config that is gone.
    }
  }
  if (!/^[a-z0-9][a-z0-9._-]*-[0-9a-f]{8}$/.test(arg)) throw new BerthError('NOT_FOUND', `'${arg}' is neither a truss path nor a deployment id.`, 'Pass the truss directory (or its config.yaml), or a deployment id as the UI and `berth run` show it (name-1a2b3c4d).');
  return { deploymentId: arg, configPath: null, config: null };
}

/** The gateway URL of a running deployment; BerthError saying what to do when there is none. */
export async function runningGateway(ref: DeploymentRef, dataDir: string): Promise<string> {
  const port = await new PortMemory({ file: join(dataDir, PORTS_FILE) }).get(ref.deploymentId);
  const start = ref.configPath ? `berth run ${ref.configPath}` : 'berth run PATH';
  if (port === null) throw new BerthError('NOT_FOUND', `${ref.deploymentId} has never had a gateway on this machine.`, `Start it first (${start}, or Start in the app), then run this again.`);
  const url = `http://127.0.0.1:${port}`;
  // A path no route serves: a Berth gateway answers 404 JSON listing its routes (401 when it wants a key).
  let res: Response;
  try {
    res = await fetch(`${url}/__berth_gateway_check`, { signal: AbortSignal.timeout(3000) });
  } catch {
    throw new BerthError('NOT_FOUND', `${ref.deploymentId} is not running: nothing answers on its gateway port ${port}.`, `Start it first (${start}, or Start in the app), then run this again.`);
  }
  const body = (await res.json().catch(() => null)) as { routes?: unknown; error?: string } | null;
  if (res.status === 401 || (res.status === 404 && body && Array.isArray(body.routes))) return url;
  throw new BerthError('NOT_FOUND', `Port ${port} (remembered for ${ref.deploymentId}) answers, but not as a Berth gateway.`, `Another program took the port. Restart the deployment in Berth (${start}).`);
}
