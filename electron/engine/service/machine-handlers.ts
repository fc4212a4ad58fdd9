// The machines.*, files.list and gateway.allowUiOrigins commands of BerthService, kept apart from the deployment
// handlers. machines.* exist where a Machines manager is wired (berth serve, the desktop
// app); files.list answers on every Berth (a laptop calls it on a remote through machines.call).
import { BerthError } from '../../../shared/errors.js';
import type { CommandName, CommandOutput, CommandParsed } from '../../../shared/api/index.js';
import { allowLaptopUiOrigins } from '../gateway/cors.js';
import type { Machines } from '../remote/machines.js';
import { listFiles } from './file-listing.js';
import type { PathPolicy } from './path-policy.js';

type Names = 'gateway.allowUiOrigins' | 'machines.list' | 'machines.add' | 'machines.remove' | 'machines.connect' | 'machines.call' | 'machines.upload' | 'files.list';
type Handlers = { [K in Names & CommandName]: (input: CommandParsed<K>) => Promise<CommandOutput<K>> };

export function machineHandlers(machines: () => Machines | undefined, paths: () => PathPolicy, examplesDir: () => string): Handlers {
  const need = (): Machines => {
    const m = machines();
    if (!m) throw new BerthError('BAD_REQUEST', 'Remote machines are not available in this Berth.', 'Use berth serve or the desktop app.');
    return m;
  };
  return {
    'machines.list': async () => need().list(),
    // Answered by every Berth: it is how a laptop's Playground reaches this machine's gateways.
    'gateway.allowUiOrigins': async ({ origins }) => {
      allowLaptopUiOrigins(origins);
      return { ok: true as const };
    },
    'machines.add': async ({ name, url, command, allow }) => need().add({ name, url, command, allow }),
    'machines.remove': async ({ name }) => {
      await need().remove(name);
      return { ok: true as const };
    },
    'machines.connect': async ({ name }) => need().connect(name),
    'machines.call': async ({ machine, name, input }) => {
      // Managing machines is this computer's business; the remote answers everything else.
      if (name.startsWith('machines.')) throw new BerthError('BAD_REQUEST', `'${name}' is not relayed to a remote machine.`, 'Call it on this Berth directly.');
      return need().call(machine, name, input);
    },
    'machines.upload': async ({ machine, path }) => {
      await paths().check(path);
      return { path: (await need().upload(machine, path)).path };
    },
    'files.list': async (i) => listFiles([...new Set([...paths().allowed().folders, examplesDir()])], i?.dir),
  };
}
