// The renderer is untrusted web content: it gets no Node, runs sandboxed and isolated, and
// only reaches Berth through the preload's `window.berth`. IPC from any other frame or
// origin is refused.
import { isBerthUiUrl } from '../../shared/ui-origin.js';

export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/**
 * Whether an IPC sender frame is Berth's own UI: a page of berth://app (the bundled UI, served
 * by ui-protocol.ts) or, in development only, the Vite dev server's origin. file:// is refused:
 * the window never loads the UI from a file, so a file:// frame is something else.
 */
export function makeSenderCheck(devUrl: string | null) {
  const devOrigin = devUrl ? httpOrigin(devUrl) : null;
  return (frameUrl: string | undefined | null): boolean => {
    if (!frameUrl) return false;
    if (isBerthUiUrl(frameUrl)) return true;
    if (devOrigin === null) return false;
    try {
      return new URL(frameUrl).origin === devOrigin;
    } catch {
      return false;
    }
  };
}

/** The origin of an http(s) URL, or null: an opaque origin ("null") must never match a frame. */
function httpOrigin(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}
