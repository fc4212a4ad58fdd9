// The zod schema of a Truss config.yaml as it bears on custom servers (docker_server).
// It checks types and rules and normalises values (ports to numbers, env values to
// strings, accelerators to {type,count}). Unknown keys are kept (loose objects); lint.ts
// reports them and the fields that do not apply locally as warnings.
import { z } from 'zod';
import { checkAcceleratorType, parseAcceleratorString, parseCount, type AcceleratorSpec } from './accelerators.js';
import { parseCpu, parseMemory } from './units.js';
import { isReservedEnvName } from './env-names.js';
import { closest } from './suggest.js';

type Ctx = z.core.$RefinementCtx<unknown>;

function fail(ctx: Ctx, message: string, hint?: string, path?: PropertyKey[]): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message, ...(path ? { path } : {}), params: hint ? { hint } : undefined });
  return z.NEVER;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  return `${typeof v} ${String(v)}`;
}

const str = (what: string, example: string) =>
  z.unknown().transform((v, ctx): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return fail(ctx, `${what} must be a string, got ${describe(v)}`, `write e.g. ${example}`);
  });

const nonEmptyStr = (what: string, example: string) =>
  str(what, example).transform((v, ctx) => (v.trim() ? v : fail(ctx, `${what} is empty`, `write e.g. ${example}`)));

const bool = (what: string) =>
  z.unknown().transform((v, ctx): boolean => {
    if (typeof v === 'boolean') return v;
    return fail(ctx, `${what} must be true or false, got ${describe(v)}`);
  });

const int = (what: string, min: number, max: number, example: string) =>
  z.unknown().transform((v, ctx): number => {
    const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return fail(ctx, `${what} must be an integer, got ${describe(v)}`, `write e.g. ${example}`);
    if (n < min || n > max) return fail(ctx, `${what} must be between ${min} and ${max}, got ${n}`, `write e.g. ${example}`);
    return n;
  });

const strList = (what: string, example: string) =>
  z.unknown().transform((v, ctx): string[] => {
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) return fail(ctx, `${what} must be a list of strings, got ${describe(v)}`, `write e.g.\n  ${what.split('.').pop()}:\n    - ${example}`);
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else if (typeof item === 'number') out.push(String(item));
      else fail(ctx, `${what}[${i}] must be a string, got ${describe(item)}`, `write e.g. - ${example}`, [i]);
    });
    return out;
  });

const mapping = <T extends z.core.$ZodLooseShape>(what: string, shape: T) =>
  z.preprocess(
    (v) => (v === null ? undefined : v),
    z.looseObject(shape, { error: (iss) => (iss.code === 'invalid_type' ? `${what} must be a mapping (key: value lines), got ${describe(iss.input)}` : undefined) }),
  );

