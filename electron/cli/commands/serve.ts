// `berth serve`: the Berth UI and API over HTTP/WebSocket, for a browser or a remote machine.
import { allowUiOrigin, disallowUiOrigin } from '../../engine/gateway/cors.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeServeState } from '../../engine/remote/serve-state.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import { API_KEY_HEADER, DEFAULT_SERVE_PORT } from '../../../shared/api/index.js';
import { berthHome } from '../../engine/paths.js';
import { startBerthServer, type RunningServer } from '../../engine/server/berth-server.js';
import { createBerthRuntime, type BerthRuntime, type BerthRuntimeOptions } from '../../engine/service/runtime.js';

const USAGE = `usage: berth serve [PATH...] [--port N] [--host H] [--allow DIR]... [--token T | --no-token] [--keep-running]

Serves the Berth UI and its API on http://HOST:PORT/ (API: POST /api/<command>,
events: WebSocket /api/events). Each PATH (a truss directory or config.yaml) is opened
at start.

Every API call and the WebSocket need the access token, on this machine too. Open the URL
printed at start (http://127.0.0.1:${DEFAULT_SERVE_PORT}/?token=...): the browser keeps the token in a
cookie. Scripts send 'Authorization: Bearer TOKEN' (or '${API_KEY_HEADER}: TOKEN').

The UI opens only configs you chose: the PATHs above, folders given with --allow, configs
in Recent and the bundled examples.

options:
  --port N         port to listen on (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --host H         address to bind (default 127.0.0.1: this machine only).
                   Any other address (e.g. 0.0.0.0) exposes Berth to the network: the
                   token is then always required (--no-token is refused there).
  --allow DIR      let the UI open (and save) configs under DIR; repeatable
  --token T        use T as the token (default: BERTH_SERVE_TOKEN, else a new random one
                   printed in the URL)
  --no-token       no authentication at all (loopback only). Any local user or program
                   could then read and overwrite configs and start containers.
  --token-file F   read the token from file F (how a remote machine's Berth starts it:
                   the token stays out of the process list and environment)
  --state-file F   write {pid, port, version} to F once listening, remove it on exit
  --keep-running   leave model containers running on exit (default: stop them, unless the
                   keepRunningOnQuit setting is on)
  -h, --help       show this help

Ctrl-C stops the server and the containers it started.`;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ServeOptions {
  paths: string[];
  port: number;
  host: string;
  keepRunning?: boolean;
  /**
   * The access token: a string, null for none (`--no-token`, loopback only), or undefined
   * for BERTH_SERVE_TOKEN (or the older BERTH_API_KEY), else a new random one.
   */
  token?: string | null;
  /** Folders whose configs the API may open (`--allow`). */
  allow?: string[];
  staticDir?: string | null;
  dataDir?: string;
  resourcesDir?: string;
  runtime?: Partial<BerthRuntimeOptions>;
}

export interface Serving {
  runtime: BerthRuntime;
  server: RunningServer;
  token: string | null;
  /** True when the token was generated here (so only the printed URL knows it). */
  tokenGenerated: boolean;
  /** Per path given: the open result (errors included). */
  opened: Array<{ path: string; ok: boolean; message?: string }>;
  stop(opts?: { keepRunning?: boolean }): Promise<void>;
}

