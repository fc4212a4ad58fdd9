// Berth is long-running (serve, run, the desktop app): a stray rejected promise in one
// deployment must be reported, not take down every other deployment with the process.
import { toErrorShape } from '../../shared/errors.js';

let installed = false;

export function guardProcess(log: (line: string) => void = (l) => console.error(l)): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    const e = toErrorShape(reason);
    log(`berth: internal error (continuing): ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    if (process.env.BERTH_DEBUG) console.error(reason);
  });
}