/** Endpoint paths: a missing leading '/' is added (lint.ts warns about it). */
const endpoint = (what: string) =>
  nonEmptyStr(what, '/health').transform((v, ctx) => {
    const p = v.trim();
    if (/\s/.test(p)) return fail(ctx, `${what} '${p}' contains whitespace`, 'write a URL path such as /v1/chat/completions');
    if (/^https?:\/\//.test(p)) return fail(ctx, `${what} must be a path on the server, not a URL`, `write just the path, e.g. ${p.replace(/^https?:\/\/[^/]*/, '') || '/'}`);
    return p.startsWith('/') ? p : `/${p}`;
  });

export const DOCKER_AUTH_METHODS = ['GCP_SERVICE_ACCOUNT_JSON', 'AWS_IAM', 'AWS_OIDC', 'GCP_OIDC', 'REGISTRY_SECRET'] as const;
export type DockerAuthMethod = (typeof DOCKER_AUTH_METHODS)[number];

const dockerAuth = mapping('base_image.docker_auth', {
  auth_method: z.unknown().transform((v, ctx): DockerAuthMethod => {
    if (typeof v !== 'string') return fail(ctx, `docker_auth.auth_method must be a string, got ${describe(v)}`, `one of ${DOCKER_AUTH_METHODS.join(', ')}`);
    const up = v.trim().toUpperCase() as DockerAuthMethod;
    if ((DOCKER_AUTH_METHODS as readonly string[]).includes(up)) return up;
    const near = closest(up, DOCKER_AUTH_METHODS);
    return fail(ctx, `unknown docker_auth.auth_method '${v}'`, `${near ? `did you mean ${near}? ` : ''}one of ${DOCKER_AUTH_METHODS.join(', ')}`);
  }),
  registry: str('docker_auth.registry', 'us-docker.pkg.dev').optional(),
  secret_name: str('docker_auth.secret_name', 'my_registry_secret').optional(),
  aws_access_key_id_secret_name: str('docker_auth.aws_access_key_id_secret_name', 'aws_access_key_id').optional(),
  aws_secret_access_key_secret_name: str('docker_auth.aws_secret_access_key_secret_name', 'aws_secret_access_key').optional(),
  aws_oidc_role_arn: str('docker_auth.aws_oidc_role_arn', 'arn:aws:iam::123:role/x').optional(),
  aws_oidc_region: str('docker_auth.aws_oidc_region', 'us-east-1').optional(),
  gcp_oidc_service_account: str('docker_auth.gcp_oidc_service_account', 'sa@project.iam.gserviceaccount.com').optional(),
  gcp_oidc_workload_id_provider: str('docker_auth.gcp_oidc_workload_id_provider', 'projects/1/locations/global/...').optional(),
});

// A reference is [host[:port]/]path[:tag][@digest]; we check the shape loosely and leave
// resolution to the engine, which gives the authoritative error.
const IMAGE_REF = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const IMAGE_HOST = /^[a-zA-Z0-9.-]+(?::\d+)?\//;

const baseImage = mapping('base_image', {
  image: nonEmptyStr('base_image.image', 'vllm/vllm-openai:v0.9.2').transform((v, ctx) => {
    const ref = v.trim();
    const first = IMAGE_HOST.exec(ref)?.[0] ?? '';
    const host = first && (first.includes('.') || first.includes(':') || first === 'localhost/') ? first : '';
    const rest = ref.slice(host.length);
    const hostOk = !host || /^[a-zA-Z0-9.-]+(:\d+)?\/$/.test(host);
    if (!hostOk || !IMAGE_REF.test(rest.toLowerCase() === rest ? rest : '')) {
      const lower = rest.toLowerCase();
      const hint = rest !== lower && IMAGE_REF.test(lower) ? `repository names are lowercase: ${host}${lower}` : 'write e.g. vllm/vllm-openai:v0.9.2 or registry.example.com/team/model@sha256:<digest>';
      return fail(ctx, `base_image.image '${ref}' is not a valid image reference`, hint);
    }
    return ref;
  }),
  python_executable_path: str('base_image.python_executable_path', '/usr/bin/python3')
    .transform((v, ctx) => (v.startsWith('/') ? v : fail(ctx, `base_image.python_executable_path '${v}' must be an absolute path`, 'write e.g. /usr/bin/python3')))
    .optional(),
  docker_auth: dockerAuth.optional(),
});

const dockerServer = mapping('docker_server', {
  start_command: nonEmptyStr('docker_server.start_command', 'sh -c "vllm serve my/model --port 8000"').optional(),
  server_port: int('docker_server.server_port', 1, 65535, '8000'),
  predict_endpoint: endpoint('docker_server.predict_endpoint'),
  readiness_endpoint: endpoint('docker_server.readiness_endpoint'),
  liveness_endpoint: endpoint('docker_server.liveness_endpoint'),
  run_as_user_id: z
    .unknown()
    .transform((v, ctx): number | null => {
      if (v === null || v === undefined) return null;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return fail(ctx, `docker_server.run_as_user_id must be a non-negative integer, got ${describe(v)}`, 'write a UID that exists in the image, e.g. 1000');
      if (v === 0) return fail(ctx, 'docker_server.run_as_user_id 0 (root) is not allowed', 'remove run_as_user_id to use the image default, or use a non-root UID that exists in the image, e.g. 1000');
      if (v === 60000) return fail(ctx, 'docker_server.run_as_user_id 60000 is reserved by the platform', 'use another UID that exists in the image, e.g. 1000');
      return v;
    })
    .optional(),
  no_build: bool('docker_server.no_build').optional(),
}).superRefine((ds, ctx) => {
  const d = ds as { start_command?: string; no_build?: boolean };
  if (!d.start_command && !d.no_build) {
    ctx.addIssue({
      code: 'custom',
      path: ['start_command'],
      message: 'docker_server.start_command is required',
      params: { keep: true, hint: 'add start_command: the shell command that starts your server (it replaces the image ENTRYPOINT/CMD), or set no_build: true to run the image as-is' },
    });
  }
});

const accelerator = z.unknown().transform((v, ctx): AcceleratorSpec | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') {
    const r = parseAcceleratorString(v);
    return r.ok ? r.spec : fail(ctx, r.message, r.hint);
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.accelerator !== 'string') return fail(ctx, 'resources.accelerator.accelerator must be an accelerator type', 'write e.g.\n  accelerator:\n    accelerator: H100\n    count: 2', ['accelerator']);
    const t = checkAcceleratorType(o.accelerator.trim());
    if (!t.ok) return fail(ctx, t.message, t.hint, ['accelerator']);
    const count = o.count === undefined || o.count === null ? 1 : parseCount(o.count);
    if (count === null) return fail(ctx, `resources.accelerator.count must be a positive integer, got ${describe(o.count)}`, 'write e.g. count: 2', ['count']);
    return { type: t.spec.type, count };
  }
  return fail(ctx, `resources.accelerator must be TYPE, TYPE:COUNT or {accelerator, count}, got ${describe(v)}`, 'write e.g. accelerator: H100:2');
});

