// Makes sure the model's image is on the engine: reuse the local copy unless a re-pull is
// asked for, otherwise pull with per-layer progress, and report the digest actually run.
import { onJsonLines } from './json-lines.js';
import type Docker from 'dockerode';
import type { PullProgress } from '../../../shared/deployment.js';
import { BerthError } from '../../../shared/errors.js';
import { normalizedRef, parseImageRef } from './image-ref.js';
import { PullProgressTracker, type PullMessage } from './pull-progress.js';
import type { RegistryAuth } from './registry-auth.js';

export { registryAuthFor, type RegistryAuth, type RegistryAuthOptions, type SecretAuthInput } from './registry-auth.js';
export { parseImageRef, normalizedRef } from './image-ref.js';

export type PullFailure = 'not-found' | 'auth' | 'unreachable' | 'other';

/** A pull failure; `failure` tells the three user-fixable cases apart. */
export class PullError extends BerthError {
  readonly failure: PullFailure;
  constructor(failure: PullFailure, code: ConstructorParameters<typeof BerthError>[0], message: string, hint: string) {
    super(code, message, hint);
    this.failure = failure;
  }
}

export interface EnsureImageOptions {
  repull?: boolean;
  auth?: RegistryAuth | null;
  onProgress?: (p: PullProgress) => void;
  /** Minimum ms between progress callbacks (the last one always comes). */
  progressIntervalMs?: number;
  signal?: AbortSignal;
}

export interface EnsuredImage {
  ref: string;
  id: string;
  /** repo@sha256:... of what will run; null for images never pushed/pulled (local builds). */
  digest: string | null;
  pulled: boolean;
  movingTag: boolean;
  /** Shown to the user when the tag can move under them. */
  warning?: string;
}

function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string } | null;
  // dockerode prefixes "(HTTP code 500) server error - "; the engine's own text is what matters.
  return String(e?.json?.message ?? e?.message ?? err ?? '').replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}

export function translatePullError(message: string, ref: string, auth: RegistryAuth | null | undefined): PullError {
  const { registry } = parseImageRef(ref);
  const m = message.toLowerCase();
  const who = auth ? auth.source : 'no credentials';
  if (/unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied: requested access|401|403 forbidden|access (to the resource )?is denied/.test(m) && !/manifest unknown/.test(m)) {
    const login = `docker login${registry === 'docker.io' ? '' : ` ${registry}`}`;
    return new PullError(
      'auth',
      'REGISTRY_AUTH',
      auth ? `Credentials for ${registry} were refused when pulling ${ref} (from ${who}).` : `${registry} requires credentials to pull ${ref}.`,
      auth?.secretName
        ? `Check the Berth secret "${auth.secretName}" (value "user:password" or {"username": ..., "password": ...}) and base_image.docker_auth.registry, then retry.`
        : auth
          ? `Check \`${login}\`: the stored credentials were refused. Log in again, then retry.`
          : `Run \`${login}\`, or set base_image.docker_auth with a Berth secret, then retry.`,
    );
  }
  if (/manifest unknown|manifest for .* not found|not found: manifest|repository does not exist|no such image|name unknown|404/.test(m)) {
    const tagHint = parseImageRef(ref).tag ? 'Check the image name and tag (typo? tag removed?)' : 'Check the image name';
    return new PullError(
      'not-found',
      'IMAGE_NOT_FOUND',
      `Image ${ref} was not found on ${registry}.`,
      `${tagHint} in base_image.image${auth ? '' : '; if the repository is private, `docker login` first'}.`,
    );
  }
  if (/connection refused|no such host|i\/o timeout|tls handshake|dial tcp|network is unreachable|client\.timeout|server gave http response|timeout exceeded|no route to host|eof/.test(m)) {
    return new PullError(
      'unreachable',
      'REGISTRY_UNREACHABLE',
      `Registry ${registry} could not be reached to pull ${ref}.`,
      'Check your network / proxy and that the registry is up; an image already on this machine can be run without re-pulling.',
    );
  }
  return new PullError('other', 'IMAGE_PULL_FAILED', `Pulling ${ref} failed: ${message.split('\n')[0].slice(0, 300)}`, 'Try `docker pull` of the same image in a terminal to see the full engine output.');
}

async function inspectOrNull(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

export function pickDigest(info: Docker.ImageInspectInfo, ref: string): string | null {
  const repo = parseImageRef(ref).repository;
  const digests = info.RepoDigests ?? [];
  const match = digests.find((d) => d.slice(0, d.indexOf('@')) === repo) ?? digests.find((d) => parseImageRef(d).repository === repo);
  return match ?? null;
}

function movingWarning(ref: string): string {
  return `${ref} uses a moving tag: the local copy may be older than the registry's. Re-pull to refresh, or pin a digest (image@sha256:...) for repeatable runs.`;
}

export async function ensureImage(docker: Docker, ref: string, opts: EnsureImageOptions = {}): Promise<EnsuredImage> {
  const parsed = parseImageRef(ref);
  const canonical = normalizedRef(ref);
  const result = (info: Docker.ImageInspectInfo, pulled: boolean): EnsuredImage => ({
    ref,
    id: info.Id,
    digest: parsed.digest ? `${parsed.repository}@${parsed.digest}` : pickDigest(info, ref),
    pulled,
    movingTag: parsed.movingTag,
    ...(parsed.movingTag ? { warning: movingWarning(ref) } : {}),
  });

  if (!opts.repull) {
    const local = await inspectOrNull(docker, canonical);
    if (local) return result(local, false);
  }

  const tracker = new PullProgressTracker(ref);
  const interval = opts.progressIntervalMs ?? 100;
  let lastEmit = 0;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await (docker.pull as unknown as (r: string, o: object) => Promise<NodeJS.ReadableStream>)(canonical, {
      ...(opts.auth ? { authconfig: opts.auth.auth } : {}),
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    })) as NodeJS.ReadableStream;
  } catch (err) {
    throw translatePullError(engineMessage(err), ref, opts.auth);
  }

  const failure = await new Promise<string | null>((resolve) => {
    let failed: string | null = null;
    onJsonLines<PullMessage>(stream, (msg) => {
      if (msg.error || msg.errorDetail?.message) {
        failed ??= msg.errorDetail?.message ?? msg.error ?? 'pull failed';
        return;
      }
      if (tracker.update(msg) && opts.onProgress) {
        const now = Date.now();
        if (now - lastEmit >= interval) {
          lastEmit = now;
          opts.onProgress(tracker.snapshot());
        }
      }
    });
    stream.on('end', () => resolve(failed));
    stream.on('error', (err: Error) => resolve(failed ?? engineMessage(err)));
  });
  if (failure) throw translatePullError(failure, ref, opts.auth);

  const info = await inspectOrNull(docker, canonical);
  if (!info) throw new PullError('other', 'IMAGE_NOT_FOUND', `The engine finished pulling ${ref} but does not list the image.`, 'Retry the pull; if it persists, run `docker pull` in a terminal.');
  const out = result(info, true);
  opts.onProgress?.(tracker.complete(out.digest?.split('@')[1] ?? tracker.digest));
  return out;
}
