// A start command read as the shell would read it, far enough to find the model server and
// its flags: `sh -c "..."` / `bash -c` unwrapped, commands split at && || ; |, leading
// VAR=value assignments and $(...) substitutions set aside. Quoting is shell-quote's.
import { parse, type ParseEntry } from 'shell-quote';
import { programName as base, SERVERS, type ServerKind } from '../servers.js';

/** One server invocation found in a start command: the server and its argv. */
export interface ServerCall {
  server: ServerKind;
  argv: string[];
  /** Index in argv where the server's own arguments begin. */
  start: number;
}

export interface ParsedCommand {
  /** Simple commands in the order they run, each as argv. */
  commands: string[][];
  /** The first known model server, or null. */
  call: ServerCall | null;
  /** `huggingface-cli download REPO --local-dir DIR` (or `hf download`) seen before the server: DIR -> REPO. */
  downloads: Array<{ repoId: string; dir: string; revision: string | null }>;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash']);
const PREFIXES = new Set(['exec', 'nohup', 'time', 'env', 'command']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Splits a command line into simple commands, unwrapping `sh -c` and skipping substitutions. */
export function simpleCommands(line: string, depth = 0): string[][] {
  // Variables stay as written ($HF_TOKEN), not expanded to "" as shell-quote would by default.
  const entries = parse(line, (name: string) => `$${name}`) as ParseEntry[];
  const out: string[][] = [];
  let cur: string[] = [];
  // A $(...) substitution stays one word, written back as `$(text)`, so a flag set at run time
  // reads as dynamic (not as missing): `--tensor-parallel-size $(nvidia-smi -L | wc -l)`.
  let subst = 0;
  let substText: string[] = [];
  let redirect = false;
  const flush = () => {
    if (cur.length) out.push(cur);
    cur = [];
  };
  for (const e of entries) {
    if (typeof e === 'object' && 'op' in e) {
      if (e.op === '(') {
        if (subst++ === 0) substText = [];
        else substText.push('(');
      } else if (e.op === ')') {
        subst = Math.max(0, subst - 1);
        if (subst > 0) substText.push(')');
        else {
          const text = `$(${substText.join(' ')})`;
          // shell-quote leaves the `$` (or `NAME=$`) before the parenthesis as a word of its own.
          if (cur.length && cur[cur.length - 1].endsWith('$')) cur[cur.length - 1] = cur[cur.length - 1].slice(0, -1) + text;
          else cur.push(text);
        }
      } else if (subst > 0) substText.push(e.op === 'glob' ? (e as { pattern: string }).pattern : e.op);
      else if (e.op === 'glob') cur.push((e as { pattern: string }).pattern);
      // `2>&1`, `> log`: the redirection and its target are not arguments.
      else if (['<', '>', '>>', '>&', '<(', '&>'].includes(e.op)) {
        if (/^\d+$/.test(cur[cur.length - 1] ?? '')) cur.pop();
        redirect = true;
      } else flush();
      continue;
    }
    if (typeof e !== 'string') continue;
    if (subst > 0) {
      substText.push(e);
      continue;
    }
    if (redirect) {
      redirect = false;
      continue;
    }
    cur.push(e);
  }
  flush();
  const expanded: string[][] = [];
  for (let argv of out) {
    // VAR=value and exec/env/nohup before the program run it with a changed environment.
    let i = 0;
    for (;;) {
      if (i < argv.length && (ASSIGNMENT.test(argv[i]) || PREFIXES.has(argv[i]))) i++;
      else if (argv[i - 1] === 'env' && (argv[i] === '-u' || argv[i] === '--unset')) i += 2;
      else break;
    }
    // `uv run` / `poetry run` / `pipenv run` start the program after them.
    if (['uv', 'poetry', 'pipenv'].includes(base(argv[i] ?? '')) && argv[i + 1] === 'run') i += 2;
    argv = argv.slice(i);
    if (!argv.length) continue;
    const c = argv.findIndex((a, k) => k > 0 && /^-[a-z]*c$/.test(a));
    if (SHELLS.has(base(argv[0])) && c > 0 && argv[c + 1] !== undefined && depth < 4) {
      expanded.push(...simpleCommands(argv[c + 1], depth + 1));
      continue;
    }
    expanded.push(argv);
  }
  return expanded;
}

/** The flag's name as compared: `--max_model_len` reads as `--max-model-len`. */
function flagName(token: string): string {
  const eq = token.indexOf('=');
  const name = eq > 0 ? token.slice(0, eq) : token;
  return name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name;
}

/** The last value given to any of names (`--flag value` or `--flag=value`), as argparse keeps it. */
export function flagValue(argv: readonly string[], names: readonly string[], from = 0): string | null {
  let found: string | null = null;
  for (let i = from; i < argv.length; i++) {
    const t = argv[i];
    if (!t.startsWith('-') || !names.includes(flagName(t))) continue;
    const eq = t.indexOf('=');
    if (eq > 0) found = t.slice(eq + 1);
    else if (i + 1 < argv.length) found = argv[++i];
  }
  return found;
}

/** A value the shell computes at run time (`$(...)`, `$VAR`): not known before the start. */
export function isDynamic(value: string | null): boolean {
  return value !== null && value.includes('$');
}

/** `$(nvidia-smi -L | wc -l)` and the like: the number of GPUs the container sees. */
export function isGpuCount(value: string | null): boolean {
  return value !== null && /^\$\(\s*nvidia-smi\s+(-L|--list-gpus)\s*\|\s*wc\s+-l\s*\)$/.test(value);
}

/** Whether a boolean flag is given (`--enforce-eager`, `--enforce_eager`). */
export function hasFlag(argv: readonly string[], names: readonly string[], from = 0): boolean {
  return argv.slice(from).some((t) => t.startsWith('-') && names.includes(flagName(t)));
}

export function parseStartCommand(line: string): ParsedCommand {
  const commands = simpleCommands(line);
  const downloads: ParsedCommand['downloads'] = [];
  let call: ServerCall | null = null;
  for (const argv of commands) {
    const dl = hubDownload(argv);
    if (dl && !call) downloads.push(dl);
    for (const server of SERVERS) {
      const start = server.argsStart(argv);
      if (start !== null && !call) call = { server, argv, start };
    }
  }
  return { commands, call, downloads };
}

/** `huggingface-cli download REPO [FILES] --local-dir DIR [--revision R]` and `hf download`. */
function hubDownload(argv: readonly string[]): ParsedCommand['downloads'][number] | null {
  const prog = base(argv[0] ?? '');
  if (!((prog === 'huggingface-cli' || prog === 'hf') && argv[1] === 'download')) return null;
  const repoId = argv[2];
  const dir = flagValue(argv, ['--local-dir'], 2);
  if (!repoId || repoId.startsWith('-') || !dir) return null;
  return { repoId, dir, revision: flagValue(argv, ['--revision'], 2) };
}