const resources = mapping('resources', {
  accelerator: accelerator.optional(),
  use_gpu: bool('resources.use_gpu').optional(),
  cpu: z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null) return { text: '1', cores: 1 };
      // Truss's Resources.cpu is a string: a YAML number (`cpu: 4`) is refused there, so here too.
      if (typeof v === 'number') return fail(ctx, `resources.cpu must be a string, got the number ${v} (Truss refuses a YAML number here)`, `quote it: cpu: "${v}"`);
      const r = parseCpu(v);
      return r.ok ? { text: String(v), cores: r.value } : fail(ctx, r.message, r.hint);
    }),
  memory: z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null) return { text: '2Gi', bytes: 2 * 2 ** 30 };
      if (typeof v === 'number') return fail(ctx, `resources.memory must be a string with a unit, got the number ${v} (Truss refuses a YAML number here)`, `write it with its unit, e.g. memory: "${v}Mi" or memory: 16Gi`);
      const r = parseMemory(v);
      return r.ok ? { text: String(v), bytes: r.value } : fail(ctx, r.message, r.hint);
    }),
  instance_type: str('resources.instance_type', 'H100:8x80').optional(),
  node_count: int('resources.node_count', 1, 1024, '1').optional(),
});

const healthSeconds = (name: string) =>
  z
    .unknown()
    .transform((v, ctx): number | null => {
      if (v === null || v === undefined) return null;
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(ctx, `runtime.health_checks.${name} must be an integer number of seconds, got ${describe(v)}`, 'write a value from 10 to 3000, or null for the platform default');
      if (v < 10 || v > 3000) return fail(ctx, `runtime.health_checks.${name} must be between 10 and 3000 seconds, got ${v}`, 'use a value from 10 to 3000, or null for the platform default');
      return v;
    })
    .optional();

const healthChecks = mapping('runtime.health_checks', {
  startup_threshold_seconds: healthSeconds('startup_threshold_seconds'),
  stop_traffic_threshold_seconds: healthSeconds('stop_traffic_threshold_seconds'),
  restart_threshold_seconds: healthSeconds('restart_threshold_seconds'),
  restart_check_delay_seconds: healthSeconds('restart_check_delay_seconds'),
}).superRefine((h, ctx) => {
  const o = h as { restart_threshold_seconds?: number | null; restart_check_delay_seconds?: number | null };
  if (o.restart_threshold_seconds != null && o.restart_check_delay_seconds != null && o.restart_threshold_seconds + o.restart_check_delay_seconds > 3000) {
    ctx.addIssue({
      code: 'custom',
      path: ['restart_threshold_seconds'],
      message: `restart_check_delay_seconds + restart_threshold_seconds must be at most 3000, got ${o.restart_check_delay_seconds} + ${o.restart_threshold_seconds} = ${o.restart_check_delay_seconds + o.restart_threshold_seconds}`,
      params: { hint: 'lower one of them; restart_check_delay_seconds is deprecated: prefer startup_threshold_seconds' },
    });
  }
});

