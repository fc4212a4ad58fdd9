// Process helpers for the benchmarks: the fixture upstream, the gateway child, nginx.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

const children = new Set();
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
export function stopAll() {
  for (const c of children) c.kill('SIGTERM');
}
process.on('exit', stopAll);

export async function startFixture(env = {}) {
  const port = await freePort();
  track(
    spawn(process.execPath, [path.join(root, 'test/fixtures/model-server/server.mjs'), '--port', String(port), '--host', '127.0.0.1'], {
      env: { ...process.env, FIXTURE_TOKENS_PER_SEC: '0', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  await waitForPort(port);
  return port;
}

export async function startGatewayChild(bundle, upstreamPort) {
  const child = track(spawn(process.execPath, [path.join(root, 'bench/lib/gateway-child.mjs'), bundle, String(upstreamPort)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl !== -1) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`gateway child exited with ${code}`)));
  });
  return { port: JSON.parse(line).port, pid: child.pid };
}

/** User+system CPU time of a process so far, in ms (Linux /proc; null elsewhere). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime+stime in 100 Hz ticks
  } catch {
    return null;
  }
}

/** Child pids of a process (nginx's worker under its master). */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
