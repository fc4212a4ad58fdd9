// Small helpers over image references: tag/digest split and "moving tag" detection.

export function splitImageRef(ref: string): { repo: string; tag: string | null; digest: string | null } {
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { repo: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { repo: rest, tag: null, digest };
}

const MOVING = new Set(['latest', 'nightly', 'main', 'master', 'dev', 'edge', 'stable', 'unstable', 'rolling', 'head']);

/** A tag that commonly points at new images over time; a digest pins the image. */
export function isMovingTag(ref: string): boolean {
  const { tag, digest } = splitImageRef(ref);
  if (digest) return false;
  return tag === null || MOVING.has(tag.toLowerCase());
}

/** Truss's default server base image when a config names no base_image. */
export function defaultBaseImage(pythonVersion: string | undefined): string {
  const m = /^py3(\d{1,2})$/.exec(pythonVersion ?? '');
  const minor = m ? m[1] : '11';
  return `baseten/truss-server-base:3.${minor}-v0.9.0`;
}
