// A real, local Docker registry for tests: Debian's `docker-registry` (distribution)
// serving on 127.0.0.1:<free port>, storage in a temp dir, optionally with htpasswd
// (bcrypt) auth. The Docker engine treats 127.0.0.0/8 registries as insecure by itself,
// so plain http push/pull works without daemon configuration.
//
//   const reg = await startRegistry();                                  // no auth
//   const sec = await startRegistry({ auth: { username: 'u', password: 'p' } });
//   reg.host === '127.0.0.1'; reg.address === '127.0.0.1:PORT'; reg.ref('x/y:1') === '127.0.0.1:PORT/x/y:1'
//   sec.authconfig -> { username, password, serveraddress } for dockerode push/pull
//   await reg.stop();                                                   // kills it, removes storage
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.js';
import { tmpDir } from './tmp.js';

export const REGISTRY_BIN = process.env.BERTH_TEST_REGISTRY_BIN || '/usr/bin/docker-registry';

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface LocalRegistry {
  /** Always 127.0.0.1. */
  host: string;
  port: number;
  /** "127.0.0.1:PORT": the registry part of image references. */
  address: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** Set when started with auth: dockerode's authconfig for push/pull. */
  authconfig?: { username: string; password: string; serveraddress: string };
  /** Image reference in this registry: ref('berth/x:1') -> '127.0.0.1:PORT/berth/x:1'. */
  ref(repoAndTag: string): string;
  /** The registry's own log (stdout+stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function startRegistry(opts: { auth?: RegistryAuth; timeoutMs?: number } = {}): Promise<LocalRegistry> {
  if (!fs.existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} is missing: apt-get install -y docker-registry`);
  }
  const dir = tmpDir('berth-registry-');
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir.dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${crypto.randomBytes(16).toString('hex')}`,
  ];
  if (opts.auth) {
    if (opts.auth.username.includes(':')) throw new Error('registry username must not contain ":"');
    // bcrypt is the only hash distribution accepts; htpasswd -B produces it.
    const entry = execFileSync('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password], { encoding: 'utf8' }).trim();
    const file = path.join(dir.dir, 'htpasswd');
    fs.writeFileSync(file, entry + '\n', { mode: 0o600 });
    lines.push('auth:', '  htpasswd:', '    realm: berth-test-registry', `    path: ${file}`);
  }
  const config = path.join(dir.dir, 'config.yml');
  fs.writeFileSync(config, lines.join('\n') + '\n');

  let output = '';
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });

  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(t);
    }
    dir.cleanup();
  };

  // Ready when /v2/ answers: 200 without auth, 401 with.
  const url = `http://127.0.0.1:${port}`;
  const want = opts.auth ? 401 : 200;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    if (exited) {
      dir.cleanup();
      throw new Error(`docker-registry exited at start: ${output.trim().slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === want) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${url} in time: ${output.trim().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const address = `127.0.0.1:${port}`;
  return {
    host: '127.0.0.1',
    port,
    address,
    url,
    authconfig: opts.auth ? { username: opts.auth.username, password: opts.auth.password, serveraddress: address } : undefined,
    ref: (repoAndTag) => `${address}/${repoAndTag.replace(/^\/+/, '')}`,
    log: () => output,
    stop,
  };
}
