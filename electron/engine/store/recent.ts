// Recently opened truss configs, newest first, at most 10, by absolute path.
import { resolve } from 'node:path';
import { dataPath } from '../paths.js';
import { Mutex, readJson, writeJsonAtomic } from './atomic.js';

export const RECENT_FILE = 'recent.json';
export const RECENT_MAX = 10;

export interface RecentEntry {
  path: string;
  openedAt: number;
}

export class RecentStore {
  readonly file: string;
  private readonly mutex = new Mutex();

  constructor(opts: { file?: string } = {}) {
    this.file = opts.file ?? dataPath(RECENT_FILE);
  }

  async list(): Promise<RecentEntry[]> {
    const r = await readJson(this.file);
    if (!r.ok) return [];
    const items = (r.value as { items?: unknown })?.items;
    if (!Array.isArray(items)) return [];
    return items
      .filter((e): e is RecentEntry => !!e && typeof e.path === 'string' && typeof e.openedAt === 'number')
      .slice(0, RECENT_MAX);
  }

  /** Moves (or adds) the path to the front. */
  add(path: string): Promise<RecentEntry[]> {
    const abs = resolve(path);
    return this.write((items) => [{ path: abs, openedAt: Date.now() }, ...items.filter((e) => e.path !== abs)]);
  }

  remove(path: string): Promise<RecentEntry[]> {
    const abs = resolve(path);
    return this.write((items) => items.filter((e) => e.path !== abs));
  }

  clear(): Promise<RecentEntry[]> {
    return this.write(() => []);
  }

  private write(fn: (items: RecentEntry[]) => RecentEntry[]): Promise<RecentEntry[]> {
    return this.mutex.run(async () => {
      const next = fn(await this.list()).slice(0, RECENT_MAX);
      await writeJsonAtomic(this.file, { version: 1, items: next }, { mode: 0o600 });
      return next;
    });
  }
}
