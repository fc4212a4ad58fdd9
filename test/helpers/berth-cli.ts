// A `berth` command as a real child process (the built CLI), with its output collected and
// a way to wait for a line: used by the suites that drive `berth run` end to end.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface Child {
  proc: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function berthCli(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/berth.js'), ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const w of waiters) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    output: () => out,
    exited,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (!m) return false;
          waiters.delete(check);
          clearTimeout(t);
          resolve(m);
          return true;
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
        void exited.then(() => setTimeout(() => !check() && (clearTimeout(t), reject(new Error(`berth run exited before ${re}; output:\n${out}`))), 50));
      });
    },
  };
}

