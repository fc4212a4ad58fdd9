// Credentials for pulling: a Berth secret named by base_image.docker_auth wins; otherwise
// whatever `docker login` stored (config.json auths, credHelpers, credsStore). Values are
// returned for the X-Registry-Auth header only and never logged; `source` says where they
// came from without saying what they are.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import { DOCKER_HUB, authKeysFor, parseImageRef } from './image-ref.js';

export interface DockerAuthConfig {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

export interface RegistryAuth {
  registry: string;
  /** Human description of where the credentials came from, e.g. "Berth secret ngc_key". */
  source: string;
  secretName?: string;
  auth: DockerAuthConfig;
}

export interface SecretAuthInput {
  secretName: string;
  /** "user:password", JSON {username,password} (or {auth}), or a GCP service-account JSON key. */
  value: string;
  /** base_image.docker_auth.registry; defaults to the image's registry. */
  registry?: string;
  authMethod?: string;
}

export interface RegistryAuthOptions {
  /** Directory holding config.json (default $DOCKER_CONFIG or ~/.docker). */
  dockerConfigDir?: string;
  /** Or the config.json file itself. */
  dockerConfigPath?: string;
  secretAuth?: SecretAuthInput | null;
  env?: NodeJS.ProcessEnv;
  helperTimeoutMs?: number;
}

function serverAddress(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (s: string) => {
    const h = s.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
    return h === 'index.docker.io' || h === 'registry-1.docker.io' ? DOCKER_HUB : h;
  };
  return norm(a) === norm(b);
}

export function parseSecretCredentials(value: string, secretName: string, authMethod?: string): { username?: string; password?: string; identitytoken?: string } {
  const bad = () =>
    new BerthError(
      'REGISTRY_AUTH',
      `The Berth secret "${secretName}" is not in a registry credential format.`,
      `Set it to "username:password" or to JSON {"username": "...", "password": "..."} (Secrets page, or \`berth secrets set ${secretName}\`).`,
    );
  const v = value.trim();
  if (!v) throw bad();
  if (v.startsWith('{')) {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(v) as Record<string, unknown>;
    } catch {
      throw bad();
    }
    // A GCP service-account key is used as the password of the special user _json_key.
    if (j.type === 'service_account' || /GCP_SERVICE_ACCOUNT_JSON/i.test(authMethod ?? '')) return { username: '_json_key', password: v };
    if (typeof j.username === 'string' && typeof j.password === 'string') return { username: j.username, password: j.password };
    if (typeof j.auth === 'string') return decodeBasic(j.auth) ?? (() => { throw bad(); })();
    if (typeof j.identitytoken === 'string') return { identitytoken: j.identitytoken };
    throw bad();
  }
  const i = v.indexOf(':');
  if (i <= 0) throw bad();
  return { username: v.slice(0, i), password: v.slice(i + 1) };
}

function decodeBasic(b64: string): { username: string; password: string } | null {
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i > 0 ? { username: text.slice(0, i), password: text.slice(i + 1) } : null;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Runs `docker-credential-<helper> get`, the protocol every credential helper speaks. */
export function credentialHelperGet(helper: string, server: string, timeoutMs = 10_000): Promise<{ Username: string; Secret: string } | null> {
  return new Promise((resolve) => {
    let out = '';
    let done = false;
    const finish = (v: { Username: string; Secret: string } | null) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(v);
      }
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(`docker-credential-${helper}`, ['get'], { stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      return resolve(null);
    }
    const timer = setTimeout(() => {
      child.kill();
      finish(null);
    }, timeoutMs);
    child.on('error', () => finish(null));
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('close', (code) => {
      if (code !== 0) return finish(null);
      try {
        const j = JSON.parse(out) as { Username?: string; Secret?: string };
        finish(typeof j.Secret === 'string' ? { Username: j.Username ?? '', Secret: j.Secret } : null);
      } catch {
        finish(null);
      }
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(server);
  });
}

/** Credentials for pulling `ref`, or null for an anonymous pull. Throws only for a malformed Berth secret. */
export async function registryAuthFor(ref: string, opts: RegistryAuthOptions = {}): Promise<RegistryAuth | null> {
  const { registry } = parseImageRef(ref);
  const sa = opts.secretAuth;
  if (sa && (!sa.registry || sameRegistry(sa.registry, registry))) {
    const creds = parseSecretCredentials(sa.value, sa.secretName, sa.authMethod);
    return { registry, source: `Berth secret "${sa.secretName}"`, secretName: sa.secretName, auth: { ...creds, serveraddress: serverAddress(registry) } };
  }
  const env = opts.env ?? process.env;
  const file = opts.dockerConfigPath ?? join(opts.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  let cfg: DockerConfigFile;
  try {
    cfg = JSON.parse(await readFile(file, 'utf8')) as DockerConfigFile;
  } catch {
    return null;
  }
  const keys = authKeysFor(registry);
  const helper = Object.entries(cfg.credHelpers ?? {}).find(([k]) => sameRegistry(k, registry))?.[1];
  const viaHelper = async (h: string): Promise<RegistryAuth | null> => {
    const got = await credentialHelperGet(h, serverAddress(registry), opts.helperTimeoutMs);
    if (!got) return null;
    const auth: DockerAuthConfig =
      got.Username === '<token>' ? { identitytoken: got.Secret, serveraddress: serverAddress(registry) } : { username: got.Username, password: got.Secret, serveraddress: serverAddress(registry) };
    return { registry, source: `docker-credential-${h} (${file})`, auth };
  };
  if (helper) return viaHelper(helper);
  const entry = keys.map((k) => cfg.auths?.[k]).find(Boolean) ?? Object.entries(cfg.auths ?? {}).find(([k]) => sameRegistry(k, registry))?.[1];
  if (entry) {
    const basic = entry.auth ? decodeBasic(entry.auth) : entry.username && entry.password ? { username: entry.username, password: entry.password } : null;
    if (basic) return { registry, source: `docker login (${file})`, auth: { ...basic, serveraddress: serverAddress(registry) } };
    if (entry.identitytoken) return { registry, source: `docker login (${file})`, auth: { identitytoken: entry.identitytoken, serveraddress: serverAddress(registry) } };
  }
  if (cfg.credsStore) return viaHelper(cfg.credsStore);
  return null;
}