export const TRANSPORT_KINDS = ['http', 'websocket', 'grpc'] as const;

const pingSeconds = (name: string) =>
  z
    .unknown()
    .transform((v, ctx): number | null => {
      if (v === null || v === undefined) return null;
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) return fail(ctx, `runtime.transport.${name} must be a positive number of seconds or null, got ${describe(v)}`, 'write e.g. 30, or null for the default');
      return v;
    })
    .optional();

const transport = mapping('runtime.transport', {
  kind: z
    .unknown()
    .transform((v, ctx): (typeof TRANSPORT_KINDS)[number] => {
      if (v === null || v === undefined) return 'http';
      const s = typeof v === 'string' ? v.trim() : '';
      if ((TRANSPORT_KINDS as readonly string[]).includes(s)) return s as (typeof TRANSPORT_KINDS)[number];
      const aliases: Record<string, string> = { ws: 'websocket', wss: 'websocket', web_socket: 'websocket', https: 'http', rest: 'http', grpcs: 'grpc' };
      const near = typeof v === 'string' ? (TRANSPORT_KINDS as readonly string[]).find((k) => k === s.toLowerCase()) ?? aliases[s.toLowerCase()] ?? closest(s, TRANSPORT_KINDS) : undefined;
      return fail(ctx, `runtime.transport.kind must be one of http, websocket, grpc, got ${describe(v)}`, near ? `did you mean ${near}?` : 'write kind: http, kind: websocket or kind: grpc');
    })
    .optional(),
  ping_interval_seconds: pingSeconds('ping_interval_seconds'),
  ping_timeout_seconds: pingSeconds('ping_timeout_seconds'),
});

const runtime = mapping('runtime', {
  predict_concurrency: int('runtime.predict_concurrency', 1, 100_000, '1').optional(),
  health_checks: healthChecks.optional(),
  transport: transport.optional(),
  is_websocket_endpoint: bool('runtime.is_websocket_endpoint').optional(),
  streaming_read_timeout: z.unknown().optional(),
  enable_tracing_data: z.unknown().optional(),
  enable_debug_logs: z.unknown().optional(),
  num_workers: z.unknown().optional(),
}).superRefine((r, ctx) => {
  const o = r as { is_websocket_endpoint?: boolean; transport?: { kind?: string } };
  if (o.is_websocket_endpoint === true && o.transport?.kind && o.transport.kind !== 'websocket') {
    ctx.addIssue({
      code: 'custom',
      path: ['is_websocket_endpoint'],
      message: `runtime.is_websocket_endpoint: true conflicts with runtime.transport.kind: ${o.transport.kind}`,
      params: { hint: 'remove is_websocket_endpoint (legacy) and set transport.kind: websocket, or set it to false' },
    });
  }
});

/** Name -> string value; null placeholders are kept here (plan drops them) and reserved names removed. */
const environmentVariables = z.unknown().transform((v, ctx): Record<string, string | null> => {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    return fail(ctx, `environment_variables must be a mapping of NAME: value, got ${describe(v)}`, 'write e.g.\n  environment_variables:\n    VLLM_LOGGING_LEVEL: INFO');
  }
  const out: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (isReservedEnvName(k)) continue;
    if (val === null) out[k] = null;
    else if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else fail(ctx, `environment_variables.${k} must be a string, number, boolean or null, got ${describe(val)}`, 'quote structured values, e.g. MY_JSON: \'{"a": 1}\'', [k]);
  }
  return out;
});

export const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

