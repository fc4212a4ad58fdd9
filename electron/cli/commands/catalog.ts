// `berth catalog list|copy`: the catalog of runnable configs (resources/catalog, or
// $BERTH_CATALOG_DIR), listed with their server, model pin, GPUs and secrets; an entry copied
// out as an editable truss folder. Offline: reads only the catalog's own files.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toErrorShape } from '../../../shared/errors.js';
import { listCatalog, readCatalogEntry } from '../../engine/catalog/entries.js';
import { copyEntryTo } from '../../engine/catalog/copy.js';
import { colors } from '../format/issues.js';

const USAGE = `usage:
  berth catalog list [--json]     runnable configs written for Berth: server, model, GPUs, secrets
  berth catalog copy NAME DIR     copy entry NAME into DIR (new or empty) as an editable truss

Then: berth run DIR (or open DIR in the app). BERTH_CATALOG_DIR points at another catalog.`;

/** The install's root (where package.json is), from the bundled or the source layout. */
function appRoot(): string {
  let dir = typeof __dirname !== 'undefined' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  return process.cwd();
}

export function catalogDir(): string {
  return process.env.BERTH_CATALOG_DIR?.trim() || join(appRoot(), 'resources', 'catalog');
}

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
  } catch (err) {
    console.error(`berth catalog: ${toErrorShape(err).message}\n\n${USAGE}`);
    return 2;
  }
  const [sub, ...rest] = positionals;
  if (values.help || !sub) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = catalogDir();
  if (sub === 'list' || sub === 'ls') {
    const list = await listCatalog(dir);
    if (values.json) {
      console.log(JSON.stringify(list, null, 2));
      return 0;
    }
    if (!list.length) {
      console.error(`berth catalog: no entries in ${dir}.\n  hint: reinstall Berth, or point BERTH_CATALOG_DIR at a folder of truss folders.`);
      return 1;
    }
    const c = colors();
    for (const e of list) {
      console.log(`${c.bold(e.name)}  ${e.modelName}`);
      console.log(`  ${e.description}`);
      const needs = [e.accelerator ? `GPU ${e.accelerator}` : 'no GPU', ...e.secrets.map((s) => `secret ${s}`)].join(', ');
      console.log(c.dim(`  ${e.server ?? 'custom server'} · ${e.repoId ?? 'no model'}${e.revision ? `@${e.revision.slice(0, 12)}` : ''} · ${e.image} · ${needs}`));
      if (e.errors.length) console.log(`  ${c.red(`config errors: ${e.errors.join('; ')}`)}`);
    }
    console.log(c.dim(`\n${list.length} entries. Copy one: berth catalog copy NAME DIR`));
    return 0;
  }
  if (sub === 'copy' || sub === 'cp') {
    if (rest.length !== 2) {
      console.error(`berth catalog copy: give the entry NAME and a new or empty DIR.\n\n${USAGE}`);
      return 2;
    }
    const [name, target] = rest;
    await readCatalogEntry(dir, name);
    const file = await copyEntryTo(dir, name, target);
    console.log(`Copied ${name} to ${resolve(target)} (${file}).`);
    console.log(`Next: berth validate ${resolve(target)}  ·  berth run ${resolve(target)}`);
    return 0;
  }
  console.error(`berth catalog: unknown subcommand '${sub}'.\n\n${USAGE}`);
  return 2;
}
