// Where the Docker engine is: the same precedence the docker CLI uses, so Berth talks to
// the engine the user's terminal talks to. Pure apart from reading small files, so it can
// be re-run on every reconnect attempt (Docker Desktop's socket may appear later).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DockerOptions } from 'dockerode';

export type EndpointSource = 'settings' | 'DOCKER_HOST' | 'context' | 'default';

export interface ResolvedEndpoint {
  /** Canonical URL shown to the user: unix:///path, tcp://h:p, ssh://u@h, npipe:////./pipe/x. */
  url: string;
  source: EndpointSource;
  /** Docker context name when source is 'context'. */
  context?: string;
  /** Options for `new Docker(...)`. */
  options: DockerOptions;
  /** Present when the URL could not be understood; options then point at the default socket. */
  problem?: string;
}

export interface ResolveInput {
  /** Settings override (a URL as in DOCKER_HOST, or a bare socket path). */
  override?: string | null;
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  platform?: NodeJS.Platform;
  /** Injected for tests; defaults to fs.existsSync. */
  exists?: (path: string) => boolean;
}

export const WINDOWS_PIPE = '//./pipe/docker_engine';

function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** The socket a local engine most likely listens on, in the order Docker's own tools try them. */
export function defaultSocketCandidates(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return [WINDOWS_PIPE];
  const list = ['/var/run/docker.sock', join(home, '.docker', 'run', 'docker.sock'), join(home, '.docker', 'desktop', 'docker.sock')];
  if (env.XDG_RUNTIME_DIR) list.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  return list;
}

interface ContextEndpoint {
  host: string;
  skipTls: boolean;
  tlsDir: string | null;
}

/** The active docker context's endpoint, or null for the "default" context / none set. */
export function activeContext(env: NodeJS.ProcessEnv, home: string, exists: (p: string) => boolean): { name: string; endpoint: ContextEndpoint | null } | null {
  const dir = dockerConfigDir(env, home);
  let name = env.DOCKER_CONTEXT || '';
  if (!name) {
    const cfg = readJson(join(dir, 'config.json')) as { currentContext?: unknown } | null;
    if (cfg && typeof cfg.currentContext === 'string') name = cfg.currentContext;
  }
  if (!name || name === 'default') return null;
  const id = createHash('sha256').update(name).digest('hex');
  const meta = readJson(join(dir, 'contexts', 'meta', id, 'meta.json')) as
    | { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } }
    | null;
  const host = meta?.Endpoints?.docker?.Host;
  if (typeof host !== 'string' || !host) return { name, endpoint: null };
  const tlsDir = join(dir, 'contexts', 'tls', id, 'docker');
  return { name, endpoint: { host, skipTls: meta?.Endpoints?.docker?.SkipTLSVerify === true, tlsDir: exists(join(tlsDir, 'ca.pem')) ? tlsDir : null } };
}

function readIf(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Turns an engine URL into dockerode options. TLS material comes from `tlsDir`
 * (DOCKER_CERT_PATH or the context's tls dir) when `tls` is set.
 */
export function urlToOptions(raw: string, tls: { verify: boolean; dir: string | null } = { verify: false, dir: null }): { url: string; options: DockerOptions } {
  const value = raw.trim();
  if (value.startsWith('/') && !value.startsWith('//')) return { url: `unix://${value}`, options: { socketPath: value } };
  if (value.startsWith('unix://')) {
    const p = value.slice('unix://'.length);
    if (!p) throw new Error(`"${raw}" has no socket path`);
    return { url: value, options: { socketPath: p } };
  }
  if (value.startsWith('npipe://') || value.startsWith('//./pipe/') || value.startsWith('\\\\.\\pipe\\')) {
    let p = value.startsWith('npipe://') ? value.slice('npipe://'.length) : value;
    if (!p) p = WINDOWS_PIPE;
    p = p.replace(/\\/g, '/');
    return { url: `npipe://${p}`, options: { socketPath: p } };
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`"${raw}" is not an engine address (expected unix://, tcp://, ssh:// or npipe://)`);
  }
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    if (!u.hostname) throw new Error(`"${raw}" has no host`);
    const useTls = tls.verify || u.protocol === 'https:';
    const port = u.port ? Number(u.port) : useTls ? 2376 : 2375;
    const options: DockerOptions = { host: u.hostname, port, protocol: useTls ? 'https' : 'http' };
    if (useTls && tls.dir) {
      options.ca = readIf(join(tls.dir, 'ca.pem'));
      options.cert = readIf(join(tls.dir, 'cert.pem'));
      options.key = readIf(join(tls.dir, 'key.pem'));
    }
    return { url: `tcp://${u.hostname}:${port}`, options };
  }
  if (u.protocol === 'ssh:') {
    if (!u.hostname) throw new Error(`"${raw}" has no host`);
    const options: DockerOptions = {
      protocol: 'ssh',
      host: u.hostname,
      port: u.port ? Number(u.port) : 22,
      username: u.username ? decodeURIComponent(u.username) : undefined,
      // docker-modem runs `docker system dial-stdio` over ssh, as the docker CLI does.
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    } as DockerOptions;
    return { url: `ssh://${u.username ? `${u.username}@` : ''}${u.hostname}${u.port ? `:${u.port}` : ''}`, options };
  }
  throw new Error(`"${raw}" uses ${u.protocol.replace(':', '')}://, which Docker does not speak (use unix://, tcp://, ssh:// or npipe://)`);
}

/** Resolves the engine endpoint: settings override, DOCKER_HOST, active context, default socket. */
export function resolveEndpoint(input: ResolveInput = {}): ResolvedEndpoint {
  const env = input.env ?? process.env;
  const home = input.homeDir ?? homedir();
  const platform = input.platform ?? process.platform;
  const exists = input.exists ?? existsSync;
  const fallback = (): ResolvedEndpoint => {
    const candidates = defaultSocketCandidates(env, home, platform);
    const found = candidates.find((c) => exists(c)) ?? candidates[0];
    const { url, options } = urlToOptions(platform === 'win32' ? `npipe://${found}` : `unix://${found}`);
    return { url, options, source: 'default' };
  };
  const attempt = (raw: string, source: EndpointSource, tls: { verify: boolean; dir: string | null }, context?: string): ResolvedEndpoint => {
    try {
      const { url, options } = urlToOptions(raw, tls);
      return { url, options, source, ...(context ? { context } : {}) };
    } catch (err) {
      return { ...fallback(), source, ...(context ? { context } : {}), problem: (err as Error).message };
    }
  };

  if (input.override && input.override.trim()) return attempt(input.override, 'settings', { verify: !!env.DOCKER_TLS_VERIFY, dir: env.DOCKER_CERT_PATH || dockerConfigDir(env, home) });
  if (env.DOCKER_HOST && env.DOCKER_HOST.trim()) {
    return attempt(env.DOCKER_HOST, 'DOCKER_HOST', { verify: !!env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0', dir: env.DOCKER_CERT_PATH || dockerConfigDir(env, home) });
  }
  const ctx = activeContext(env, home, exists);
  if (ctx) {
    if (!ctx.endpoint) return { ...fallback(), source: 'context', context: ctx.name, problem: `Docker context "${ctx.name}" is selected but its metadata was not found` };
    return attempt(ctx.endpoint.host, 'context', { verify: !!ctx.endpoint.tlsDir && !ctx.endpoint.skipTls, dir: ctx.endpoint.tlsDir }, ctx.name);
  }
  return fallback();
}
