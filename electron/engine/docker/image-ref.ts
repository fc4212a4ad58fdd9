// Docker image reference parsing (the "distribution/reference" rules, enough for auth and
// digests): which registry holds it, which repository, tag and digest.

export interface ImageRef {
  /** Registry host as Docker uses it for auth ("docker.io" for Docker Hub). */
  registry: string;
  /** Repository path inside the registry, e.g. "library/busybox", "vllm/vllm-openai". */
  path: string;
  /** Repository as `docker images` shows it ("busybox", "vllm/vllm-openai", "localhost:5000/x"). */
  repository: string;
  tag: string | null;
  digest: string | null;
  /** No digest and the tag is missing or "latest": the local copy may be stale. */
  movingTag: boolean;
}

export const DOCKER_HUB = 'docker.io';

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0];
  const hasRegistry = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let registry = hasRegistry ? first : DOCKER_HUB;
  let path = hasRegistry ? rest.slice(first.length + 1) : rest;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  const repository = registry === DOCKER_HUB ? path.replace(/^library\//, '') : `${registry}/${path}`;
  return { registry, path, repository, tag, digest, movingTag: !digest && (tag === null || tag === 'latest') };
}

/** The reference with an explicit tag (":latest" when none), as the engine stores it. */
export function normalizedRef(ref: string): string {
  const r = parseImageRef(ref);
  if (r.digest) return `${r.repository}${r.tag ? `:${r.tag}` : ''}@${r.digest}`;
  return `${r.repository}:${r.tag ?? 'latest'}`;
}

/** Keys under which ~/.docker/config.json may store this registry's credentials. */
export function authKeysFor(registry: string): string[] {
  if (registry === DOCKER_HUB) return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'https://index.docker.io/v1', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}
