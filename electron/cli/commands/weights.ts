// `berth weights list|rm`: the host's Hugging Face cache as Berth sees it (the same layout
// `hf cache scan` reads), with the configs Berth knows that use each repo.
import { parseArgs } from 'node:util';
import { toErrorShape } from '../../../shared/errors.js';
import { formatBytes } from '../../../shared/truss/units.js';
import { LABELS } from '../../../shared/plan.js';
import { RecentStore } from '../../engine/store/recent.js';
import { hubCacheDir, weightsViewsRoot } from '../../engine/weights/cache-paths.js';
import { listCachedWeights, removeCachedRepo } from '../../engine/weights/inventory.js';
import { colors } from '../format/issues.js';

const USAGE = `usage:
  berth weights list [--json]    repos in the Hugging Face cache: size, revisions, configs that use them
  berth weights rm REPO_ID       remove a repo (org/name) from the cache

The cache is HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub: the one every
Hugging Face client shares.`;

/** Deployment ids with a running Berth container: their weights views must stay. */
async function runningDeployments(): Promise<Set<string>> {
  try {
    const { EngineConnection } = await import('../../engine/docker/connection.js');
    const conn = new EngineConnection({ pingTimeoutMs: 2000, healthCheckMs: 0 });
    try {
      if (!(await conn.ping()).up) return new Set();
      const list = await conn.docker.listContainers({ filters: { label: [`${LABELS.managed}=true`], status: ['running'] } });
      return new Set(list.map((c) => c.Labels?.[LABELS.deployment]).filter((x): x is string => !!x));
    } finally {
      conn.stop();
    }
  } catch {
    return new Set();
  }
}

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
  } catch (err) {
    console.error(`berth weights: ${toErrorShape(err).message}\n\n${USAGE}`);
    return 2;
  }
  const [sub, ...rest] = positionals;
  if (values.help || !sub) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const cacheDir = hubCacheDir();
  const c = colors();
  if (sub === 'list' || sub === 'ls') {
    const recent = (await new RecentStore().list().catch(() => [])).map((r) => r.path);
    const inv = await listCachedWeights(cacheDir, recent);
    if (values.json) {
      console.log(JSON.stringify(inv, null, 2));
      return 0;
    }
    console.log(c.dim(`Hugging Face cache: ${cacheDir}`));
    if (!inv.repos.length) {
      console.log('no repos cached');
      return 0;
    }
    const total = inv.repos.reduce((n, r) => n + r.sizeBytes, 0);
    for (const r of inv.repos) {
      const revs = r.revisions.map((v) => `${v.commit.slice(0, 12)}${v.refs.length ? ` (${v.refs.join(', ')})` : ''}`).join(', ');
      console.log(`${c.bold(r.repoId.padEnd(40))} ${formatBytes(r.sizeBytes).padStart(10)}  ${String(r.files).padStart(4)} files  ${revs}`);
      for (const u of r.usedBy) console.log(c.dim(`    used by ${u.modelName} (${u.configPath})`));
    }
    console.log(c.dim(`${inv.repos.length} repos, ${formatBytes(total)}`));
    for (const w of inv.warnings) console.log(c.dim(`warning: ${w}`));
    return 0;
  }
  if (sub === 'rm' || sub === 'remove') {
    if (rest.length !== 1) {
      console.error(`berth weights rm: give one repo id (org/name).\n\n${USAGE}`);
      return 2;
    }
    const r = await removeCachedRepo(cacheDir, rest[0], weightsViewsRoot(cacheDir), await runningDeployments());
    console.log(`removed ${r.removed}`);
    if (r.keptViews.length) console.log(c.dim(`running deployments still hold their files until they stop: ${r.keptViews.join(', ')}`));
    return 0;
  }
  console.error(`berth weights: unknown subcommand '${sub}'.\n\n${USAGE}`);
  return 2;
}
