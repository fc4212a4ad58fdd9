// Real sockets and the real engine. The EACCES case runs a child process as `nobody`
// (we are root here, and root ignores file modes) against a root-only socket.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineConnection, type EngineStatus } from '../../../electron/engine/docker/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-docker-conn-'));
chmodSync(dir, 0o755);
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function listen(path: string, onConn: (s: Socket) => void): Promise<Server> {
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    onConn(s);
  });
  servers.push(srv);
  return new Promise((resolve) => srv.listen(path, () => resolve(srv)));
}

describe('EngineConnection against real sockets', () => {
  it('explains a socket that does not exist (Docker absent)', async () => {
    const conn = new EngineConnection({ override: join(dir, 'missing.sock') });
    const s = await conn.ping();
    expect(s.up).toBe(false);
    expect(s.code).toBe('ENGINE_UNAVAILABLE');
    expect(s.reason).toMatch(/not running or not installed/);
    expect(s.hint).toMatch(/Docker Desktop|systemctl start docker/);
    await expect(conn.require()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('explains a path that refuses connections (engine stopped)', async () => {
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, '');
    const s = await new EngineConnection({ override: file }).ping();
    expect(s).toMatchObject({ up: false, code: 'ENGINE_UNAVAILABLE' });
    expect(s.reason).toMatch(/refused/);
  });

  it('explains a socket the user may not open (EACCES), seen by a non-root process', async () => {
    const sock = join(dir, 'root-only.sock');
    await listen(sock, (s) => s.end());
    chmodSync(sock, 0o600);
    const script = join(dir, 'ping.cjs');
    await build({
      stdin: {
        contents: `import { EngineConnection } from ${JSON.stringify(join(process.cwd(), 'electron/engine/docker/connection.ts'))};
          void new EngineConnection({ override: process.argv[2], pingTimeoutMs: 3000 }).ping().then((s) => console.log(JSON.stringify(s)));`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: script,
      // ssh2's native helpers are optional (it falls back to JS); leave them out of the bundle.
      external: ['*.node', 'cpu-features'],
      logLevel: 'silent',
    });
    chmodSync(script, 0o644);
    const r = spawnSync(process.execPath, [script, sock], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as EngineStatus;
    expect(s.up).toBe(false);
    expect(s.code).toBe('ENGINE_PERMISSION');
    expect(s.reason).toMatch(/Permission denied/);
    expect(s.hint).toMatch(/sudo usermod -aG docker \$USER/);
  });

  it('bounds a ping to an engine that never answers', async () => {
    const sock = join(dir, 'silent.sock');
    await listen(sock, () => {});
    const t0 = Date.now();
    const s = await new EngineConnection({ override: sock, pingTimeoutMs: 400 }).ping();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(s.up).toBe(false);
    expect(s.reason).toMatch(/did not answer/);
  });

  it('reports the real engine up with its versions', async () => {
    const s = await new EngineConnection({ override: 'unix:///var/run/docker.sock' }).ping();
    expect(s.up).toBe(true);
    expect(s.version).toBe(execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim());
    expect(s.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('notices the engine coming back without a restart', async () => {
    const sock = join(dir, 'later.sock');
    const conn = new EngineConnection({ override: sock, retryMinMs: 100, retryMaxMs: 400, pingTimeoutMs: 1000, healthCheckMs: 60_000 });
    const seen: EngineStatus[] = [];
    conn.on('status', (s: EngineStatus) => seen.push(s));
    conn.start();
    await new Promise((r) => setTimeout(r, 600));
    expect(conn.status.up).toBe(false);
    // The "engine starts": a proxy to the real engine appears at the configured socket.
    await listen(sock, (client) => {
      const upstream = createConnection('/var/run/docker.sock');
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const up = await new Promise<EngineStatus>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no up status within 5 s')), 5000);
      conn.on('status', (s: EngineStatus) => {
        if (s.up) {
          clearTimeout(t);
          resolve(s);
        }
      });
    });
    conn.stop();
    expect(up.endpoint).toBe(`unix://${sock}`);
    expect(seen[0].up).toBe(false);
    expect((await conn.docker.version()).Version).toBe(up.version);
  });
});
