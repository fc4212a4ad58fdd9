// Warnings: things that do not stop a run but the user should know. They read the raw
// (pre-schema) data so they work even when the schema rejects a sibling field.
import { KNOWN_KEYS, FREE, LEAF, NOT_USED_LOCALLY, PYTHON_MODEL_KEYS, type KeyTree } from './known-keys.js';
import { closest } from './suggest.js';
import { ENV_NAME, isCautionEnvName, isReservedEnvName } from './env-names.js';
import type { ConfigIssue } from './issues.js';
import { formatPath } from './issues.js';
import type { Locator, PathSeg } from './positions.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export function lintConfig(data: unknown, file: string, loc: Locator): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const warn = (path: PathSeg[], message: string, hint?: string, target: 'key' | 'value' = 'key') => {
    const p = loc.at(path, target);
    out.push({ file, line: p.line, col: p.col, severity: 'warning', message, ...(hint ? { hint } : {}), path: formatPath(path) });
  };
  if (!isObj(data)) return out;

  unknownKeys(data, KNOWN_KEYS, [], warn);

  for (const [dotted, why] of Object.entries(NOT_USED_LOCALLY)) {
    const [a, b] = dotted.split('.');
    const parent = data[a];
    if (isObj(parent) && b in parent && parent[b] !== null) warn([a, b], `${dotted} is not used locally: ${why}`);
  }

  const res = data.resources;
  if (isObj(res)) {
    const nc = res.node_count;
    if (typeof nc === 'number' && nc > 1) {
      warn(['resources', 'node_count'], `node_count: ${nc} asks for a multi-node deployment; multi-node is out of scope locally: Berth runs one node on this machine`, 'remove node_count (or set 1) for a local run; deploy multi-node models on Baseten', 'value');
    }
    const hasAcc = res.accelerator !== undefined && res.accelerator !== null;
    if (res.use_gpu === true && !hasAcc) {
      warn(['resources', 'use_gpu'], 'use_gpu: true has no effect without an accelerator: this config runs on CPU', 'set accelerator (e.g. accelerator: L4) to request a GPU, or remove use_gpu');
    } else if (res.use_gpu === false && hasAcc) {
      warn(['resources', 'use_gpu'], 'use_gpu: false is ignored: an accelerator is set, so a GPU is requested', 'remove use_gpu, or remove accelerator for a CPU model');
    }
  }

  const ds = data.docker_server;
  if (isObj(ds)) {
    for (const k of ['predict_endpoint', 'readiness_endpoint', 'liveness_endpoint']) {
      const v = ds[k];
      if (typeof v === 'string' && v.trim() && !v.trim().startsWith('/') && !/^https?:/.test(v.trim())) {
        warn(['docker_server', k], `docker_server.${k} '${v.trim()}' does not start with '/'; Berth uses /${v.trim()}`, `write ${k}: /${v.trim()}`, 'value');
      }
    }
    if (ds.no_build === true) {
      const ignored = ['requirements', 'requirements_file', 'system_packages', 'build_commands', 'external_data'].filter((k) => {
        const v = data[k];
        return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
      });
      for (const k of ignored) warn([k], `${k} is ignored: docker_server.no_build is true, so the image runs as-is without a derived build`, 'remove no_build to build a derived image, or remove this section');
    }
  }

  const env = data.environment_variables;
  if (isObj(env)) {
    for (const name of Object.keys(env)) {
      if (isReservedEnvName(name)) {
        warn(['environment_variables', name], `environment variable ${name} is reserved by the platform and is not passed to the container`, 'rename it; the platform sets HOST, PATH, KUBERNETES_*, *_SERVICE_HOST/PORT and K_* itself');
      } else if (isCautionEnvName(name)) {
        warn(['environment_variables', name], `environment variable ${name} is set by the platform at runtime; your value may not survive deployment`, name === 'PORT' ? 'use docker_server.server_port and pass the port in start_command instead' : 'avoid relying on HOSTNAME');
      } else if (!ENV_NAME.test(name)) {
        warn(['environment_variables', name], `environment variable name '${name}' is not a portable shell name; shells in the container cannot read it`, 'use letters, digits and _ and do not start with a digit');
      }
    }
  }

  const secrets = data.secrets;
  if (isObj(secrets)) {
    for (const [name, v] of Object.entries(secrets)) {
      if (v !== null && v !== undefined && v !== '') {
        // Never echo the value: it may be a real credential pasted by mistake.
        warn(['secrets', name], `secrets.${name} has a value in config.yaml; Berth ignores it (secret values never belong in the config)`, `set it with \`berth secrets set ${name}\` and write ${name}: null here`, 'value');
      }
    }
  }

  const rf = data.requirements_file;
  if (typeof rf === 'string' && rf.trim() && !/(\.txt|(^|\/)pyproject\.toml|(^|\/)uv\.lock)$/.test(rf.trim())) {
    warn(['requirements_file'], `requirements_file '${rf}' is treated as a pip requirements file`, 'Berth understands requirements*.txt, pyproject.toml and uv.lock', 'value');
  }

  const pv = data.python_version;
  if (pv !== undefined && pv !== null && !(typeof pv === 'string' && /^py3\d{1,2}$/.test(pv))) {
    warn(['python_version'], `python_version ${JSON.stringify(pv)} is not in Truss's form (py39, py310, py311, py312, ...); custom servers use the image's Python anyway`, 'write e.g. python_version: py311, or remove it', 'value');
  }
  return out;
}

function unknownKeys(data: Obj, tree: KeyTree, path: PathSeg[], warn: (p: PathSeg[], m: string, h?: string) => void): void {
  const known = Object.keys(tree);
  for (const [k, v] of Object.entries(data)) {
    const sub = tree[k];
    if (sub === undefined) {
      if (path.length === 0 && PYTHON_MODEL_KEYS.has(k)) {
        warn([k], `${k} is used by Truss Python models (model.py), not by custom servers; ignored`);
        continue;
      }
      const near = closest(k, known.filter((c) => !(c in data)));
      const where = path.length ? `in ${formatPath(path)}` : 'at the top level';
      warn([...path, k], `unknown key '${k}' ${where} (kept, not used)`, near ? `did you mean ${near}?` : `known keys here: ${known.join(', ')}`);
      continue;
    }
    if (sub === FREE || sub === LEAF) continue;
    if ('list' in sub && isObjTree(sub.list)) {
      if (Array.isArray(v)) v.forEach((item, i) => isObj(item) && unknownKeys(item, sub.list as KeyTree, [...path, k, i], warn));
      continue;
    }
    if (isObj(v)) unknownKeys(v, sub as KeyTree, [...path, k], warn);
  }
}

function isObjTree(v: unknown): v is KeyTree {
  return !!v && typeof v === 'object';
}