const secrets = z.unknown().transform((v, ctx): string[] => {
  if (v === null || v === undefined) return [];
  if (typeof v !== 'object' || Array.isArray(v)) {
    return fail(ctx, `secrets must be a mapping of name: null, got ${describe(v)}`, 'write e.g.\n  secrets:\n    hf_access_token: null');
  }
  const names: string[] = [];
  for (const k of Object.keys(v as object)) {
    if (!SECRET_NAME.test(k) || k === '.' || k === '..') {
      fail(ctx, `secret name '${k}' is not usable as a file name under /secrets`, 'use letters, digits, _ . and - only, e.g. hf_access_token', [k]);
      continue;
    }
    names.push(k);
  }
  return names;
});

const externalDataItem = mapping('external_data item', {
  url: nonEmptyStr('external_data[].url', 'https://example.com/weights.bin'),
  local_data_path: nonEmptyStr('external_data[].local_data_path', 'weights/model.bin').transform((p, ctx) =>
    p.startsWith('/') || p.split('/').includes('..') ? fail(ctx, `external_data local_data_path '${p}' must be relative to /app/data and stay inside it`, 'write e.g. weights/model.bin') : p,
  ),
  name: str('external_data[].name', 'weights').optional(),
  backend: str('external_data[].backend', 'http_public').optional(),
});

const modelCacheItem = mapping('model_cache item', {
  repo_id: nonEmptyStr('model_cache[].repo_id', 'BAAI/bge-small-en-v1.5'),
  revision: str('model_cache[].revision', 'main').optional(),
  allow_patterns: strList('model_cache[].allow_patterns', '"*.safetensors"').optional(),
  ignore_patterns: strList('model_cache[].ignore_patterns', '"*.pt"').optional(),
  volume_folder: str('model_cache[].volume_folder', 'my_model').optional(),
  use_volume: bool('model_cache[].use_volume').optional(),
  kind: str('model_cache[].kind', 'hf').optional(),
  runtime_secret_name: str('model_cache[].runtime_secret_name', 'hf_access_token').optional(),
});

export const WEIGHTS_AUTH_METHODS = ['CUSTOM_SECRET', 'AWS_OIDC', 'GCP_OIDC'] as const;
// `auth` is the newer spelling of a weights source's credentials; the OIDC methods carry
// their own role/provider fields, kept as written.
const weightsAuth = mapping('weights[].auth', {
  auth_method: str('weights[].auth.auth_method', 'CUSTOM_SECRET').transform((m, ctx) =>
    (WEIGHTS_AUTH_METHODS as readonly string[]).includes(m)
      ? (m as (typeof WEIGHTS_AUTH_METHODS)[number])
      : fail(ctx, `weights auth_method '${m}' is not one of ${WEIGHTS_AUTH_METHODS.join(', ')}`, 'write auth_method: CUSTOM_SECRET with auth_secret_name for a Hugging Face token'),
  ),
  auth_secret_name: str('weights[].auth.auth_secret_name', 'hf_access_token').optional(),
}).superRefine((a, ctx) => {
  const o = a as { auth_method?: string; auth_secret_name?: string };
  if (o.auth_method === 'CUSTOM_SECRET' && !o.auth_secret_name?.trim()) {
    fail(ctx, 'weights auth_method CUSTOM_SECRET needs auth_secret_name', 'add auth_secret_name: hf_access_token (and set it: `berth secrets set hf_access_token`)', ['auth_secret_name']);
  }
});

const WEIGHT_SOURCE = /^(hf|s3|gs|r2|azure|https?):\/\/\S+$/;
const weightsItem = mapping('weights item', {
  source: nonEmptyStr('weights[].source', 'hf://org/model@main').transform((s, ctx) =>
    WEIGHT_SOURCE.test(s.trim()) ? s.trim() : fail(ctx, `weights source '${s}' is not a supported URI`, 'write hf://org/repo@revision, s3://bucket/path, gs://..., r2://..., azure://... or https://...'),
  ),
  mount_location: nonEmptyStr('weights[].mount_location', '/models/my-model').transform((p, ctx) =>
    p.startsWith('/') ? p : fail(ctx, `weights mount_location '${p}' must be an absolute path`, `write e.g. /${p}`),
  ),
  auth_secret_name: str('weights[].auth_secret_name', 'hf_access_token').optional(),
  auth: weightsAuth.optional(),
  allow_patterns: strList('weights[].allow_patterns', '"*.safetensors"').optional(),
  ignore_patterns: strList('weights[].ignore_patterns', '"*.pt"').optional(),
}).superRefine((w, ctx) => {
  const o = w as { auth_secret_name?: string; auth?: unknown };
  if (o.auth_secret_name !== undefined && o.auth !== undefined) {
    fail(ctx, 'weights auth_secret_name and auth cannot both be set', 'keep one: auth_secret_name: hf_access_token, or auth: {auth_method: CUSTOM_SECRET, auth_secret_name: hf_access_token}', ['auth']);
  }
});

