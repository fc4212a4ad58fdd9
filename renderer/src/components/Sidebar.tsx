import { href, type Route } from '../lib/route.js';
import { useStore } from '../lib/store.js';
import { deploymentsStore } from '../state/deployments.js';
import { stateTone } from '../lib/format.js';
import { Icon } from './Icon.js';
import { MachineSwitcher } from './MachineSwitcher.js';

const NAV: Array<{ name: Route['name']; label: string }> = [
  { name: 'deployments', label: 'Deployments' },
  { name: 'catalog', label: 'Catalog' },
  { name: 'gpus', label: 'GPUs' },
  { name: 'weights', label: 'Weights' },
  { name: 'secrets', label: 'Secrets' },
  { name: 'settings', label: 'Settings' },
];

export function Sidebar({ route }: { route: Route }) {
  const deployments = Object.values(useStore(deploymentsStore)).sort((a, b) => a.modelName.localeCompare(b.modelName));
  const active = route.name === 'deployment' ? 'deployments' : route.name === 'new' ? 'catalog' : route.name;
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand"><span className="logo"><Icon name="anchor" size={18} /></span> Berth</div>
      <MachineSwitcher />
      <ul>
        {NAV.map((n) => (
          <li key={n.name}>
            <a href={href({ name: n.name } as Route)} className={active === n.name ? 'active' : ''} aria-current={active === n.name ? 'page' : undefined}>
              <span className="icon"><Icon name={n.name} /></span>{n.label}
            </a>
          </li>
        ))}
      </ul>
      {deployments.length > 0 && (
        <>
          <div className="side-h">Models</div>
          <ul aria-label="Open models">
            {deployments.map((d) => (
              <li key={d.id}>
                <a href={href({ name: 'deployment', id: d.id, tab: 'overview' })}
                  className={route.name === 'deployment' && route.id === d.id ? 'active' : ''}>
                  <span className={`dot tone-${stateTone(d.state.name)}`} aria-hidden="true" />
                  <span className="ellipsis">{d.modelName}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
}
