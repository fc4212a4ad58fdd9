// What Berth knows about the model servers users run: how each is started, which argument
// names the model, and the flags that shape its GPU memory. One table: the fit estimate reads
// commands with it (shared/fit/command.ts), and the new-config wizard writes them from it.
// Flag names are kept in their dashed form; commands are matched with `_` read as `-`.

export type ServerId = 'vllm' | 'sglang' | 'tei' | 'infinity' | 'llamacpp';

export interface ServerKind {
  id: ServerId;
  name: string;
  /**
   * Where the server's own arguments begin in a simple command, or null when the command is
   * not this server. argv[0] is the program as written (a path, or python with -m MODULE).
   */
  argsStart(argv: readonly string[]): number | null;
  /** Flags whose value is the model (repo id or path), in order of preference. */
  modelFlags: readonly string[];
  /** The model may be the first argument after the program (`vllm serve M`). */
  positionalModel: boolean;
  /** Flags whose value is the model's revision (branch, tag or commit). */
  revisionFlags: readonly string[];
  /** Flags that name a Hugging Face repo and file (llama.cpp's --hf-repo / --hf-file). */
  hubRepoFlags?: readonly string[];
  hubFileFlags?: readonly string[];
}

const base = (p: string | undefined) => (p ?? '').split('/').pop() ?? '';
const isPython = (p: string | undefined) => /^python(\d+(\.\d+)?)?$/.test(base(p));

/** `python3 -m MODULE ...`: the index after MODULE when it is one of modules, else null. */
function pythonModule(argv: readonly string[], modules: readonly string[]): number | null {
  if (!isPython(argv[0])) return null;
  const m = argv.indexOf('-m');
  return m > 0 && modules.includes(argv[m + 1] ?? '') ? m + 2 : null;
}

export const SERVERS: readonly ServerKind[] = [
  {
    id: 'vllm',
    name: 'vLLM',
    argsStart: (a) => (base(a[0]) === 'vllm' && a[1] === 'serve' ? 2 : pythonModule(a, ['vllm.entrypoints.openai.api_server'])),
    modelFlags: ['--model'],
    positionalModel: true,
    revisionFlags: ['--revision'],
  },
  {
    id: 'sglang',
    name: 'SGLang',
    argsStart: (a) => pythonModule(a, ['sglang.launch_server']) ?? (base(a[0]) === 'sglang' && a[1] === 'serve' ? 2 : null),
    modelFlags: ['--model-path', '--model'],
    positionalModel: false,
    revisionFlags: ['--revision'],
  },
  {
    id: 'tei',
    name: 'Text Embeddings Inference',
    argsStart: (a) => (base(a[0]) === 'text-embeddings-router' ? 1 : null),
    modelFlags: ['--model-id'],
    positionalModel: false,
    revisionFlags: ['--revision'],
  },
  {
    id: 'infinity',
    name: 'Infinity',
    argsStart: (a) => (base(a[0]) === 'infinity_emb' ? (a[1] === 'v2' ? 2 : 1) : pythonModule(a, ['infinity_emb'])),
    modelFlags: ['--model-id', '--model-name-or-path'],
    positionalModel: false,
    revisionFlags: ['--revision'],
  },
  {
    id: 'llamacpp',
    name: 'llama.cpp server',
    argsStart: (a) => (base(a[0]) === 'llama-server' || base(a[0]) === 'server' && /llama/.test(a[0] ?? '') ? 1 : null),
    modelFlags: ['-m', '--model'],
    positionalModel: false,
    revisionFlags: [],
    hubRepoFlags: ['--hf-repo', '-hf', '-hfr'],
    hubFileFlags: ['--hf-file', '-hff'],
  },
];

export function serverById(id: ServerId): ServerKind {
  return SERVERS.find((s) => s.id === id)!;
}
