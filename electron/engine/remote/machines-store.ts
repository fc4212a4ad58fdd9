// The machines this Berth knows, in BERTH_HOME/machines.json: name, ssh:// URL and the
// command that runs Berth there. No secrets: keys stay in ~/.ssh and the agent, and each
// remote serve's token is read over SSH at every connect, never stored here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { parseSshUrl } from './ssh-target.js';

export interface MachineRecord {
  name: string;
  url: string;
  /** Shell command that runs Berth there; default `berth`. */
  command?: string;
  /** Folders there whose configs the remote serve may open (default: the remote home). */
  allow?: string[];
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/i;

export class MachinesStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'machines.json');
  }

  async list(): Promise<MachineRecord[]> {
    try {
      const v = JSON.parse(await readFile(this.file, 'utf8')) as { machines?: MachineRecord[] };
      return Array.isArray(v.machines) ? v.machines : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new BerthError('BAD_REQUEST', `${this.file} is not valid JSON.`, 'Fix or delete it (it only lists machine names and ssh:// URLs).');
    }
  }

  async get(name: string): Promise<MachineRecord> {
    const m = (await this.list()).find((x) => x.name === name);
    if (!m) throw new BerthError('NOT_FOUND', `No machine named '${name}'.`, "See 'berth remote list'; add one with 'berth remote add NAME ssh://user@host'.");
    return m;
  }

  async add(rec: MachineRecord): Promise<MachineRecord> {
    if (!NAME.test(rec.name) || rec.name === 'local') throw new BerthError('BAD_REQUEST', `'${rec.name}' cannot name a machine.`, "Use letters, digits, '-' and '_' (up to 40); 'local' is this computer.");
    parseSshUrl(rec.url);
    // Resolved by the remote serve, not here: only an absolute path means the same folder there.
    const relative = rec.allow?.find((d) => !d.startsWith('/'));
    if (relative !== undefined) throw new BerthError('BAD_REQUEST', `'${relative}' is not an absolute path on machine '${rec.name}'.`, 'Give folders there as absolute paths, e.g. /home/me/models.');
    const all = await this.list();
    if (all.some((m) => m.name === rec.name)) throw new BerthError('BAD_REQUEST', `A machine named '${rec.name}' exists already.`, `Remove it first (berth remote rm ${rec.name}) or pick another name.`);
    const clean: MachineRecord = { name: rec.name, url: rec.url, ...(rec.command ? { command: rec.command } : {}), ...(rec.allow?.length ? { allow: rec.allow } : {}) };
    await writeFileAtomic(this.file, JSON.stringify({ machines: [...all, clean] }, null, 2));
    return clean;
  }

  async remove(name: string): Promise<void> {
    const all = await this.list();
    if (!all.some((m) => m.name === name)) throw new BerthError('NOT_FOUND', `No machine named '${name}'.`, "See 'berth remote list'.");
    await writeFileAtomic(this.file, JSON.stringify({ machines: all.filter((m) => m.name !== name) }, null, 2));
  }
}
