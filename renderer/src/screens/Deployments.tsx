import { useEffect, useState, type DragEvent } from 'react';
import { api, isElectron, machine } from '../api/client.js';
import { RemoteFiles } from '../components/RemoteFiles.js';
import type { DeploymentSummary, ExampleInfo, RecentEntry } from '../api/contract.js';
import { useStore } from '../lib/store.js';
import { deploymentsStore, liveStore, upsertSummary } from '../state/deployments.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { navigate } from '../lib/route.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { CopyButton } from '../components/CopyButton.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useAction } from '../components/useAction.js';
import { DeploymentActions } from '../components/DeploymentActions.js';
import { formatBytes } from '../lib/format.js';
import { hasStageProgress, progressFraction, stageKind, stageProgress, STAGE_LABEL } from '../lib/progress.js';
import type { DeploymentStateName } from '../../../shared/deployment.js';

export function Deployments() {
  const deployments = Object.values(useStore(deploymentsStore)).sort((a, b) => a.modelName.localeCompare(b.modelName));
  return (
    <div className="screen">
      <header className="screen-head">
        <h1>Deployments</h1>
      </header>
      <OpenConfig />
      <section className="card" aria-labelledby="loaded-h">
        <h2 id="loaded-h">Loaded models</h2>
        {deployments.length === 0 ? (
          <p className="empty">No configs loaded yet. Start from a real model in the <a href="#/catalog">Catalog</a>, write one with <a href="#/new">New config</a>, or open a Truss <code>config.yaml</code> above.</p>
        ) : (
          <table className="table" aria-label="Deployments">
            <thead>
              <tr><th>Model</th><th>Status</th><th>GPUs</th><th>Local endpoint</th><th aria-label="Actions" /></tr>
            </thead>
            <tbody>
              {deployments.map((d) => <DeploymentRow key={d.id} d={d} />)}
            </tbody>
          </table>
        )}
      </section>
      <div className="grid2">
        <RecentList />
        <ExampleList />
      </div>
    </div>
  );
}

function DeploymentRow({ d }: { d: DeploymentSummary }) {
  const errs = d.errors.filter((e) => e.severity === 'error').length;
  return (
    <tr data-testid={`deployment-row-${d.id}`}>
      <td>
        <a href={`#/d/${encodeURIComponent(d.id)}/overview`} className="model-link">{d.modelName}</a>
        <div className="sub mono" title={d.configPath}>{d.configPath}</div>
        {errs > 0 && <div className="sub bad-text">{errs} config error{errs > 1 ? 's' : ''}</div>}
      </td>
      <td>
        <StatusBadge state={d.state} />
        <div className="sub">{d.state.reason}</div>
        {hasStageProgress(d.state.name) && <RowProgress id={d.id} state={d.state.name} fallback={d.state.progress} />}
      </td>
      <td className="mono">{d.gpuDeviceIds.length ? d.gpuDeviceIds.join(', ') : '—'}</td>
      <td>
        {d.gatewayUrl ? (
          <span className="endpoint"><code>{d.gatewayUrl}</code><CopyButton text={d.gatewayUrl} label="Copy endpoint" small /></span>
        ) : <span className="muted">—</span>}
      </td>
      <td className="actions"><DeploymentActions d={d} /></td>
    </tr>
  );
}

function RowProgress({ id, state, fallback }: { id: string; state: DeploymentStateName; fallback?: number }) {
  const p = stageProgress(state, useStore(liveStore(id)).progress);
  const value = p ? progressFraction(p) : fallback ?? null;
  const kind = stageKind(state) ?? 'pull';
  return (
    <>
      <ProgressBar value={value} label={STAGE_LABEL[kind]} />
      {p?.kind === 'weights' && p.weights.totalBytes > 0 && (
        <div className="sub mono" data-testid="row-weights-progress">
          {formatBytes(p.weights.doneBytes)} / {formatBytes(p.weights.totalBytes)}{p.weights.rate > 0 ? ` · ${formatBytes(p.weights.rate)}/s` : ''}
        </div>
      )}
    </>
  );
}

