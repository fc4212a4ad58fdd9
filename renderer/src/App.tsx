import { useEffect } from 'react';
import { startHub } from './state/hub.js';
import { useRoute } from './lib/route.js';
import { Sidebar } from './components/Sidebar.js';
import { Banners } from './components/Banners.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { Deployments } from './screens/Deployments.js';
import { DeploymentDetail } from './screens/detail/DeploymentDetail.js';
import { Gpus } from './screens/Gpus.js';
import { Secrets } from './screens/Secrets.js';
import { Weights } from './screens/Weights.js';
import { Settings } from './screens/Settings.js';
import { Catalog } from './screens/catalog/Catalog.js';
import { NewConfig } from './screens/catalog/NewConfig.js';

export function App() {
  useEffect(() => { startHub(); }, []);
  const route = useRoute();
  return (
    <div className="app">
      <Sidebar route={route} />
      <main className="main" id="main">
        <Banners />
        <ErrorBoundary key={route.name === 'deployment' ? `d-${route.id}` : route.name}>
          {route.name === 'deployments' && <Deployments />}
          {route.name === 'deployment' && <DeploymentDetail id={route.id} tab={route.tab} />}
          {route.name === 'gpus' && <Gpus />}
          {route.name === 'weights' && <Weights />}
          {route.name === 'secrets' && <Secrets />}
          {route.name === 'settings' && <Settings />}
          {route.name === 'catalog' && <Catalog />}
          {route.name === 'new' && <NewConfig />}
        </ErrorBoundary>
      </main>
    </div>
  );
}
