// Where Chromium is, for the e2e suite and for `npm test`'s prerequisite check (one place,
// so the two never disagree). Plain JS: scripts/test.mjs imports it without a build step.
//
// Order: CHROMIUM_PATH (when set it must exist: a typo is an error, not a fallback), then
// the usual install paths, then `chromium`, `chromium-browser`, `google-chrome` and
// `google-chrome-stable` on PATH.
import fs from 'node:fs';
import path from 'node:path';

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The Chromium to drive, or null with the reason in `why`. */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) {
    return isFile(env.CHROMIUM_PATH) ? { path: env.CHROMIUM_PATH } : { path: null, why: `CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, which does not exist` };
  }
  for (const p of CHROMIUM_PATHS) if (isFile(p)) return { path: p };
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const n of NAMES) if (isFile(path.join(dir, n))) return { path: path.join(dir, n) };
  }
  return { path: null, why: `no Chromium at ${CHROMIUM_PATHS.join(', ')} or on PATH` };
}

export const CHROMIUM_HINT = 'apt-get install -y chromium, or set CHROMIUM_PATH to a Chromium or Chrome binary';

/** The Chromium path; throws (never skips) when there is none. */
export function requireChromium(env = process.env) {
  const found = findChromium(env);
  if (!found.path) throw new Error(`e2e needs Chromium: ${found.why}. Fix: ${CHROMIUM_HINT}.`);
  return found.path;
}
