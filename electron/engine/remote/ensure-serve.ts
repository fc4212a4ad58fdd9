// The remote half of a machine connection, run there as `berth remote ensure-serve --json`
// over SSH: finds the `berth serve` this account runs for laptops, or starts one (a systemd
// user service where a user manager runs, else a detached process with a pid file), and
// prints what the laptop needs: port, token, versions. The token leaves only through this
// command's stdout, which is the SSH channel. The serve binds 127.0.0.1 only; the laptop
// reaches it through a direct-tcpip channel of the same connection.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { API_VERSION } from '../../../shared/remote.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readServeState, remoteServeFiles } from './serve-state.js';

export interface EnsureServeResult {
  version: string;
  apiVersion: number;
  node: string;
  dataDir: string;
  uploadsDir: string;
  port: number;
  token: string;
  manager: 'systemd' | 'process';
  /** True when this call started it. */
  started: boolean;
  pid: number;
}

export const MIN_NODE = [20, 19] as const;

export function nodeTooOld(version: string): boolean {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number);
  return maj < MIN_NODE[0] || (maj === MIN_NODE[0] && min < MIN_NODE[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answers(port: number, token: string): Promise<{ version: string } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/app.info`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
    if (!res.ok) return null;
    const body = (await res.json()) as { ok: boolean; result?: { version: string } };
    return body.ok && body.result ? body.result : null;
  } catch {
    return null;
  }
}

function systemdUserAvailable(): boolean {
  if (process.platform !== 'linux' || process.env.BERTH_REMOTE_NO_SYSTEMD) return false;
  const r = spawnSync('systemctl', ['--user', 'show-environment'], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

/** systemd's ExecStart takes C-style double-quoted words. */
function unitWord(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function ensureServe(o: { dataDir: string; version: string; cliScript: string; allow?: string[] }): Promise<EnsureServeResult> {
  if (nodeTooOld(process.version)) throw new BerthError('BAD_REQUEST', `Node ${process.version} is too old for Berth here (needs ${MIN_NODE.join('.')}+).`, 'Install Node 20.19+ or 22.12+ on this machine (nodejs.org or NodeSource), then retry.');
  const f = remoteServeFiles(o.dataDir);
  await mkdir(f.dir, { recursive: true, mode: 0o700 });
  await mkdir(f.uploads, { recursive: true, mode: 0o700 });
  if (!existsSync(f.token)) await writeFileAtomic(f.token, randomBytes(24).toString('hex'), { mode: 0o600 });
  const token = readFileSync(f.token, 'utf8').trim();
  const base = { apiVersion: API_VERSION, node: process.version, dataDir: o.dataDir, uploadsDir: f.uploads, token };

  const existing = await readServeState(f.state);
  if (existing && alive(existing.pid)) {
    const info = await answers(existing.port, token);
    if (info) return { ...base, version: info.version, port: existing.port, manager: systemdUserAvailable() ? 'systemd' : 'process', started: false, pid: existing.pid };
  }
  rmSync(f.state, { force: true });
  const allow = o.allow?.length ? o.allow : [homedir()];
  const args = [o.cliScript, 'serve', '--port', '0', '--token-file', f.token, '--state-file', f.state, '--keep-running', '--allow', f.uploads, ...allow.flatMap((d) => ['--allow', d])];
  let manager: EnsureServeResult['manager'];
  if (systemdUserAvailable()) {
    manager = 'systemd';
    const unitDir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user');
    await mkdir(unitDir, { recursive: true });
    const unit = ['[Unit]', 'Description=Berth serve for remote laptops', '', '[Service]', `Environment=BERTH_HOME=${unitWord(o.dataDir)}`, `ExecStart=${[process.execPath, ...args].map(unitWord).join(' ')}`, 'Restart=on-failure', '', '[Install]', 'WantedBy=default.target', ''].join('\n');
    writeFileSync(join(unitDir, 'berth-serve.service'), unit);
    spawnSync('systemctl', ['--user', 'daemon-reload'], { stdio: 'ignore' });
    const r = spawnSync('systemctl', ['--user', 'restart', 'berth-serve.service'], { encoding: 'utf8' });
    if (r.status !== 0) throw new BerthError('INTERNAL', `systemctl --user restart berth-serve failed: ${(r.stderr || '').trim()}`, 'Run journalctl --user -u berth-serve on this machine to see why.');
  } else {
    manager = 'process';
    const log = openSync(f.log, 'a', 0o600);
    // Detached in its own session: the SSH channel closing must not take it down.
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, BERTH_HOME: o.dataDir } });
    child.unref();
    writeFileSync(f.pid, String(child.pid), { mode: 0o600 });
  }
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const s = await readServeState(f.state);
    if (s) {
      const info = await answers(s.port, token);
      if (info) return { ...base, version: info.version, port: s.port, manager, started: true, pid: s.pid };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = existsSync(f.log) ? readFileSync(f.log, 'utf8').split('\n').slice(-8).join('\n') : '';
  throw new BerthError('ENGINE_UNAVAILABLE', `berth serve did not come up within 45 s.${tail ? `\nIts log (${f.log}):\n${tail}` : ''}`, manager === 'systemd' ? 'See journalctl --user -u berth-serve on this machine.' : `See ${f.log} on this machine.`);
}
