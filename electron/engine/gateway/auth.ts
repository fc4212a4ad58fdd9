// API-key rules for the gateway. The key is compared in constant time and never logged.
import { createHash, timingSafeEqual } from 'node:crypto';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

/**
 * Whether a Host header names this machine's loopback (any port). A gateway bound to
 * loopback answers only such requests: a page whose own name resolves to 127.0.0.1 (DNS
 * rebinding) must not become same-origin with the model.
 */
export function isLoopbackHostHeader(value: string | undefined): boolean {
  if (!value) return false;
  const v = value.trim();
  const host = v.startsWith('[') ? v.slice(0, v.indexOf(']') + 1) : v.replace(/:\d*$/, '');
  return isLoopbackHost(host);
}

/**
 * Holds the digest of the gateway key. Comparing fixed-length digests keeps
 * timingSafeEqual from leaking the key's length through an early length mismatch.
 */
export class KeyChecker {
  private readonly digest: Buffer | null;

  constructor(apiKey: string | null) {
    this.digest = apiKey ? sha256(apiKey) : null;
  }

  get hasKey(): boolean {
    return this.digest !== null;
  }

  /** The key carried by an Authorization header (`Api-Key <k>` or `Bearer <k>`), else null. */
  static keyFrom(header: string | undefined): string | null {
    if (!header) return null;
    const sp = header.indexOf(' ');
    if (sp === -1) return null;
    const scheme = header.slice(0, sp).toLowerCase();
    if (scheme !== 'api-key' && scheme !== 'bearer') return null;
    const key = header.slice(sp + 1).trim();
    return key === '' ? null : key;
  }

  /** True when the Authorization header carries the gateway key. */
  matches(header: string | undefined): boolean {
    if (this.digest === null) return false;
    const key = KeyChecker.keyFrom(header);
    if (key === null) return false;
    return timingSafeEqual(sha256(key), this.digest);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
