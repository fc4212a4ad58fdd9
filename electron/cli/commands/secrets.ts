// `berth secrets set|list|delete|import`. Values are never taken as arguments and never printed.
import { parseArgs } from 'node:util';
import { BerthError } from '../../../shared/errors.js';
import { SecretStore } from '../../engine/secrets/store.js';
import { readSecretValue } from '../../engine/secrets/read-value.js';
import { defaultTrussConfigPath } from '../../engine/secrets/truss-import.js';

const USAGE = `usage:
  berth secrets set NAME [--from-stdin | --value-file FILE]
      Prompts for the value with echo off on a terminal; otherwise reads it from stdin.
  berth secrets list [--json]          names only, never values
  berth secrets delete NAME
  berth secrets import [PATH] [--overwrite] [--json]
      Imports the secrets: map of a Truss config (default ${defaultTrussConfigPath()});
      names Berth already has are kept unless --overwrite.`;

function fail(message: string): number {
  console.error(`berth secrets: ${message}\n\n${USAGE}`);
  return 2;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return sub ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'from-stdin': { type: 'boolean' },
        'value-file': { type: 'string' },
        json: { type: 'boolean' },
        overwrite: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // Deliberately no "--value": a value on the command line leaks into ps and shell history.
    return fail(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const store = new SecretStore();

  switch (sub) {
    case 'set': {
      if (positionals.length !== 1) return fail(positionals.length ? 'set takes one NAME; the value is read from a prompt, stdin or --value-file, never from arguments.' : 'set needs a NAME.');
      if (values['from-stdin'] && values['value-file']) return fail('use either --from-stdin or --value-file, not both.');
      const name = positionals[0];
      const existed = await store.has(name);
      const value = await readSecretValue({ name, fromStdin: values['from-stdin'], valueFile: values['value-file'] });
      await store.set(name, value);
      console.log(`${existed ? 'Updated' : 'Saved'} secret ${name}.`);
      return 0;
    }
    case 'list':
    case 'ls': {
      const list = await store.list();
      if (values.json) {
        console.log(JSON.stringify({ file: store.file, secrets: list }, null, 2));
        return 0;
      }
      if (!list.length) {
        console.log('No secrets stored. Add one with `berth secrets set NAME`, or `berth secrets import` from ~/.truss/config.yaml.');
        return 0;
      }
      const w = Math.max(4, ...list.map((s) => s.name.length));
      console.log(`${'NAME'.padEnd(w)}  UPDATED`);
      for (const s of list) console.log(`${s.name.padEnd(w)}  ${ago(s.updatedAt)}${s.readable ? '' : '  (stored by the Berth app; not readable here)'}`);
      return 0;
    }
    case 'delete':
    case 'rm': {
      if (positionals.length !== 1) return fail('delete needs one NAME.');
      const name = positionals[0];
      if (!(await store.delete(name))) {
        throw new BerthError('NOT_FOUND', `No secret named ${name}.`, 'See the stored names with `berth secrets list`.');
      }
      console.log(`Deleted secret ${name}.`);
      return 0;
    }
    case 'import': {
      if (positionals.length > 1) return fail('import takes at most one PATH.');
      const r = await store.importFromTrussConfig(positionals[0] ?? defaultTrussConfigPath(), { overwrite: values.overwrite });
      if (values.json) {
        console.log(JSON.stringify(r, null, 2));
        return 0;
      }
      console.log(`From ${r.file}:`);
      if (r.imported.length) console.log(`  imported: ${r.imported.join(', ')}`);
      if (r.kept.length) console.log(`  kept (already set in Berth; --overwrite to replace): ${r.kept.join(', ')}`);
      for (const s of r.skipped) console.log(`  skipped ${s.name}: ${s.reason}`);
      if (!r.imported.length && !r.kept.length && !r.skipped.length) console.log('  no secrets listed under `secrets:`.');
      return 0;
    }
    default:
      return fail(`unknown subcommand '${sub}'.`);
  }
}
