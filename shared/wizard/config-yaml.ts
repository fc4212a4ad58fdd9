// The new-config wizard's output: a complete config.yaml for one model on one server, from
// the server table (shared/servers.ts), so the port, health paths, predict path and start
// command always agree with what the fit estimate reads back. Pure: the renderer previews it,
// the service writes it (after validating it with the config validator), tests run it.
import { Document } from 'yaml';
import { serverById, type ServerId, type ServerTask } from '../servers.js';
import { isAcceleratorType } from '../truss/accelerators.js';
import { DEFAULT_HF_SECRET, MODEL_CACHE_ROOT } from '../truss/weights.js';

export type WizardServer = ServerId | 'custom';
/** Custom images may serve anything: `predict` is a plain JSON POST. */
export type WizardTask = ServerTask | 'predict';

export interface WizardInput {
  server: WizardServer;
  task: WizardTask;
  /** model_name in the config (what Berth lists). */
  modelName: string;
  /** Hugging Face repo id; null only for a custom image that brings its own model. */
  repoId: string | null;
  /** Branch, tag or commit; the wizard pins the commit the Hub check resolved. */
  revision: string;
  /** llama.cpp: the GGUF file in the repo. */
  ggufFile?: string;
  /** Accelerator type (L4, H100, ...) or null for a CPU config. */
  accelerator: string | null;
  gpuCount: number;
  /** Secrets the config declares (hf_access_token for a gated repo). */
  secrets: string[];
  /** Custom image only (built-in servers use the table's pinned images). */
  image?: string;
  port?: number;
  startCommand?: string;
  predictEndpoint?: string;
  readinessEndpoint?: string;
  livenessEndpoint?: string;
}

export interface WizardResult {
  /** The config text, or null when the input has problems. */
  yaml: string | null;
  /** What is wrong with the input, each saying what to do. */
  problems: string[];
}

export const WIZARD_SERVERS: WizardServer[] = ['vllm', 'sglang', 'tei', 'infinity', 'llamacpp', 'custom'];

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const SECRET = /^[A-Za-z0-9_.-]+$/;
const SERVED = /[^A-Za-z0-9._-]+/g;
/** Everything interpolated into the start command stays inside this set: no quoting needed. */
const SHELL_SAFE = /^[A-Za-z0-9._/:=@+-]+$/;

/** The tasks a server is offered for. */
export function wizardTasks(server: WizardServer): WizardTask[] {
  if (server === 'custom') return ['predict', 'chat', 'embeddings', 'rerank'];
  return Object.keys(serverById(server).recipe.predict) as WizardTask[];
}

/** A request body the model answers, for the playground and the tests (model_metadata.example_model_input). */
export function exampleInput(server: WizardServer, task: WizardTask, servedName: string): Record<string, unknown> {
  switch (task) {
    case 'chat':
      return { model: servedName, messages: [{ role: 'user', content: 'In one sentence, what is a berth?' }], max_tokens: 128, stream: true };
    case 'embeddings':
      return { model: servedName, input: ['Berth runs Truss configs on your own GPUs.', 'A berth is where a ship is moored.'] };
    case 'rerank':
      // TEI takes `texts`; Infinity (like Cohere's API) takes `documents`.
      return server === 'infinity'
        ? { model: servedName, query: 'What is Berth?', documents: ['Berth runs Truss configs locally.', 'Paris is in France.'] }
        : { query: 'What is Berth?', texts: ['Berth runs Truss configs locally.', 'Paris is in France.'] };
    default:
      return { prompt: 'Hello' };
  }
}

/** The name clients send as `model`: the repo's name, lowercased, shell- and URL-safe. */
export function servedNameFor(repoId: string | null, modelName: string): string {
  const base = (repoId?.split('/').pop() ?? modelName).toLowerCase().replace(SERVED, '-').replace(/^-+|-+$/g, '');
  return base || 'model';
}

