// `berth validate PATH... [--json]`: checks truss configs. Valid: one summary line each plus
// warnings, exit 0. Invalid: FILE:LINE:COL errors with hints, exit 1. Usage errors exit 2.
import { parseArgs } from 'node:util';
import { loadTruss, type LoadedTruss } from '../../engine/config/load.js';
import { toErrorShape, type BerthErrorShape } from '../../../shared/errors.js';
import { formatAccelerator } from '../../../shared/truss/accelerators.js';
import type { ConfigIssue } from '../../../shared/truss/issues.js';
import type { TrussConfig } from '../../../shared/truss/schema.js';
import { colors, formatFileError, formatIssueLine } from '../format/issues.js';

const USAGE = `usage: berth validate PATH... [--json]

PATH is a truss directory (containing config.yaml) or a config file.
Prints one summary line per valid config and its warnings (exit 0), or positioned errors
FILE:LINE:COL with a hint for each (exit 1).`;

export interface ValidateSummary {
  modelName: string;
  image: string | null;
  serverPort: number;
  accelerator: string | null;
  predictEndpoint: string;
  transport: string;
}

export interface ValidateResult {
  path: string;
  configPath: string | null;
  valid: boolean;
  summary: ValidateSummary | null;
  issues: ConfigIssue[];
  error: BerthErrorShape | null;
}

export function summarize(config: TrussConfig, trussDir: string): ValidateSummary {
  const ds = config.docker_server!;
  const acc = config.resources?.accelerator;
  const transport = config.runtime?.transport?.kind && config.runtime.transport.kind !== 'http' ? config.runtime.transport.kind : config.runtime?.is_websocket_endpoint ? 'websocket' : 'http';
  return {
    modelName: config.model_name?.trim() || trussDir.split(/[\\/]/).pop() || 'model',
    image: config.base_image?.image ?? null,
    serverPort: ds.server_port,
    accelerator: acc ? formatAccelerator(acc) : null,
    predictEndpoint: ds.predict_endpoint,
    transport,
  };
}

export async function validatePath(p: string): Promise<ValidateResult> {
  let loaded: LoadedTruss;
  try {
    loaded = await loadTruss(p);
  } catch (err) {
    return { path: p, configPath: null, valid: false, summary: null, issues: [], error: toErrorShape(err) };
  }
  const valid = loaded.config !== null && !loaded.issues.some((i) => i.severity === 'error');
  return {
    path: p,
    configPath: loaded.configPath,
    valid,
    summary: valid && loaded.config ? summarize(loaded.config, loaded.trussDir) : null,
    issues: loaded.issues,
    error: null,
  };
}

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
  } catch (err) {
    console.error(`berth validate: ${toErrorShape(err).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`berth validate: give at least one truss directory or config file.\n${USAGE}`);
    return 2;
  }
  const results: ValidateResult[] = [];
  for (const p of positionals) results.push(await validatePath(p));
  const ok = results.every((r) => r.valid);
  if (values.json) {
    console.log(JSON.stringify({ valid: ok, results }, null, 2));
    return ok ? 0 : 1;
  }
  const c = colors();
  const ce = colors(process.stderr);
  for (const r of results) {
    if (r.error) {
      console.error(formatFileError(r.path, r.error, ce));
      continue;
    }
    const file = r.configPath ?? r.path;
    if (r.valid && r.summary) {
      const s = r.summary;
      console.log(
        `${c.green('ok')} ${file}: ${c.bold(s.modelName)} image ${s.image ?? "(Truss's default base image)"}, port ${s.serverPort}, ${s.accelerator ?? 'CPU'}, predict ${s.predictEndpoint}${s.transport !== 'http' ? ` (${s.transport})` : ''}`,
      );
      for (const i of r.issues) console.log(formatIssueLine(i, c));
    } else {
      for (const i of r.issues) console.error(formatIssueLine(i, ce));
      const n = r.issues.filter((i) => i.severity === 'error').length;
      console.error(`${ce.red('invalid')} ${file}: ${n} error${n === 1 ? '' : 's'}`);
    }
  }
  if (results.length > 1) {
    const bad = results.filter((r) => !r.valid).length;
    (ok ? console.log : console.error)(`${results.length - bad} of ${results.length} configs valid`);
  }
  return ok ? 0 : 1;
}
