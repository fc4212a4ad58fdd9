// Hash routing: works under file:// (Electron) and under `berth serve` alike.
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'deployments' }
  | { name: 'deployment'; id: string; tab: DetailTab }
  | { name: 'gpus' }
  | { name: 'weights' }
  | { name: 'secrets' }
  | { name: 'settings' }
  | { name: 'catalog' }
  | { name: 'new' };

export const DETAIL_TABS = ['overview', 'logs', 'health', 'playground', 'requests', 'benchmark', 'config'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'd': {
      if (!parts[1]) return { name: 'deployments' };
      const tab = (DETAIL_TABS as readonly string[]).includes(parts[2]) ? (parts[2] as DetailTab) : 'overview';
      return { name: 'deployment', id: parts[1], tab };
    }
    case 'gpus': return { name: 'gpus' };
    case 'weights': return { name: 'weights' };
    case 'secrets': return { name: 'secrets' };
    case 'settings': return { name: 'settings' };
    case 'catalog': return { name: 'catalog' };
    case 'new': return { name: 'new' };
    default: return { name: 'deployments' };
  }
}

export function href(r: Route): string {
  switch (r.name) {
    case 'deployment': return `#/d/${encodeURIComponent(r.id)}/${r.tab}`;
    case 'deployments': return '#/';
    default: return `#/${r.name}`;
  }
}

export function navigate(r: Route): void { location.hash = href(r); }

const sub = (l: () => void) => { window.addEventListener('hashchange', l); return () => window.removeEventListener('hashchange', l); };
export function useRoute(): Route {
  const hash = useSyncExternalStore(sub, () => location.hash, () => '');
  return parseRoute(hash);
}
