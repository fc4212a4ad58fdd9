// The laptop half of starting the remote side: runs `<command> remote ensure-serve --json`
// over the SSH connection and turns every way that can fail into a message naming the
// machine and what to install or fix there. Versions of both sides are compared here.
import { quote } from 'shell-quote';
import { BerthError } from '../../../shared/errors.js';
import { API_VERSION } from '../../../shared/remote.js';
import type { EnsureServeResult } from './ensure-serve.js';
import type { SshConnection } from './ssh-connection.js';

export const DEFAULT_REMOTE_COMMAND = 'berth';

const INSTALL_HINT = 'Install Berth there: Node 20.19+ (nodejs.org or NodeSource) and then `npm i -g` of the Berth package (or its .deb), so that `berth` is on the PATH of non-interactive SSH sessions; or set the command with `berth remote add NAME URL --command "/path/to/berth"`.';

export interface Bootstrapped extends EnsureServeResult {
  /** Same API, other release: shown, not fatal. */
  versionWarning: string | null;
}

/** A JSON line printed by ensure-serve (its last non-empty line; shells may print banners first). */
function lastJson(out: string): unknown {
  const lines = out.trim().split('\n').reverse();
  for (const l of lines) {
    const t = l.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t);
    } catch {
      // keep looking
    }
  }
  return null;
}

export async function bootstrapRemote(conn: SshConnection, o: { command?: string | null; localVersion: string; allow?: string[] }): Promise<Bootstrapped> {
  const m = conn.machine;
  const command = o.command || DEFAULT_REMOTE_COMMAND;
  const allow = (o.allow ?? []).flatMap((d) => ['--allow', d]);
  const r = await conn.exec(`${command} ${quote(['remote', 'ensure-serve', '--json', ...allow])}`, { timeoutMs: 90_000 });
  const out = lastJson(r.stdout) as ({ ok: true } & EnsureServeResult) | { ok: false; error: { message: string; hint?: string } } | null;
  if (!out) {
    if (r.code === 127 || /not found|No such file/i.test(r.stderr)) {
      const node = await conn.exec('node --version', { timeoutMs: 15_000 }).catch(() => null);
      const nodeLine = node && node.code === 0 ? `Node ${node.stdout.trim()} is there${/^v(1\d|20\.(1[0-8]|\d)\.)/.test(node.stdout.trim()) ? ' but too old (Berth needs 20.19+)' : ''}.` : 'Node is not on the PATH there either.';
      throw new BerthError('NOT_FOUND', `Berth is not installed on machine '${m}' ('${command}' was not found). ${nodeLine}`, INSTALL_HINT);
    }
    if (/unknown command 'remote'/.test(r.stderr + r.stdout)) throw new BerthError('BAD_REQUEST', `The Berth on machine '${m}' is too old to be driven remotely (it has no 'berth remote').`, `Update Berth there to ${o.localVersion} or newer.`);
    const detail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
    throw new BerthError('INTERNAL', `Machine '${m}': '${command} remote ensure-serve' failed (exit ${r.code})${detail ? `:\n${detail}` : '.'}`, `Run it there by hand (ssh ${conn.target.user}@${conn.target.host} ${command} remote ensure-serve) to see why.`);
  }
  if (!out.ok) throw new BerthError('BAD_REQUEST', `Machine '${m}': ${out.error.message}`, out.error.hint);
  if (out.apiVersion !== API_VERSION) {
    const newer = out.apiVersion > API_VERSION ? 'this computer' : `machine '${m}'`;
    throw new BerthError('BAD_REQUEST', `Machine '${m}' runs Berth ${out.version} (API ${out.apiVersion}); this computer runs ${o.localVersion} (API ${API_VERSION}). The two cannot talk.`, `Update Berth on ${newer} so both have the same API version.`);
  }
  const versionWarning = out.version !== o.localVersion ? `Machine '${m}' runs Berth ${out.version}, this computer ${o.localVersion} (same API ${API_VERSION}, so they work together).` : null;
  return { ...out, versionWarning };
}
