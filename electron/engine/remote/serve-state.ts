// Files a machine's `berth serve` keeps under its BERTH_HOME/remote/ so that a laptop's Berth
// (over SSH, through `berth remote ensure-serve`) finds it again: the token (0600, read only
// by the account's own processes), the state {pid, port, version} written once listening,
// the pid of a detached start and its log.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';

export interface ServeState {
  pid: number;
  port: number;
  version: string;
}

export function remoteServeFiles(dataDir: string) {
  const dir = join(dataDir, 'remote');
  return {
    dir,
    token: join(dir, 'serve-token'),
    state: join(dir, 'serve.json'),
    pid: join(dir, 'serve.pid'),
    log: join(dir, 'serve.log'),
    /** Truss folders uploaded from laptops live here (the remote serve may open them). */
    uploads: join(dataDir, 'uploads'),
  };
}

export async function writeServeState(file: string, s: ServeState): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(s), { mode: 0o600 });
}

export async function readServeState(file: string): Promise<ServeState | null> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as ServeState;
    return Number.isInteger(v.pid) && Number.isInteger(v.port) ? v : null;
  } catch {
    return null;
  }
}