const list = <T extends z.ZodType>(what: string, item: T, example: string) =>
  z.preprocess((v) => (v === null ? [] : v), z.array(item, { error: (iss) => (iss.code === 'invalid_type' ? `${what} must be a list, got ${describe(iss.input)}` : undefined) }))
    .optional()
    .describe(example);

export const trussConfigSchema = z
  .looseObject(
    {
      model_name: str('model_name', 'my-model').optional(),
      description: str('description', 'what the model does').optional(),
      python_version: str('python_version', 'py311').optional(),
      base_image: baseImage.optional(),
      docker_server: dockerServer.optional(),
      resources: resources.optional(),
      secrets: secrets.optional(),
      environment_variables: environmentVariables.optional(),
      requirements: strList('requirements', 'vllm==0.9.2').optional(),
      requirements_file: nonEmptyStr('requirements_file', 'requirements.txt')
        .transform((p, ctx) =>
          p.startsWith('/') || p.split(/[\\/]/).includes('..') ? fail(ctx, `requirements_file '${p}' must be a path inside the truss directory`, 'write a relative path such as requirements.txt') : p,
        )
        .optional(),
      system_packages: strList('system_packages', 'ffmpeg').optional(),
      build_commands: strList('build_commands', 'pip install my-package').optional(),
      external_data: list('external_data', externalDataItem, '- url: https://...\n  local_data_path: x.bin'),
      runtime: runtime.optional(),
      model_cache: list('model_cache', modelCacheItem, '- repo_id: org/model'),
      weights: list('weights', weightsItem, '- source: hf://org/model\n  mount_location: /models/m'),
      model_metadata: z
        .unknown()
        .transform((v, ctx): Record<string, unknown> => {
          if (v === null || v === undefined) return {};
          if (typeof v !== 'object' || Array.isArray(v)) return fail(ctx, `model_metadata must be a mapping, got ${describe(v)}`, 'write e.g.\n  model_metadata:\n    example_model_input: {"prompt": "hi"}');
          return v as Record<string, unknown>;
        })
        .optional(),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? `a Truss config must be a mapping of keys (model_name, base_image, docker_server, ...), got ${describe(iss.input)}` : undefined) },
  )
  .superRefine((c, ctx) => {
    const o = c as { docker_server?: unknown; base_image?: { image?: string }; requirements?: string[]; requirements_file?: string; model_cache?: unknown[]; weights?: unknown[] };
    if (o.docker_server === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['docker_server'],
        message: 'this config has no docker_server section: Berth runs custom-server trusses',
        params: { keep: true, hint: 'add docker_server with start_command, server_port, predict_endpoint, readiness_endpoint and liveness_endpoint' },
      });
    }
    if (o.requirements_file && o.requirements && o.requirements.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['requirements_file'],
        message: 'requirements and requirements_file are mutually exclusive',
        params: { hint: 'keep one: move the packages into the requirements file, or remove requirements_file' },
      });
    }
    if (o.model_cache && o.model_cache.length > 0 && o.weights && o.weights.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['weights'],
        message: 'model_cache and weights cannot both be set',
        params: { hint: 'weights replaces model_cache: move the repos into weights (source: hf://org/repo, mount_location: /models/...) and remove model_cache' },
      });
    }
  });

export type TrussConfigInput = z.input<typeof trussConfigSchema>;
export type TrussConfig = z.output<typeof trussConfigSchema>;
