// `berth serve`: the Berth UI and API over HTTP/WebSocket, for a browser or a remote machine.
import { allowUiOrigin, disallowUiOrigin } from '../../engine/gateway/cors.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BerthError, toErrorShape } from '../../../shared/errors.js';
import { API_KEY_HEADER, DEFAULT_SERVE_PORT } from '../../../shared/api/index.js';
import { berthHome } from '../../engine/paths.js';
import { startBerthServer, type RunningServer } from '../../engine/server/berth-server.js';
import { createBerthRuntime, type BerthRuntime, type BerthRuntimeOptions } from '../../engine/service/runtime.js';

const USAGE = `usage: berth serve [PATH...] [--port N] [--host H] [--keep-running]

Serves the Berth UI and its API on http://HOST:PORT/ (API: POST /api/<command>,
events: WebSocket /api/events). Each PATH (a truss directory or config.yaml) is opened
at start.

options:
  --port N         port to listen on (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --host H         address to bind (default 127.0.0.1: this machine only).
                   Any other address (e.g. 0.0.0.0) exposes Berth to the network, so an
                   API key is then required on every /api call and the WebSocket: send it
                   as '${API_KEY_HEADER}: KEY' (or 'Authorization: Bearer KEY'; for the
                   WebSocket also '?key=KEY'). The key is BERTH_API_KEY when set, else a new
                   one generated at start and printed once.
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
  apiKey?: string | null;
  staticDir?: string | null;
  dataDir?: string;
  resourcesDir?: string;
  runtime?: Partial<BerthRuntimeOptions>;
}

export interface Serving {
  runtime: BerthRuntime;
  server: RunningServer;
  apiKey: string | null;
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
  const apiKey = o.apiKey !== undefined ? o.apiKey : loopback ? null : process.env.BERTH_API_KEY || `berth_${randomBytes(24).toString('base64url')}`;
  if (!loopback && !apiKey) throw new BerthError('BAD_REQUEST', `Listening on ${o.host} needs an API key.`, 'Set BERTH_API_KEY or leave it unset so one is generated.');
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
      apiKey,
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
  const opened: Serving['opened'] = [];
  for (const p of o.paths) {
    const r = await runtime.service.handle('deployments.open', { path: resolve(p) });
    opened.push(r.ok ? { path: p, ok: true } : { path: p, ok: false, message: `${r.error.message}${r.error.hint ? ` (${r.error.hint})` : ''}` });
  }
  let stopping: Promise<void> | null = null;
  return {
    runtime,
    server,
    apiKey,
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
  const serving = await startServe({ paths: args.positionals, port, host, keepRunning: args.values['keep-running'] });
  console.log(`Berth is serving on ${serving.server.url}`);
  if (serving.apiKey && !process.env.BERTH_API_KEY) {
    console.log(`\nAPI key (shown once; needed by every client since ${host} is not loopback):\n  ${serving.apiKey}\nOpen the UI at ${serving.server.url}?key=<key>, or send header '${API_KEY_HEADER}'.\n`);
  } else if (serving.apiKey) {
    console.log(`API key required: using BERTH_API_KEY.`);
  }
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
