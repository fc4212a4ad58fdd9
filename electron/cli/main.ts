// The `berth` command. Each subcommand lives in commands/<name>.ts and exports
// run(argv): Promise<number>. Loaded lazily so `berth validate` never pays for the UI server.
import { existsSync } from 'node:fs';
import { toErrorShape } from '../../shared/errors.js';
import { guardProcess } from '../engine/process-guard.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  validate: { summary: 'check truss config.yaml files and print a summary or positioned errors', load: () => import('./commands/validate.js') },
  plan: { summary: 'print the local run plan and the equivalent docker run command', load: () => import('./commands/plan.js') },
  gpus: { summary: 'list NVIDIA GPUs and whether containers can use them', load: () => import('./commands/gpus.js') },
  run: { summary: 'run a truss in the terminal: pull, build, start, probe, serve, stream logs', load: () => import('./commands/run.js') },
  serve: { summary: 'serve the Berth UI and API over HTTP/WebSocket', load: () => import('./commands/serve.js') },
  secrets: { summary: 'set, list, delete and import secrets', load: () => import('./commands/secrets.js') },
  weights: { summary: 'list or remove model weights in the Hugging Face cache', load: () => import('./commands/weights.js') },
  remote: { summary: 'add, list and remove remote machines (then --on NAME on run, plan, gpus...)', load: () => import('./commands/remote.js') },
  catalog: { summary: 'list the catalog of runnable configs, or copy one out (berth catalog copy NAME DIR)', load: () => import('./commands/catalog.js') },
  bench: { summary: 'benchmark a running deployment through its gateway (TTFT, TPOT, throughput)', load: () => import('./commands/bench.js') },
  requests: { summary: 'show (or follow) the requests a deployment\'s gateway answered', load: () => import('./commands/requests.js') },
  export: { summary: 'write Kubernetes manifests for a truss (berth export kubernetes PATH)', load: () => import('./commands/export.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: berth <command> [options]\n       berth PATH...   (opens truss configs in the UI: same as berth serve PATH...)\n\ncommands:\n${lines.join('\n')}\n\nRun 'berth <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  // `berth PATH...` opens the configs in the UI, like `berth serve PATH...`.
  if (!COMMANDS[name] && !name.startsWith('-') && existsSync(name)) return main(['serve', name, ...rest]);
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`berth: unknown command '${name}'.\n${usage()}`);
    return 2;
  }
  guardProcess();
  try {
    // `--on NAME`: the command acts on a remote machine (remote-on.ts says how, per command).
    if (rest.some((a) => a === '--on' || a.startsWith('--on='))) {
      const { takeOn, runOnMachine } = await import('./remote-on.js');
      const { on, rest: args } = takeOn(rest);
      return await runOnMachine(name, on ?? '', args);
    }
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (err) {
    const e = toErrorShape(err);
    console.error(`berth ${name}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
    if (process.env.BERTH_DEBUG) console.error(err);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
