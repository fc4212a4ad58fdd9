// Where and how to reach a machine: its ssh:// URL refined by the user's ~/.ssh/config
// (HostName, User, Port, IdentityFile, IdentityAgent, UserKnownHostsFile), as `ssh` would.
// ssh-config computes the first-obtained-value-wins result for the host; `Match exec` is not
// run (no shell commands from a config file inside the app).
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { BerthError } from '../../../shared/errors.js';

export interface SshUrl {
  user: string | null;
  host: string;
  port: number | null;
}

export interface SshTarget {
  /** The name the user gave (host alias in ~/.ssh/config, or the address). */
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** ssh-agent socket, or null when none is set. */
  agent: string | null;
  knownHostsFiles: string[];
}

/** Parses ssh://[user@]host[:port]; anything else is refused with the expected form. */
export function parseSshUrl(url: string): SshUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BerthError('BAD_REQUEST', `'${url}' is not an ssh:// URL.`, 'Write it as ssh://user@host or ssh://user@host:2222 (a Host alias from ~/.ssh/config works as host).');
  }
  if (u.protocol !== 'ssh:' || !u.hostname) throw new BerthError('BAD_REQUEST', `'${url}' is not an ssh:// URL.`, 'Write it as ssh://user@host or ssh://user@host:2222.');
  if (u.password) throw new BerthError('BAD_REQUEST', 'Passwords in the URL are not accepted.', 'Berth signs in with your SSH keys or ssh-agent: drop the password from the URL.');
  if ((u.pathname && u.pathname !== '/') || u.search) throw new BerthError('BAD_REQUEST', `'${url}' has a path or query; Berth needs only user, host and port.`, 'Write it as ssh://user@host[:port].');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { user: u.username ? decodeURIComponent(u.username) : null, host, port: u.port ? Number(u.port) : null };
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export interface ResolveOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** The ssh config file (default ~/.ssh/config). */
  configFile?: string;
}

/** Applies ~/.ssh/config to the URL; URL parts given explicitly win, as on ssh's command line. */
export function resolveTarget(url: string, o: ResolveOptions = {}): SshTarget {
  const home = o.home ?? homedir();
  const env = o.env ?? process.env;
  const parsed = parseSshUrl(url);
  const file = o.configFile ?? join(home, '.ssh', 'config');
  let computed: Record<string, string | string[]> = {};
  if (existsSync(file)) {
    try {
      computed = SSHConfig.parse(readFileSync(file, 'utf8')).compute(parsed.host, { ignoreCase: true, matchExec: false } as never);
    } catch (err) {
      throw new BerthError('BAD_REQUEST', `Could not read ${file}: ${(err as Error).message}.`, 'Fix the ssh config file (ssh -G HOST shows how ssh reads it).');
    }
  }
  const get = (k: string) => first(computed[k] ?? computed[k.toLowerCase()]);
  const port = parsed.port ?? Number(get('Port') ?? 22);
  const idFiles = (computed.IdentityFile ?? computed.identityfile ?? []) as string[] | string;
  const identityFiles = (Array.isArray(idFiles) ? idFiles : [idFiles]).map((p) => expandHome(p, home));
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(home, '.ssh', n));
  const agentSetting = get('IdentityAgent');
  const agent = agentSetting === 'none' ? null : agentSetting && agentSetting !== 'SSH_AUTH_SOCK' ? expandHome(agentSetting, home) : env.SSH_AUTH_SOCK || null;
  const userKnown = get('UserKnownHostsFile');
  const knownHostsFiles = (userKnown ? userKnown.split(/\s+/) : [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')]).map((p) => expandHome(p, home));
  knownHostsFiles.push('/etc/ssh/ssh_known_hosts');
  let user = parsed.user ?? get('User');
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = env.USER ?? 'root';
    }
  }
  return {
    alias: parsed.host,
    host: get('HostName') ?? parsed.host,
    port,
    user,
    identityFiles: identityFiles.length ? identityFiles : defaults.filter((f) => existsSync(f)),
    agent,
    knownHostsFiles,
  };
}
