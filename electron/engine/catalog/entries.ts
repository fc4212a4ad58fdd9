// The catalog: resources/catalog/<name>/config.yaml, each a complete truss written for Berth.
// Listed with what the UI shows before a start (server, model, pins, GPUs, secrets), read by
// the same parser and model finder the rest of Berth uses.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import type { CatalogEntry } from '../../../shared/catalog.js';
import { findModel } from '../../../shared/fit/find-model.js';
import { parseStartCommand } from '../../../shared/fit/command.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import { formatAccelerator } from '../../../shared/truss/accelerators.js';
import { SERVERS } from '../../../shared/servers.js';

/** Entry names are folder names: no path tricks through the API or the CLI. */
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

export async function readCatalogEntry(dir: string, name: string): Promise<{ entry: CatalogEntry; text: string }> {
  if (!NAME.test(name)) throw new BerthError('BAD_REQUEST', `'${name}' is not a catalog entry name.`, 'Names are lowercase folder names; `berth catalog list` shows them.');
  const path = join(dir, name, 'config.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new BerthError('NOT_FOUND', `No catalog entry named '${name}'.`, 'See the list of entries (`berth catalog list`, or the Catalog screen) for the exact name.');
  }
  const { config, issues } = parseTrussConfig(text, path);
  const errors = issues.filter((i) => i.severity === 'error').map((i) => `${i.line}:${i.col} ${i.message}`);
  const found = config ? findModel(config) : null;
  const call = config?.docker_server?.start_command ? parseStartCommand(config.docker_server.start_command).call : null;
  const meta = (config?.model_metadata ?? {}) as { tags?: unknown };
  const acc = config?.resources?.accelerator;
  return {
    text,
    entry: {
      name,
      path,
      modelName: config?.model_name ?? name,
      description: (config?.description ?? '').trim(),
      server: call?.server.name ?? null,
      repoId: found?.ok ? found.model.repoId : null,
      revision: found?.ok ? found.model.revision : null,
      image: config?.base_image?.image ?? '',
      accelerator: acc ? formatAccelerator(acc) : null,
      secrets: config?.secrets ?? [],
      tags: Array.isArray(meta.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [],
      errors,
    },
  };
}

export async function listCatalog(dir: string): Promise<CatalogEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && NAME.test(d.name)).map((d) => d.name);
  } catch {
    return [];
  }
  const out: CatalogEntry[] = [];
  for (const name of names.sort()) {
    try {
      out.push((await readCatalogEntry(dir, name)).entry);
    } catch {
      // A folder without config.yaml is not an entry.
    }
  }
  // In the server table's order (vLLM first), then by name: similar entries sit together.
  const rank = (e: CatalogEntry) => {
    const i = SERVERS.findIndex((s) => s.name === e.server);
    return i < 0 ? SERVERS.length : i;
  };
  return out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
