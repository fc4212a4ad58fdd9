// Config paths given on the command line (`npm start -- PATH`, `berth-app PATH`, a file
// manager's "Open with") or by a second instance. Chromium may add its own switches and
// reorder arguments (Electron's docs on 'second-instance'), so nothing here relies on
// positions: the executable, the app folder, switches and anything that is not a config
// are skipped by what they are. The primary instance gets the second one's paths already
// resolved, through requestSingleInstanceLock's additionalData (secondInstancePaths).
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

export interface ArgvOptions {
  cwd: string;
  /** app.getAppPath(): `electron .` passes the app folder, which is not a config. */
  appPath?: string;
  /** process.execPath: argv[0]. */
  execPath?: string;
}

/** A truss config file (*.yaml, *.yml) or a directory that holds config.yaml. */
function isConfigPath(p: string): boolean {
  try {
    const st = statSync(p);
    if (st.isFile()) return ['.yaml', '.yml'].includes(extname(p).toLowerCase());
    return st.isDirectory() && existsSync(join(p, 'config.yaml'));
  } catch {
    return false;
  }
}

export function configPathsFromArgv(argv: string[], opts: ArgvOptions): string[] {
  const skip = new Set([opts.appPath, opts.execPath].filter((x): x is string => !!x).map((x) => resolve(x)));
  const out: string[] = [];
  for (const [i, a] of argv.entries()) {
    if (i === 0 || !a || a.startsWith('-')) continue; // argv[0] is always the executable
    const p = resolve(opts.cwd, a);
    if (skip.has(p) || out.includes(p) || !isConfigPath(p)) continue;
    out.push(p);
  }
  return out;
}

/** What a second instance sends the first through requestSingleInstanceLock. */
export interface SecondInstanceData {
  berthConfigPaths: string[];
}

/** The second instance's resolved paths when it sent them; else its argv, parsed as above. */
export function secondInstancePaths(additionalData: unknown, argv: string[], opts: ArgvOptions): string[] {
  const sent = (additionalData as Partial<SecondInstanceData> | null)?.berthConfigPaths;
  if (Array.isArray(sent) && sent.every((p) => typeof p === 'string')) return sent.filter((p) => isConfigPath(p));
  return configPathsFromArgv(argv, opts);
}
