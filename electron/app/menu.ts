// The native menu as data, so it is testable without Electron.
import type { ExampleInfo, RecentEntry } from '../../shared/api/index.js';

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu' | 'normal';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItem[];
}

export interface MenuActions {
  openConfigDialog(): void;
  openPath(path: string): void;
  openDocs(): void;
  openDataDir(): void;
  showAbout(): void;
}

/**
 * `devTools` (development builds only) adds Reload and Developer Tools: in the installed app a
 * reload drops the UI's state mid-action and DevTools is a console into the privileged UI.
 */
export function buildMenuTemplate(recent: RecentEntry[], examples: ExampleInfo[], a: MenuActions, platform = process.platform, opts: { devTools?: boolean } = {}): MenuItem[] {
  const recentItems: MenuItem[] = recent.length
    ? recent.slice(0, 10).map((r) => ({ label: r.modelName ? `${r.modelName} — ${r.path}` : r.path, enabled: r.exists, click: () => a.openPath(r.path) }))
    : [{ label: 'No recent configs', enabled: false }];
  const exampleItems: MenuItem[] = examples.length
    ? examples.map((e) => ({ label: e.accelerator ? `${e.modelName} (${e.accelerator})` : e.modelName, click: () => a.openPath(e.path) }))
    : [{ label: 'No bundled examples', enabled: false }];
  const file: MenuItem = {
    label: 'File',
    submenu: [
      { label: 'Open Config…', accelerator: 'CmdOrCtrl+O', click: () => a.openConfigDialog() },
      { label: 'Open Recent', submenu: recentItems },
      { label: 'Examples', submenu: exampleItems },
      { type: 'separator' },
      { label: 'Open Data Folder', click: () => a.openDataDir() },
      { type: 'separator' },
      platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const template: MenuItem[] = [
    file,
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: 'View',
      submenu: [
        ...(opts.devTools ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: 'Help', submenu: [{ label: 'Berth Documentation', click: () => a.openDocs() }, { label: 'About Berth', click: () => a.showAbout() }] },
  ];
  if (platform === 'darwin') template.unshift({ label: 'Berth', submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'quit' }] });
  return template;
}
