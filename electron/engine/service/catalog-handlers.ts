// The catalog and new-config wizard commands of BerthService (kept apart so the service file
// stays about deployments). Everything written goes into a new or empty folder: Run's copy
// under the data dir, Copy to... and the wizard where the user said; then it is opened.
import { dirname, join } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import type { CommandOutput, CommandParsed } from '../../../shared/api/index.js';
import type { ModelFacts } from '../../../shared/fit/estimate.js';
import { servedNameFor, wizardConfigYaml } from '../../../shared/wizard/config-yaml.js';
import { listCatalog, readCatalogEntry } from '../catalog/entries.js';
import { copyEntryTo, freshFolder, managedCopy, writeNewTruss } from '../catalog/copy.js';
import { catalogNeeds } from '../catalog/needs.js';
import { checkHubModel } from '../catalog/hub-check.js';
import { hubCacheDir } from '../weights/cache-paths.js';
import { weightsContext } from '../weights/stage.js';
import type { DeploymentPort, ServicePorts } from './service-deps.js';
import type { PathPolicy } from './path-policy.js';

type Names = 'catalog.list' | 'catalog.needs' | 'catalog.run' | 'catalog.copy' | 'wizard.checkModel' | 'wizard.create' | 'dialog.pickFolder';
export type CatalogHandlers = { [K in Names]: (input: CommandParsed<K>) => Promise<CommandOutput<K>> };

/** Hub reads for a card or a check give up after this long: the UI then says the Hub is slow or unreachable. */
const HUB_TIMEOUT_MS = 20_000;
/** GPU problems do not stop the wizard writing a config: it may be meant for another machine, or a CPU run. */
const GPU_CODES = new Set(['GPU_UNAVAILABLE', 'GPU_TOO_FEW', 'GPU_RUNTIME_MISSING']);

export function catalogHandlers(ports: ServicePorts, paths: PathPolicy, open: (path: string) => Promise<DeploymentPort>): CatalogHandlers {
  const catalogDir = ports.catalogDir ?? join(dirname(ports.examplesDir), 'catalog');
  const facts = new Map<string, Promise<ModelFacts>>();
  const secrets = { get: async (n: string) => (ports.secrets.get ? ports.secrets.get(n) : null) };
  const hub = () => weightsContext({ secrets, cacheDir: ports.weightsCacheDir ?? hubCacheDir() }, { signal: AbortSignal.timeout(HUB_TIMEOUT_MS) });
  const opened = async (path: string, reused = false) => {
    // The user chose this folder (or Berth made it): theirs to open and save, over HTTP too.
    paths.allowPath(dirname(path));
    const d = await open(path);
    return { path, reused, id: d.id };
  };
  return {
    'catalog.list': async () => listCatalog(catalogDir),
    'catalog.needs': async ({ name, refresh }) => {
      if (refresh) facts.clear();
      const { entry, text } = await readCatalogEntry(catalogDir, name);
      return catalogNeeds(name, text, entry.path, {
        gpus: await ports.gpu.report(!!refresh),
        weights: hub(),
        hasSecret: (n) => ports.secrets.has(n),
        imageBytes: async (ref) => (ports.imageBytes ? ports.imageBytes(ref) : null),
        cache: facts,
      });
    },
    'catalog.run': async ({ name }) => {
      await readCatalogEntry(catalogDir, name);
      const r = await managedCopy(catalogDir, name, join(ports.dataDir, 'catalog'));
      return opened(r.path, r.reused);
    },
    'catalog.copy': async ({ name, dir }) => {
      await readCatalogEntry(catalogDir, name);
      return opened(await copyEntryTo(catalogDir, name, dir));
    },
    'wizard.checkModel': async ({ repoId, revision }) => checkHubModel(repoId, revision ?? 'main', hub()),
    'wizard.create': async ({ input, dir }) => {
      const r = wizardConfigYaml(input);
      if (!r.yaml) throw new BerthError('BAD_REQUEST', r.problems[0], r.problems.slice(1).join(' ') || undefined);
      const target = dir ?? (await freshFolder(join(ports.dataDir, 'configs'), servedNameFor(input.repoId, input.modelName)));
      // Validated as it will be read back, before anything is written.
      const v = await ports.supervisor.validateText(r.yaml, join(target, 'config.yaml'));
      const errors = v.issues.filter((i) => i.severity === 'error' && !(i.code && GPU_CODES.has(i.code)));
      if (errors.length) throw new BerthError('CONFIG_INVALID', `The written config would not be valid: ${errors.map((e) => `${e.path || 'config'}: ${e.message}`).join('; ')}.`, 'This is a Berth bug in the wizard: report it with the choices you made.');
      return opened(await writeNewTruss(target, r.yaml));
    },
    'dialog.pickFolder': async () => {
      if (!ports.pickFolder) throw new BerthError('BAD_REQUEST', 'A folder picker exists only in the desktop app.', 'Type the full path of a new or empty folder instead.');
      const picked = await ports.pickFolder();
      if (picked) paths.allowPath(picked);
      return { path: picked };
    },
  };
}



const NAMES: Names[] = ['catalog.list', 'catalog.needs', 'catalog.run', 'catalog.copy', 'wizard.checkModel', 'wizard.create', 'dialog.pickFolder'];

/** Handlers that build the real ones on first use (the service's path policy exists only once its constructor ran). */
export function lazyCatalogHandlers(make: () => CatalogHandlers): CatalogHandlers {
  let built: CatalogHandlers | null = null;
  const get = () => (built ??= make());
  return Object.fromEntries(NAMES.map((n) => [n, (i: never) => (get()[n] as (x: never) => Promise<unknown>)(i)])) as CatalogHandlers;
}
