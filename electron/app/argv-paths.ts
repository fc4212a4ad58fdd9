// Config paths given on the command line (`npm start -- PATH`, `berth-app PATH`, or a
// second instance's argv). Electron's own flags and the app path are skipped.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export function configPathsFromArgv(argv: string[], opts: { isPackaged: boolean; cwd: string }): string[] {
  // Unpackaged: [electron, appPath, ...]; packaged: [app, ...].
  const args = argv.slice(opts.isPackaged ? 1 : 2);
  const out: string[] = [];
  for (const a of args) {
    if (!a || a.startsWith('-')) continue;
    const p = resolve(opts.cwd, a);
    if (existsSync(p) && !out.includes(p)) out.push(p);
  }
  return out;
}
