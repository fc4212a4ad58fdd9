// Bounded process execution for the GPU probes: every call has a timeout and an output cap,
// so a hung driver (nvidia-smi can block for tens of seconds) never hangs Berth.
import { execFile } from 'node:child_process';

export interface ExecResult {
  /** null when the process could not be started (see `spawnError`). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** ENOENT when the program is not on PATH, EACCES when not executable, ... */
  spawnError?: string;
}

export function execBounded(
  file: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, env: opts.env ?? process.env, windowsHide: true },
      (err, stdout, stderr) => {
        const out = String(stdout ?? '');
        const errOut = String(stderr ?? '');
        if (!err) return resolve({ code: 0, stdout: out, stderr: errOut, timedOut: false });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: string | number };
        if (typeof e.code === 'string') {
          // A string code is a spawn failure (ENOENT/EACCES), or the maxBuffer cap.
          return resolve({ code: null, stdout: out, stderr: errOut, timedOut: false, spawnError: e.code });
        }
        const timedOut = Boolean(e.killed && e.signal === 'SIGKILL');
        resolve({ code: typeof e.code === 'number' ? e.code : null, stdout: out, stderr: errOut, timedOut });
      },
    );
  });
}
