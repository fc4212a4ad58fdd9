// What request history must never keep: credentials in headers (whatever scheme carries
// them) and any secret value Berth holds, wherever it shows up (a key pasted into a prompt,
// a token echoed by the model, a query parameter).
import { REDACTED } from '../../../../shared/requests.js';

// Headers that carry credentials or session state by their nature.
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-baseten-api-key',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-access-token',
]);

// Values shorter than this are not treated as secrets: replacing "1" or "abc" everywhere
// would shred bodies without protecting anything.
const MIN_SECRET_LENGTH = 6;

/** Request headers as a plain object, credentials redacted and secret values replaced. */
export function redactHeaders(raw: readonly string[], secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = SECRET_HEADERS.has(name) || /(^|-)(token|secret|password|key)$/.test(name) ? REDACTED : redactText(raw[i + 1], secrets);
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** `text` with every occurrence of a secret value replaced. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}