/** The repo/app root: dist/cli/main.js and electron/cli/commands/serve.ts both sit 2-3 levels below it. */
function appRoot(): string {
  let dir = typeof __dirname !== 'undefined' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export async function startServe(o: ServeOptions): Promise<Serving> {
  const root = appRoot();
  const loopback = LOOPBACK.has(o.host);
  const configured = o.token !== undefined ? o.token : process.env.BERTH_SERVE_TOKEN || process.env.BERTH_API_KEY || undefined;
  const tokenGenerated = configured === undefined;
  const token = tokenGenerated ? randomBytes(24).toString('hex') : configured!;
  if (!loopback && !token) throw new BerthError('BAD_REQUEST', `Listening on ${o.host} needs a token.`, 'Drop --no-token: a token is required beyond loopback (set one with --token or BERTH_SERVE_TOKEN, or let Berth generate one).');
  if (token !== null && token.length < 8) throw new BerthError('BAD_REQUEST', 'The token is too short.', 'Use at least 8 characters (a generated one has 48), or leave --token and BERTH_SERVE_TOKEN unset.');
  const runtime = await createBerthRuntime({
    dataDir: o.dataDir ?? berthHome(),
    resourcesDir: o.resourcesDir ?? join(root, 'resources'),
    transport: 'http',
    ...o.runtime,
  });
  let server: RunningServer;
  try {
    server = await startBerthServer({
      service: runtime.service,
      host: o.host,
      port: o.port,
      staticDir: o.staticDir !== undefined ? o.staticDir : join(root, 'dist', 'renderer'),
      token,
      version: (await runtime.service.call('app.info')).version,
    });
  } catch (err) {
    await runtime.shutdown({ keepRunning: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new BerthError('PORT_IN_USE', `Port ${o.port} on ${o.host} is already in use.`, `Pick another with --port (or --port 0 for any free one).`);
    if (code === 'EADDRNOTAVAIL') throw new BerthError('BAD_REQUEST', `This machine has no address ${o.host}.`, 'Use 127.0.0.1, 0.0.0.0 or one of this machine\'s addresses.');
    if (code === 'EACCES') throw new BerthError('PORT_IN_USE', `Not allowed to listen on port ${o.port}.`, 'Ports below 1024 need privileges: pick a port above 1024.');
    throw err;
  }
  // The Playground in this UI calls the deployments' gateways from the browser.
  const uiOrigins = [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`, ...(loopback ? [] : [`http://${o.host}:${server.port}`])];
  for (const origin of uiOrigins) allowUiOrigin(origin);
  // What the user named here is theirs to open from the UI.
  for (const dir of o.allow ?? []) runtime.service.paths.allowFolder(resolve(dir));
  for (const p of o.paths) runtime.service.paths.allowPath(resolve(p));
  const opened: Serving['opened'] = [];
  for (const p of o.paths) {
    const r = await runtime.service.handle('deployments.open', { path: resolve(p) });
    opened.push(r.ok ? { path: p, ok: true } : { path: p, ok: false, message: `${r.error.message}${r.error.hint ? ` (${r.error.hint})` : ''}` });
  }
  let stopping: Promise<void> | null = null;
  return {
    runtime,
    server,
    token,
    tokenGenerated,
    opened,
    stop: (s = {}) =>
      (stopping ??= (async () => {
        await server.close();
        for (const origin of uiOrigins) disallowUiOrigin(origin);
        await runtime.shutdown({ keepRunning: s.keepRunning ?? o.keepRunning });
      })()),
  };
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'keep-running': { type: 'boolean' },
        allow: { type: 'string', multiple: true },
        token: { type: 'string' },
        'no-token': { type: 'boolean' },
        'token-file': { type: 'string' },
        'state-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`berth serve: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = args.values.port === undefined ? DEFAULT_SERVE_PORT : Number(args.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`berth serve: --port must be a whole number from 0 to 65535 (got '${args.values.port}').`);
    return 2;
  }
  const host = args.values.host ?? '127.0.0.1';
  if (args.values['no-token'] && args.values.token !== undefined) {
    console.error('berth serve: --token and --no-token contradict each other; pick one.');
    return 2;
  }
  if (args.values['no-token'] && !LOOPBACK.has(host)) {
    console.error(`berth serve: --no-token is refused with --host ${host}: beyond loopback anyone on the network could drive Berth. Keep the token.`);
    return 2;
  }
  for (const dir of args.values.allow ?? []) {
    if (!existsSync(dir)) {
      console.error(`berth serve: --allow ${dir}: no such folder.`);
      return 2;
    }
  }
  let token: string | null | undefined = args.values['no-token'] ? null : args.values.token;
  if (args.values['token-file']) {
    try {
      token = readFileSync(args.values['token-file'], 'utf8').trim();
    } catch (err) {
      console.error(`berth serve: --token-file ${args.values['token-file']}: ${(err as Error).message}.`);
      return 2;
    }
  }
  const serving = await startServe({
    paths: args.positionals,
    port,
    host,
    keepRunning: args.values['keep-running'],
    allow: args.values.allow,
    token,
  });
  const stateFile = args.values['state-file'];
  if (stateFile) await writeServeState(stateFile, { pid: process.pid, port: serving.server.port, version: (await serving.runtime.service.call('app.info')).version });
  if (!serving.token) {
    console.error(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '!! WARNING: --no-token: the Berth API has NO authentication.                         !!',
        '!! Any user or program on this machine can open, read and overwrite the configs Berth !!',
        '!! may open, and start containers on your GPUs. Never use this on a shared machine.   !!',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
  }
  // The token is printed only when it was made here; a configured one stays out of logs.
  const shown = serving.token && !serving.tokenGenerated ? `${serving.server.url}?token=...` : serving.server.openUrl;
  console.log(`Berth is serving on ${shown}`);
  if (serving.token && !serving.tokenGenerated) console.log(`  (add the token you set with --token or BERTH_SERVE_TOKEN; scripts send 'Authorization: Bearer TOKEN')`);
  else if (serving.token) console.log(`  open this URL to sign in (the token is in it); scripts send 'Authorization: Bearer ${serving.token}'`);
  if (args.values.allow?.length) console.log(`The UI may also open configs under: ${args.values.allow.map((d) => resolve(d)).join(', ')}`);
  else console.log('The UI opens the configs given here, Recent and the examples; let it open others with --allow DIR.');
  for (const o of serving.opened) console.log(o.ok ? `opened ${o.path}` : `could not open ${o.path}: ${o.message}`);
  if (serving.runtime.connection.status.up === false) {
    const s = serving.runtime.connection.status;
    console.log(`warning: Docker is not reachable (${s.reason ?? 'unknown reason'}). ${s.hint ?? ''}`);
  }
  console.log('Press Ctrl-C to stop.');

  return new Promise<number>((resolvePromise) => {
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals > 1) {
        console.log('\nForced exit: containers may still be running (Berth re-adopts them next time).');
        process.exit(130);
      }
      console.log('\nStopping (Ctrl-C again to force)...');
      if (stateFile) rmSync(stateFile, { force: true });
      serving.stop().then(
        () => resolvePromise(0),
        (err) => {
          const e = toErrorShape(err);
          console.error(`berth serve: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
          resolvePromise(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
