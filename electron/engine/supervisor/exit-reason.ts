// Turns a container exit into one sentence a user can act on.
export interface ExitFacts {
  exitCode: number | null;
  oomKilled: boolean;
  /** Last lines the server printed before it died (already secret-free: they are its logs). */
  lastLogLines?: string[];
  /** Who stopped it when it was not us, e.g. an external `docker kill`. */
  external?: boolean;
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

export function describeExit(f: ExitFacts): string {
  const code = f.exitCode;
  let text: string;
  if (f.oomKilled) {
    text = `exited with code ${code ?? 137} (out of memory: the container hit its memory limit; raise resources.memory or use a smaller model)`;
  } else if (code === null) {
    text = 'exited (exit code unknown)';
  } else if (code === 0) {
    text = 'exited with code 0 (the server process ended; a model server should keep running)';
  } else if (code > 128 && code - 128 in SIGNALS) {
    const sig = SIGNALS[code - 128];
    const why = code === 137 ? 'killed with SIGKILL: out of memory on the host or `docker kill`' : `killed by ${sig}`;
    text = `exited with code ${code} (${why})`;
  } else if (code === 127) {
    text = 'exited with code 127 (command not found: check docker_server.start_command and the image)';
  } else if (code === 126) {
    text = 'exited with code 126 (command not executable: check docker_server.start_command)';
  } else {
    text = `exited with code ${code}`;
  }
  const tail = (f.lastLogLines ?? []).map((l) => l.trim()).filter(Boolean).slice(-3);
  if (tail.length) text += `; last output: ${tail.map((l) => (l.length > 200 ? l.slice(0, 200) + '…' : l)).join(' | ')}`;
  return text;
}
