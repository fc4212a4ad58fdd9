// `berth remote`: the machines this Berth drives over SSH (issue 14), and `ensure-serve`,
// the half that runs on the GPU box (called over SSH by the laptop, not by people).
import { parseArgs } from 'node:util';
import { toErrorShape } from '../../../shared/errors.js';
import type { MachineInfo } from '../../../shared/remote.js';
import { berthHome } from '../../engine/paths.js';
import { ensureServe } from '../../engine/remote/ensure-serve.js';
import { Machines } from '../../engine/remote/machines.js';
import { packageVersion } from '../../engine/service/runtime.js';

const USAGE = `usage: berth remote add NAME ssh://[user@]host[:port] [--command CMD] [--allow DIR]...
       berth remote list [--connect] [--json]
       berth remote rm NAME
       berth remote upload NAME PATH

Remote machines: this computer's Berth drives a Berth on a GPU box over one SSH connection
(your keys, ssh-agent and ~/.ssh/config; the host must already be in known_hosts). Berth
starts 'berth serve' there when none runs (a systemd user service, else a detached process),
reads its token over SSH and forwards its port to 127.0.0.1 here: nothing is opened on the
remote beyond loopback.

Then add --on NAME to run, plan, gpus (and validate, weights, secrets, export...):
  berth run --on gpu1 /home/me/llama        a config on gpu1 (its path there)
  berth run --on gpu1 --upload ./my-truss   copies the folder to gpu1 first
  berth gpus --on gpu1

options:
  --command CMD  the shell command that runs Berth there (default: berth), e.g.
                 "node /opt/berth/bin/berth.js" or "env BERTH_HOME=/data/berth berth"
  --allow DIR    a folder there whose configs may be opened (repeatable; default: the
                 remote home folder; uploads are always allowed)
  --connect      list: connect to each machine and show its state
  --json         list: machine-readable`;

function line(m: MachineInfo): string {
  const state = m.state === 'local' ? 'this computer' : m.state;
  const extra = [m.remoteVersion ? `Berth ${m.remoteVersion}` : null, m.reason].filter(Boolean).join('; ');
  const out = [`${m.name.padEnd(16)} ${(m.url ?? '').padEnd(34)} ${state}${extra ? `  (${extra})` : ''}`];
  if (m.hint && m.state === 'error') out.push(`${' '.repeat(17)}hint: ${m.hint}`);
  for (const w of m.warnings) out.push(`${' '.repeat(17)}warning: ${w}`);
  return out.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let args;
  try {
    args = parseArgs({ args: rest, allowPositionals: true, options: { command: { type: 'string' }, allow: { type: 'string', multiple: true }, connect: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`berth remote: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!sub || sub === '--help' || sub === '-h' || args.values.help) {
    console.log(USAGE);
    return sub ? 0 : 2;
  }
  const pos = args.positionals;
  if (sub === 'ensure-serve') {
    // Runs on the GPU box; its one JSON line is read by the laptop over SSH.
    try {
      const r = await ensureServe({ dataDir: berthHome(), version: packageVersion(), cliScript: process.argv[1], allow: args.values.allow });
      console.log(JSON.stringify({ ok: true, ...r }));
      return 0;
    } catch (err) {
      console.log(JSON.stringify({ ok: false, error: toErrorShape(err) }));
      return 1;
    }
  }
  const machines = new Machines(berthHome(), { localVersion: packageVersion() });
  try {
    if (sub === 'add') {
      if (pos.length !== 2) {
        console.error(`berth remote add: give NAME and ssh://[user@]host[:port].\n\n${USAGE}`);
        return 2;
      }
      const m = await machines.add({ name: pos[0], url: pos[1], command: args.values.command, allow: args.values.allow });
      console.log(`added machine '${m.name}' (${m.url}). Try: berth gpus --on ${m.name}`);
      return 0;
    }
    if (sub === 'rm' || sub === 'remove') {
      if (pos.length !== 1) {
        console.error('berth remote rm: give the machine NAME (see berth remote list).');
        return 2;
      }
      await machines.remove(pos[0]);
      console.log(`removed machine '${pos[0]}' (its Berth and deployments there keep running).`);
      return 0;
    }
    if (sub === 'list' || sub === 'ls') {
      if (args.values.connect) for (const m of await machines.store.list()) await machines.connect(m.name);
      const list = await machines.list();
      console.log(args.values.json ? JSON.stringify(list, null, 2) : list.map(line).join('\n'));
      return 0;
    }
    if (sub === 'upload') {
      if (pos.length !== 2) {
        console.error('berth remote upload: give NAME and the local truss folder.');
        return 2;
      }
      const r = await machines.upload(pos[0], pos[1]);
      console.log(`copied ${r.files} file(s) to ${pos[0]}:${r.path}\nrun it with: berth run --on ${pos[0]} ${r.path}`);
      return 0;
    }
    console.error(`berth remote: unknown subcommand '${sub}'.\n\n${USAGE}`);
    return 2;
  } finally {
    await machines.close();
  }
}