function checkInput(i: WizardInput): string[] {
  const p: string[] = [];
  if (!i.modelName.trim()) p.push('Give the config a model name (what Berth lists it as).');
  if (!WIZARD_SERVERS.includes(i.server)) p.push(`Unknown server '${i.server}': pick one of ${WIZARD_SERVERS.join(', ')}.`);
  else if (!wizardTasks(i.server).includes(i.task)) p.push(`${i.server} does not serve '${i.task}': pick one of ${wizardTasks(i.server).join(', ')}.`);
  if (i.server !== 'custom' && !i.repoId) p.push('Enter the model as a Hugging Face repo id, such as Qwen/Qwen2.5-0.5B-Instruct.');
  if (i.repoId && !REPO_ID.test(i.repoId)) p.push(`'${i.repoId}' is not a Hugging Face repo id: write it as org/name.`);
  if (!i.revision || !SHELL_SAFE.test(i.revision)) p.push('The revision must be a branch, tag or commit (for example main).');
  if (i.server === 'llamacpp' && !/^[\w./-]+\.gguf$/i.test(i.ggufFile ?? '')) p.push('llama.cpp loads one GGUF file: enter its name in the repo (for example qwen2.5-0.5b-instruct-q4_k_m.gguf).');
  if (i.accelerator !== null && !isAcceleratorType(i.accelerator)) p.push(`'${i.accelerator}' is not an accelerator type Truss knows (L4, A10G, A100, H100, ...).`);
  if (!Number.isInteger(i.gpuCount) || i.gpuCount < (i.accelerator ? 1 : 0) || i.gpuCount > 16) p.push('The GPU count must be a whole number from 1 to 16.');
  for (const s of i.secrets) if (!SECRET.test(s)) p.push(`Secret name '${s}' may use letters, digits, "_", "-" and "." only.`);
  if (i.server === 'custom') {
    if (!i.image?.trim()) p.push('A custom server needs its image (for example ghcr.io/org/server:1.2.3).');
    else if (/:latest$/.test(i.image.trim()) || !/[:@]/.test(i.image.split('/').pop() ?? '')) p.push('Pin the image to a version tag or digest (not latest), so the config means the same thing later.');
    if (!i.startCommand?.trim()) p.push('A custom server needs the command that starts it.');
    if (!Number.isInteger(i.port) || i.port! < 1 || i.port! > 65535) p.push('The port must be a number from 1 to 65535.');
    for (const [k, v] of [['predict', i.predictEndpoint], ['readiness', i.readinessEndpoint], ['liveness', i.livenessEndpoint]] as const) {
      if (!v || !v.startsWith('/')) p.push(`The ${k} path must start with "/" (for example /health).`);
    }
  }
  return p;
}

/** The config.yaml text for the input, or the problems that stop it. */
export function wizardConfigYaml(i: WizardInput): WizardResult {
  const problems = checkInput(i);
  if (problems.length) return { yaml: null, problems };
  const servedName = servedNameFor(i.repoId, i.modelName);
  const folder = servedName;
  const mount = `${MODEL_CACHE_ROOT}/${folder}`;
  const gpus = i.accelerator ? i.gpuCount : 0;
  let image: string;
  let server: Record<string, unknown>;
  if (i.server === 'custom') {
    image = i.image!.trim();
    server = {
      start_command: i.startCommand!.trim(),
      server_port: i.port,
      predict_endpoint: i.predictEndpoint,
      readiness_endpoint: i.readinessEndpoint,
      liveness_endpoint: i.livenessEndpoint,
    };
  } else {
    const r = serverById(i.server).recipe;
    image = !i.accelerator && r.cpuImage ? r.cpuImage : r.image;
    const model = r.modelIsFile ? `${mount}/${i.ggufFile}` : mount;
    const argv = r.command({ model, port: r.port, servedName, gpuCount: gpus });
    // Wrapped in sh -c, as on Baseten: truss-transfer-cli must finish before the server starts.
    server = {
      start_command: `sh -c "truss-transfer-cli && ${argv.join(' ')}"`,
      server_port: r.port,
      predict_endpoint: r.predict[i.task as ServerTask],
      readiness_endpoint: r.readiness,
      liveness_endpoint: r.liveness,
    };
  }
  const secrets = [...new Set(i.secrets)];
  const config: Record<string, unknown> = {
    model_name: i.modelName.trim(),
    description: `${i.server === 'custom' ? 'Custom server' : serverById(i.server).name}${i.repoId ? ` serving ${i.repoId}` : ''} (written by Berth's new-config wizard)`,
    model_metadata: {
      ...(i.repoId ? { repo_id: i.repoId } : {}),
      example_model_input: exampleInput(i.server, i.task, servedName),
      ...(i.task === 'chat' ? { tags: ['openai-compatible'] } : {}),
    },
    base_image: { image },
    ...(i.repoId
      ? {
          model_cache: [
            {
              repo_id: i.repoId,
              revision: i.revision,
              use_volume: true,
              volume_folder: folder,
              ...(i.server === 'llamacpp' ? { allow_patterns: [i.ggufFile] } : { ignore_patterns: ['*.pth', '*.pt', 'original/*', '*.gguf', '*.onnx'] }),
              ...(secrets.includes(DEFAULT_HF_SECRET) ? { runtime_secret_name: DEFAULT_HF_SECRET } : {}),
            },
          ],
        }
      : {}),
    docker_server: server,
    ...(i.accelerator ? { resources: { accelerator: gpus > 1 ? `${i.accelerator}:${gpus}` : i.accelerator, use_gpu: true } } : {}),
    ...(secrets.length ? { secrets: Object.fromEntries(secrets.map((s) => [s, null])) } : {}),
    runtime: { predict_concurrency: i.task === 'chat' ? 16 : 32 },
  };
  const doc = new Document(config);
  doc.commentBefore = [
    ` ${config.model_name}: written by Berth's new-config wizard.`,
    i.repoId ? ` The weights are fetched by Berth before the server starts (model_cache, mounted at ${mount}).` : ' The model comes with the image.',
    ' Edit freely: Berth validates the file each time it is opened.',
  ].join('\n');
  return { yaml: doc.toString({ lineWidth: 0 }), problems: [] };
}
