// Secret names become file names in the container (/secrets/<name>), so they must be safe
// path components. Truss names are typically like hf_access_token or dockerhub-password.
import { BerthError } from '../../../shared/errors.js';

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isValidSecretName(name: string): boolean {
  return NAME_RE.test(name) && name !== '.' && name !== '..';
}

export function assertSecretName(name: string): void {
  if (!isValidSecretName(name)) {
    throw new BerthError(
      'BAD_REQUEST',
      `"${name.length > 60 ? name.slice(0, 60) + '…' : name}" is not a valid secret name.`,
      'Use letters, digits, "_", "-" or "." (at most 128 characters, not starting with "." or "-"), e.g. hf_access_token — the same name as under `secrets:` in config.yaml.',
    );
  }
}
