// Which model a config runs, read before anything is pulled: the model argument of a known
// server's start command (a repo id, or a path that a model_cache / weights entry mounts or an
// earlier `huggingface-cli download --local-dir` fills), else the config's first weights entry.
import type { TrussConfig } from '../truss/schema.js';
import { weightsEntries, type WeightsEntry } from '../truss/weights.js';
import { flagValue, parseStartCommand, type ServerCall } from './command.js';

export interface ModelRef {
  repoId: string;
  revision: string;
  /** The weights entry that fetches it (its patterns and secret), when one does. */
  entry: WeightsEntry | null;
  /** One file in the repo the server loads (a GGUF), when the command names it. */
  file: string | null;
  /** llama.cpp's `-hf org/repo:Q4_K_M`: the quantisation whose GGUF it picks. */
  quant?: string | null;
  /** How it was found, in words, for the UI and `berth plan`. */
  via: string;
}

export type FoundModel = { ok: true; model: ModelRef; call: ServerCall | null } | { ok: false; reason: string; call: ServerCall | null };

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

function under(path: string, dir: string): string | null {
  const d = dir.replace(/\/+$/, '');
  if (path === d) return '';
  return path.startsWith(`${d}/`) ? path.slice(d.length + 1) : null;
}

/** vLLM flags that take no value, so the word after one may be the positional model. */
const BOOLEAN_FLAG = /^--(trust-remote-code|enforce-eager|enable-[\w-]+|disable-[\w-]+|no-[\w-]+|use-[\w-]+|skip-[\w-]+)$/;

/** The model argument of a server call: value, and the flag it came from. */
export function modelArgument(call: ServerCall): { value: string; flag: string } | null {
  const { server, argv, start } = call;
  const repo = server.hubRepoFlags ? flagValue(argv, server.hubRepoFlags, start) : null;
  if (repo) return { value: repo, flag: server.hubRepoFlags![0] };
  const flagged = flagValue(argv, server.modelFlags, start);
  if (flagged) return { value: flagged, flag: server.modelFlags[0] };
  if (!server.positionalModel) return null;
  // `vllm serve [options] MODEL`: the first word that is no flag and no flag's value.
  for (let k = start; k < argv.length; k++) {
    const t = argv[k];
    if (t.startsWith('-')) continue;
    const prev = k > start ? argv[k - 1] : null;
    const prevTakesValue = prev !== null && prev.startsWith('-') && !prev.includes('=') && !BOOLEAN_FLAG.test(prev.replace(/_/g, '-'));
    if (!prevTakesValue) return { value: t, flag: '' };
  }
  return null;
}

export function findModel(config: TrussConfig): FoundModel {
  const { entries } = weightsEntries(config);
  const parsed = parseStartCommand(config.docker_server?.start_command ?? '');
  const call = parsed.call;
  const firstEntry = (why: string): FoundModel =>
    entries.length
      ? { ok: true, call, model: { repoId: entries[0].repoId, revision: entries[0].revision, entry: entries[0], file: null, via: `${entries[0].key}[${entries[0].index}] (${why})` } }
      : { ok: false, call, reason: why };
  if (!call) return firstEntry(config.docker_server?.start_command ? 'the start command runs no model server Berth knows (vLLM, SGLang, TEI, Infinity, llama.cpp)' : 'the config has no start_command');
  const arg = modelArgument(call);
  const said = (v: string) => `${call.server.name} ${arg?.flag ? `${arg.flag} ` : ''}${v}`;
  if (!arg) return firstEntry(`the ${call.server.name} command names no model`);
  if (arg.value.includes('$')) return firstEntry(`the model (${said(arg.value)}) is set when the container starts, so Berth cannot read it before`);
  // llama.cpp's `-hf org/repo:QUANT` picks the GGUF of that quantisation.
  const [value, quant] = arg.flag && call.server.hubRepoFlags?.includes(arg.flag) && arg.value.includes(':') ? arg.value.split(':', 2) : [arg.value, null];
  const hubFile = call.server.hubFileFlags ? flagValue(call.argv, call.server.hubFileFlags, call.start) : null;
  if (!value.startsWith('/') && !value.startsWith('.') && REPO_ID.test(value)) {
    const entry = entries.find((e) => e.repoId === value) ?? null;
    const revision = flagValue(call.argv, call.server.revisionFlags, call.start) ?? entry?.revision ?? 'main';
    return { ok: true, call, model: { repoId: value, revision, entry, file: hubFile, quant, via: said(arg.value) } };
  }
  // A path: the repo behind the mount (longest target first, so nested mounts resolve).
  const mounts = entries.filter((e) => e.target).sort((a, b) => b.target!.length - a.target!.length);
  for (const e of mounts) {
    const rest = under(value, e.target!);
    if (rest !== null) return { ok: true, call, model: { repoId: e.repoId, revision: e.revision, entry: e, file: rest || null, via: `${said(value)}, mounted from ${e.key}[${e.index}]` } };
  }
  for (const d of parsed.downloads) {
    const rest = under(value, d.dir);
    if (rest !== null) return { ok: true, call, model: { repoId: d.repoId, revision: d.revision ?? 'main', entry: null, file: rest || null, via: `${said(value)}, downloaded by the start command` } };
  }
  return { ok: false, call, reason: `${said(value)} is a path in the image that no model_cache or weights entry mounts, so Berth cannot read the model before it runs` };
}
