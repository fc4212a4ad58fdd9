// The renderer is untrusted web content: it gets no Node, runs sandboxed and isolated, and
// only reaches Berth through the preload's `window.berth`. IPC from any other frame or
// origin is refused.
import { pathToFileURL } from 'node:url';
import { dirname } from 'node:path';

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
 * Whether an IPC sender frame is Berth's own UI: the bundled index.html (file://, inside the
 * renderer folder) or, in development only, the Vite dev server URL.
 */
export function makeSenderCheck(rendererIndexPath: string, devUrl: string | null) {
  const rendererDir = pathToFileURL(dirname(rendererIndexPath)).href + '/';
  const devOrigin = devUrl ? new URL(devUrl).origin : null;
  return (frameUrl: string | undefined | null): boolean => {
    if (!frameUrl) return false;
    let u: URL;
    try {
      u = new URL(frameUrl);
    } catch {
      return false;
    }
    if (u.protocol === 'file:') return u.href.startsWith(rendererDir);
    return devOrigin !== null && u.origin === devOrigin;
  };
}
