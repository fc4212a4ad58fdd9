// What Berth knows about the model servers users run: how each is started, which argument
// names the model, and the flags that shape its GPU memory. One table: the fit estimate reads
// commands with it (shared/fit/command.ts), and the new-config wizard writes them from it.
// Flag names are kept in their dashed form; commands are matched with `_` read as `-`.

export type ServerId = 'vllm' | 'sglang' | 'tei' | 'infinity' | 'llamacpp';

/** What a deployment does, which decides its predict path and example request. */
export type ServerTask = 'chat' | 'embeddings' | 'rerank';

/** What a start command needs to know about the model it serves. */
export interface CommandArgs {
  /** A repo id, or a path in the container (a model_cache mount, or a GGUF file for llama.cpp). */
  model: string;
  port: number;
  /** The name clients send as `model` (OpenAI-style APIs). */
  servedName: string;
  gpuCount: number;
}

/**
 * How the new-config wizard writes a config for this server. Images are pinned to a release
 * tag so a written config means the same thing later; the tags are from each project's
 * release notes (README says which are checked how).
 */
export interface ServerRecipe {
  /** GPU build of the image. */
  image: string;
  /** CPU build, where the project publishes one (used when the config asks for no GPU). */
  cpuImage?: string;
  /** The port the command makes it listen on (0.0.0.0: every server here binds it explicitly or by default). */
  port: number;
  readiness: string;
  liveness: string;
  /** The predict path for each task the server does; a task not here is not offered. */
  predict: Partial<Record<ServerTask, string>>;
  /** The argv of the server itself (no truss-transfer-cli, no shell). */
  command(a: CommandArgs): string[];
  /** The model is one file (llama.cpp's GGUF), not a folder. */
  modelIsFile?: boolean;
  /** Why a flag is written, for the wizard's preview (flag -> why). */
  notes?: Record<string, string>;
}

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
  /** How to write a config for it (the new-config wizard and the catalog's checks). */
  recipe: ServerRecipe;
}

/** A program's file name: `/app/llama-server` -> `llama-server`. */
export const programName = (p: string | undefined) => (p ?? '').split('/').pop() ?? '';
const base = programName;
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
    recipe: {
      image: 'vllm/vllm-openai:v0.8.5',
      port: 8000,
      readiness: '/health',
      liveness: '/health',
      predict: { chat: '/v1/chat/completions' },
      command: (a) => ['vllm', 'serve', a.model, '--served-model-name', a.servedName, '--host', '0.0.0.0', '--port', String(a.port), ...(a.gpuCount > 1 ? ['--tensor-parallel-size', String(a.gpuCount)] : [])],
      notes: { '--tensor-parallel-size': 'splits the model across the GPUs asked for' },
    },
  },
  {
    id: 'sglang',
    name: 'SGLang',
    argsStart: (a) => pythonModule(a, ['sglang.launch_server']) ?? (base(a[0]) === 'sglang' && a[1] === 'serve' ? 2 : null),
    modelFlags: ['--model-path', '--model'],
    positionalModel: false,
    revisionFlags: ['--revision'],
    recipe: {
      image: 'lmsysorg/sglang:v0.4.6.post1-cu124',
      port: 8000,
      readiness: '/health',
      liveness: '/health',
      predict: { chat: '/v1/chat/completions' },
      // SGLang binds 127.0.0.1 unless told otherwise: unreachable from outside its container.
      command: (a) => ['python3', '-m', 'sglang.launch_server', '--model-path', a.model, '--served-model-name', a.servedName, '--host', '0.0.0.0', '--port', String(a.port), ...(a.gpuCount > 1 ? ['--tp', String(a.gpuCount)] : [])],
      notes: { '--host': 'SGLang listens on 127.0.0.1 by default, which the gateway cannot reach' },
    },
  },
  {
    id: 'tei',
    name: 'Text Embeddings Inference',
    argsStart: (a) => (base(a[0]) === 'text-embeddings-router' ? 1 : null),
    modelFlags: ['--model-id'],
    positionalModel: false,
    revisionFlags: ['--revision'],
    recipe: {
      // TEI publishes one image per GPU generation: 89- is Ada (L4, L40S); see the entry's comment for others.
      image: 'ghcr.io/huggingface/text-embeddings-inference:89-1.7',
      cpuImage: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.7',
      port: 7997,
      readiness: '/health',
      liveness: '/health',
      predict: { embeddings: '/v1/embeddings', rerank: '/rerank' },
      command: (a) => ['text-embeddings-router', '--model-id', a.model, '--served-model-name', a.servedName, '--hostname', '0.0.0.0', '--port', String(a.port)],
    },
  },
  {
    id: 'infinity',
    name: 'Infinity',
    argsStart: (a) => (base(a[0]) === 'infinity_emb' ? (a[1] === 'v2' ? 2 : 1) : pythonModule(a, ['infinity_emb'])),
    modelFlags: ['--model-id', '--model-name-or-path'],
    positionalModel: false,
    revisionFlags: ['--revision'],
    recipe: {
      image: 'michaelf34/infinity:0.0.76',
      port: 7997,
      readiness: '/health',
      liveness: '/health',
      predict: { embeddings: '/embeddings', rerank: '/rerank' },
      command: (a) => ['infinity_emb', 'v2', '--model-id', a.model, '--served-model-name', a.servedName, '--host', '0.0.0.0', '--port', String(a.port)],
    },
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
    recipe: {
      // The official images keep the binary at /app/llama-server (not on PATH).
      image: 'ghcr.io/ggml-org/llama.cpp:server-cuda-b5000',
      cpuImage: 'ghcr.io/ggml-org/llama.cpp:server-b5000',
      port: 8000,
      readiness: '/health',
      liveness: '/health',
      predict: { chat: '/v1/chat/completions' },
      modelIsFile: true,
      // llama-server listens on 127.0.0.1:8080 by default; -ngl offloads every layer to the GPU.
      command: (a) => ['/app/llama-server', '-m', a.model, '--alias', a.servedName, '--host', '0.0.0.0', '--port', String(a.port), ...(a.gpuCount > 0 ? ['-ngl', '999'] : [])],
      notes: { '-ngl': 'offloads every layer to the GPU (without it llama.cpp runs on the CPU)' },
    },
  },
];

export function serverById(id: ServerId): ServerKind {
  return SERVERS.find((s) => s.id === id)!;
}
