// The origin of the desktop app's UI. Electron serves the built renderer from the privileged
// `berth:` scheme (host `app`) instead of file://, so the UI has a real, stable origin that
// the local gateways can name in CORS and that the main process can check IPC senders against.
// Kept here, free of Electron and Node imports, so the engine can use it without the shell.

export const BERTH_UI_SCHEME = 'berth';
export const BERTH_UI_HOST = 'app';
export const BERTH_UI_ORIGIN = `${BERTH_UI_SCHEME}://${BERTH_UI_HOST}` as const;
/** What the window loads. */
export const BERTH_UI_ENTRY_URL = `${BERTH_UI_ORIGIN}/index.html` as const;

/**
 * Whether `url` belongs to the UI origin. WHATWG `URL.origin` is "null" for schemes it does
 * not know (Node's parser has no idea `berth:` is registered as standard in Chromium), so the
 * scheme and host are compared instead; a port, user or password makes it another origin.
 */
export function isBerthUiUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${BERTH_UI_SCHEME}:` && u.host.toLowerCase() === BERTH_UI_HOST && !u.username && !u.password;
}