function OpenConfig() {
  const [path, setPath] = useState('');
  const [over, setOver] = useState(false);
  const { busy, error, setError, run } = useAction();

  const open = async (p: string) => {
    const trimmed = p.trim();
    if (!trimmed) {
      setError({ code: 'BAD_REQUEST', message: 'Enter the path of a Truss directory or config.yaml.', hint: 'For example /home/me/my-truss or /home/me/my-truss/config.yaml.' });
      return;
    }
    const s = await run(() => api.deployments.open({ path: trimmed }));
    if (s) { upsertSummary(s); setPath(''); navigate({ name: 'deployment', id: s.id, tab: 'overview' }); }
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    // Electron reveals the absolute path; a browser only gives the file name.
    const abs = window.berth?.pathForFile?.(file) ?? (file as File & { path?: string }).path;
    if (typeof abs === 'string' && abs) return open(abs);
    if (path.trim()) return open(path);
    setError({ code: 'BAD_REQUEST', message: `Dropped "${file.name}", but a browser does not reveal where the file lives.`, hint: 'Type its full path in the box and press Open (the desktop app accepts drops directly).' });
  };

  return (
    <section
      className={`card dropzone${over ? ' over' : ''}`}
      aria-label="Open a config"
      data-testid="dropzone"
      onDragOver={(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <form className="row" onSubmit={(e) => { e.preventDefault(); void open(path); }}>
        <label htmlFor="config-path" className="sr-only">Config path</label>
        <input id="config-path" className="input grow mono" placeholder="Path to a Truss directory or config.yaml — or drop a config.yaml here"
          value={path} onChange={(e) => setPath(e.target.value)} aria-label="Config path" />
        <button type="submit" className="btn primary" disabled={busy}>{busy ? 'Opening…' : 'Open'}</button>
        {isElectron && machine === 'local' && (
          <button type="button" className="btn" onClick={async () => {
            const r = await run(() => api.dialog.openConfig());
            if (r?.path) void open(r.path);
          }}>Browse…</button>
        )}
      </form>
      {machine !== 'local' && <RemoteFiles onPick={(p) => void open(p)} />}
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </section>
  );
}

function useList<T>(load: () => Promise<T[]>, deps: unknown[] = []) {
  const [items, setItems] = useState<T[] | null>(null);
  useEffect(() => {
    let live = true;
    load().then((x) => live && setItems(x), () => live && setItems([]));
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return items;
}

function RecentList() {
  const count = Object.keys(useStore(deploymentsStore)).length;
  const items = useList<RecentEntry>(() => api.recent.list(), [count]);
  return (
    <section className="card" aria-labelledby="recent-h">
      <h2 id="recent-h">Recent</h2>
      {!items ? <p className="muted">Loading…</p> : items.length === 0 ? <p className="empty">Configs you open appear here.</p> : (
        <ul className="list">
          {items.slice(0, 8).map((r) => <OpenListItem key={r.path} title={r.modelName ?? baseName(r.path)} missing={!r.exists} path={r.path} />)}
        </ul>
      )}
    </section>
  );
}

function ExampleList() {
  const items = useList<ExampleInfo>(() => api.examples.list());
  return (
    <section className="card" aria-labelledby="examples-h">
      <h2 id="examples-h">Stand-in examples</h2>
      <p className="sub">Offline demos: they run Berth's test server image, not a model. Real models are in the <a href="#/catalog">Catalog</a>.</p>
      {!items ? <p className="muted">Loading…</p> : items.length === 0 ? <p className="empty">No bundled examples found.</p> : (
        <ul className="list" aria-label="Bundled examples">
          {items.map((x) => <OpenListItem key={x.path} title={x.modelName || x.name} path={x.path} description={[x.description, x.accelerator].filter(Boolean).join(' · ')} />)}
        </ul>
      )}
    </section>
  );
}

function baseName(p: string): string {
  const parts = p.replace(/\/config\.ya?ml$/, '').split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? p;
}

function OpenListItem({ title, path, description, missing }: { title: string; path: string; description?: string; missing?: boolean }) {
  const { busy, error, setError, run } = useAction();
  return (
    <li>
      <div className="grow">
        <div>{title}</div>
        <div className="sub mono" title={path}>{missing ? 'File no longer exists: ' + path : description || path}</div>
        <ErrorNote error={error} onDismiss={() => setError(null)} />
      </div>
      <button type="button" className="btn sm" aria-label={`Open ${title}`} disabled={busy || missing} onClick={async () => {
        const s = await run(() => api.deployments.open({ path }));
        if (s) { upsertSummary(s); navigate({ name: 'deployment', id: s.id, tab: 'overview' }); }
      }}>Open</button>
    </li>
  );
}
