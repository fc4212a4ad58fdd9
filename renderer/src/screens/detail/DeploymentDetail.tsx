import { useEffect } from 'react';
import { useStore } from '../../lib/store.js';
import { deploymentsStore, removeSummary } from '../../state/deployments.js';
import { api } from '../../api/client.js';
import { useAction } from '../../components/useAction.js';
import { navigate } from '../../lib/route.js';
import { DETAIL_TABS, href, type DetailTab } from '../../lib/route.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { DeploymentActions } from '../../components/DeploymentActions.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { CopyButton } from '../../components/CopyButton.js';
import { useDetail } from './useDetail.js';
import { Overview } from './Overview.js';
import { Logs } from './Logs.js';
import { Health } from './Health.js';
import { Playground } from './Playground.js';
import { ConfigEditor } from './ConfigEditor.js';
import { Requests } from './Requests.js';
import { Benchmark } from './Benchmark.js';

function CloseButton({ id, name }: { id: string; name: string }) {
  const { busy, error, setError, run } = useAction();
  return (
    <div className="action-group">
      <button type="button" className="btn ghost sm" disabled={busy} aria-label={`Close ${name}`} title="Stop it (if running) and remove it from Berth; the config file stays on disk"
        onClick={async () => {
          if (!confirm(`Close ${name}? A running container is stopped. The config file is not touched.`)) return;
          const r = await run(() => api.deployments.close({ id }));
          if (r) { removeSummary(id); navigate({ name: 'deployments' }); }
        }}>Close</button>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </div>
  );
}

const TAB_LABEL: Record<DetailTab, string> = { overview: 'Overview', logs: 'Logs', health: 'Health', playground: 'Playground', requests: 'Requests', benchmark: 'Benchmark', config: 'Config' };

export function DeploymentDetail({ id, tab }: { id: string; tab: DetailTab }) {
  const summary = useStore(deploymentsStore)[id];
  const { detail, error, reload } = useDetail(id);
  // The plan and docker run equivalent change when the container starts (GPU ids, port).
  const stateName = summary?.state.name;
  useEffect(() => { if (stateName === 'ready' || stateName === 'stopped' || stateName === 'starting') void reload(); }, [stateName, reload]);

  if (!summary) {
    return (
      <div className="screen">
        {error ? <ErrorNote error={error} /> : <p className="muted">Loading…</p>}
        <a href="#/" className="btn">Back to deployments</a>
      </div>
    );
  }
  const errorCount = summary.errors.filter((e) => e.severity === 'error').length;
  return (
    <div className="screen detail">
      <header className="screen-head">
        <div className="grow">
          <div className="crumbs"><a href="#/">Deployments</a> / </div>
          <h1>{summary.modelName} <StatusBadge state={summary.state} /></h1>
          <div className="sub mono">{summary.configPath}</div>
        </div>
        {summary.gatewayUrl && (
          <span className="endpoint"><code data-testid="gateway-url">{summary.gatewayUrl}</code><CopyButton text={summary.gatewayUrl} label="Copy endpoint" small /></span>
        )}
        <DeploymentActions d={summary} />
        <CloseButton id={id} name={summary.modelName} />
      </header>
      <div className="tabs" role="tablist" aria-label="Deployment views">
        {DETAIL_TABS.map((t) => (
          <a key={t} role="tab" aria-selected={t === tab} className={t === tab ? 'active' : ''} href={href({ name: 'deployment', id, tab: t })}>
            {TAB_LABEL[t]}{t === 'config' && errorCount > 0 && <span className="count bad">{errorCount}</span>}
          </a>
        ))}
      </div>
      <div className="tab-body" role="tabpanel" aria-label={TAB_LABEL[tab]}>
        <ErrorNote error={error} />
        {tab === 'overview' && <Overview summary={summary} detail={detail} />}
        {tab === 'logs' && <Logs id={id} />}
        {tab === 'health' && <Health id={id} detail={detail} />}
        {tab === 'playground' && <Playground summary={summary} detail={detail} />}
        {tab === 'requests' && <Requests summary={summary} />}
        {tab === 'benchmark' && <Benchmark summary={summary} detail={detail} />}
        {tab === 'config' && <ConfigEditor summary={summary} detail={detail} onSaved={reload} />}
      </div>
    </div>
  );
}
