// What a Berth data dir left behind in Docker and on disk: containers and volumes carrying
// the managed label and this data dir's instance label, and per-container secrets dirs
// under <BERTH_HOME>/run/secrets. "Nothing left" after stop means all three are empty.
import fs from 'node:fs';
import path from 'node:path';
import { LABELS } from '../../../shared/plan.js';
import { instanceIdFor } from '../../../electron/engine/supervisor/default-env.js';
import { docker } from '../../helpers/docker.js';

export interface Leftovers {
  containers: string[];
  volumes: string[];
  secretDirs: string[];
}

function listDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

export async function leftovers(home: string, hfCacheVolume?: string | null): Promise<Leftovers> {
  const instance = instanceIdFor(home);
  const filters = { label: [`${LABELS.managed}=true`, `${LABELS.instance}=${instance}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const vols = await docker.listVolumes({ filters });
  return {
    containers: containers.map((c) => `${c.Names[0]} (${c.State})`),
    // The shared Hugging Face cache volume outlives deployments by design.
    volumes: (vols.Volumes ?? []).map((v) => v.Name).filter((n) => n !== hfCacheVolume),
    secretDirs: listDirs(path.join(home, 'run', 'secrets')).flatMap((d) => (fs.statSync(d).isDirectory() ? [d, ...listDirs(d)] : [d])),
  };
}

/** Force-removes what a failed test left (by instance label) so one failure cannot leak into the next. */
export async function sweep(home: string): Promise<void> {
  const instance = instanceIdFor(home);
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`, `${LABELS.instance}=${instance}`] } }).catch(() => []);
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
}
