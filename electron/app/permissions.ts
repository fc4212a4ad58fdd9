// Web permissions for the window's session. Without handlers Electron grants nearly every
// permission to any page; with these, Berth's own UI gets exactly what it uses and
// everything else is denied:
//  - loopback-network / local-network / local-network-access: the Playground and the
//    gateway probes fetch http://127.0.0.1:<port> from berth://app, which Chromium's Local
//    Network Access puts behind a permission (the names differ between Chromium versions,
//    Electron 45 knows all three);
//  - clipboard-sanitized-write: the Copy buttons (navigator.clipboard.writeText).

export const UI_PERMISSIONS: ReadonlySet<string> = new Set(['loopback-network', 'local-network', 'local-network-access', 'clipboard-sanitized-write']);

/** Whether `permission` is granted to a frame at `url` (a page URL or an origin). */
export function permissionAllowed(permission: string, url: string | undefined | null, isBerthUi: (url: string) => boolean): boolean {
  if (!url || !UI_PERMISSIONS.has(permission)) return false;
  return isBerthUi(url);
}

/** The part of Electron's Session this needs (structurally, so tests use a fake). */
export interface PermissionSession {
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string, requestingOrigin: string, details: { requestingUrl?: string }) => boolean) | null): void;
  setPermissionRequestHandler(handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void) | null): void;
}

export function installPermissionHandlers(session: PermissionSession, isBerthUi: (url: string) => boolean): void {
  // A check names the origin and, for documents, the frame's URL; both must be Berth's UI.
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    permissionAllowed(permission, details?.requestingUrl ?? requestingOrigin, isBerthUi) && (!requestingOrigin || isBerthUi(requestingOrigin)),
  );
  session.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionAllowed(permission, details?.requestingUrl, isBerthUi)));
}
