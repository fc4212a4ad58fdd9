import { Fragment, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { CachedWeightsRepo, DeploymentSummary, WeightsInventory } from '../api/contract.js';
import { useAction } from '../components/useAction.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { CopyButton } from '../components/CopyButton.js';
import { useStore } from '../lib/store.js';
import { deploymentsStore } from '../state/deployments.js';
import { href } from '../lib/route.js';
import { formatBytes, formatDateTime } from '../lib/format.js';

const COLUMNS = 7;

/** A truss folder and its config.yaml name the same config. */
const trussDir = (p: string) => p.replace(/[\\/]config\.ya?ml$/, '');

export function Weights() {
  const [inv, setInv] = useState<WeightsInventory | null>(null);
  const list = useAction();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const reload = async () => { const r = await list.run(() => api.weights.list()); if (r) setInv(r); };
  useEffect(() => { void reload(); }, []);
  const deployments = Object.values(useStore(deploymentsStore));
  const total = inv?.repos.reduce((a, r) => a + r.sizeBytes, 0) ?? 0;
  const files = inv?.repos.reduce((a, r) => a + r.files, 0) ?? 0;

  const removed = async (r: CachedWeightsRepo) => {
    setConfirming(null);
    setNotice(`Removed ${r.repoId} from the cache (${formatBytes(r.sizeBytes)} freed).`);
    await reload();
  };

  return (
    <div className="screen">
      <header className="screen-head">
        <h1 className="grow">Weights</h1>
        {inv && <span className="muted" data-testid="weights-total">{inv.repos.length} repo{inv.repos.length === 1 ? '' : 's'} · {formatBytes(total)}</span>}
        <button type="button" className="btn sm" onClick={() => { setNotice(null); void reload(); }} disabled={list.busy}>{list.busy ? 'Refreshing…' : 'Refresh'}</button>
      </header>
      <p className="muted">
        Weights that <code>model_cache</code> and <code>weights</code> entries fetch are kept in the host's Hugging Face cache, shared
        with other Hugging Face tools. Removing a repo frees its space; the next start that needs it downloads it again.
      </p>
      <ErrorNote error={list.error} onDismiss={() => list.setError(null)} />
      {notice && <div className="note ok" role="status"><div className="note-body">{notice}</div><button type="button" className="btn ghost sm" aria-label="Dismiss" onClick={() => setNotice(null)}>✕</button></div>}
      {inv && (
        <section className="card" aria-labelledby="cache-h">
          <h2 id="cache-h">Cache folder</h2>
          <span className="endpoint cache-dir"><code className="ellipsis" data-testid="weights-cache-dir" title={inv.cacheDir}>{inv.cacheDir}</code><CopyButton text={inv.cacheDir} label="Copy cache folder" small /></span>
          <p className="sub">Set <code>HF_HUB_CACHE</code> or <code>HF_HOME</code> before starting Berth to use another disk.</p>
          {inv.warnings.length > 0 && (
            <ul className="warnings" aria-label="Cache warnings">{inv.warnings.map((w) => <li key={w} className="warn-text">⚠ {w}</li>)}</ul>
          )}
        </section>
      )}
      <section className="card" aria-labelledby="repos-h">
        <h2 id="repos-h">Cached repos</h2>
        {!inv ? <p className="muted">{list.error ? 'The cache could not be read.' : 'Loading…'}</p> : inv.repos.length === 0 ? (
          <p className="empty">Nothing cached yet. Models whose config has <code>model_cache</code> or <code>weights</code> fill the cache when they start.</p>
        ) : (
          <table className="table weights-table" aria-label="Cached weights">
            <thead>
              <tr><th>Repo</th><th className="num">Size</th><th className="num">Files</th><th>Revisions</th><th>Used by</th><th>Last modified</th><th aria-label="Actions" /></tr>
            </thead>
            <tbody>
              {inv.repos.map((r) => (
                <Fragment key={r.repoId}>
                  <RepoRow r={r} deployments={deployments} confirming={confirming === r.repoId} onRemove={() => setConfirming(r.repoId)} />
                  {confirming === r.repoId && <ConfirmRow r={r} onCancel={() => setConfirming(null)} onRemoved={() => removed(r)} />}
                </Fragment>
              ))}
            </tbody>
            <tfoot>
              <tr><td>Total</td><td className="num mono">{formatBytes(total)}</td><td className="num mono">{files.toLocaleString()}</td><td colSpan={COLUMNS - 3} /></tr>
            </tfoot>
          </table>
        )}
      </section>
    </div>
  );
}

function RepoRow({ r, deployments, confirming, onRemove }: { r: CachedWeightsRepo; deployments: DeploymentSummary[]; confirming: boolean; onRemove: () => void }) {
  return (
    <tr data-testid={`weights-row-${r.repoId}`} className={confirming ? 'selected' : undefined}>
      <td><span className="mono model-link" title={r.path}>{r.repoId}</span></td>
      <td className="num mono" data-testid="weights-size">{formatBytes(r.sizeBytes)}</td>
      <td className="num mono">{r.files.toLocaleString()}</td>
      <td>
        <ul className="revisions">
          {r.revisions.map((v) => (
            <li key={v.commit}>
              <code title={v.commit}>{v.commit.slice(0, 12)}</code>
              {v.refs.map((ref) => <code key={ref} className="chip">{ref}</code>)}
              <span className="sub">{v.files} file{v.files === 1 ? '' : 's'} · {formatBytes(v.sizeBytes)}</span>
            </li>
          ))}
        </ul>
      </td>
      <td data-testid="weights-used-by">
        {r.usedBy.length === 0 ? <span className="muted">—</span> : (
          <ul className="used-by">
            {r.usedBy.map((u) => {
              const d = deployments.find((x) => trussDir(x.configPath) === trussDir(u.configPath));
              return (
                <li key={u.configPath} title={u.configPath}>
                  {d ? <a href={href({ name: 'deployment', id: d.id, tab: 'overview' })}>{u.modelName}</a> : <span>{u.modelName}</span>}
                  <div className="sub mono ellipsis">{u.configPath}</div>
                </li>
              );
            })}
          </ul>
        )}
      </td>
      <td className="nowrap" title={new Date(r.lastModified).toISOString()}>{formatDateTime(r.lastModified)}</td>
      <td className="actions">
        <button type="button" className="btn sm danger" aria-label={`Remove ${r.repoId}`} disabled={confirming} onClick={onRemove}>Remove</button>
      </td>
    </tr>
  );
}

function ConfirmRow({ r, onCancel, onRemoved }: { r: CachedWeightsRepo; onCancel: () => void; onRemoved: () => void }) {
  const act = useAction();
  const used = r.usedBy.length > 0;
  return (
    <tr className="confirm-row">
      <td colSpan={COLUMNS}>
        <div className={`note ${used ? 'warn' : ''}`} role="alertdialog" aria-label={`Remove ${r.repoId}?`} data-testid="weights-confirm"
          onKeyDown={(e) => { if (e.key === 'Escape') onCancel(); }}>
          <div className="note-body">
            <strong>Remove {r.repoId} ({formatBytes(r.sizeBytes)}, {r.files} file{r.files === 1 ? '' : 's'}) from the Hugging Face cache?</strong>
            {used ? (
              <div className="hint">
                Used by {r.usedBy.map((u) => u.modelName).join(', ')}: {r.usedBy.length === 1 ? 'its' : 'their'} next start downloads it again.
                Models running now keep their copy until they stop.
              </div>
            ) : <div className="hint">No config Berth knows uses it.</div>}
            <ErrorNote error={act.error} onDismiss={() => act.setError(null)} />
          </div>
          <div className="row tight">
            <button type="button" className="btn sm danger" disabled={act.busy}
              onClick={async () => { if (await act.run(() => api.weights.remove({ repoId: r.repoId }))) onRemoved(); }}>
              {act.busy ? 'Removing…' : `Remove ${formatBytes(r.sizeBytes)}`}
            </button>
            <button type="button" className="btn ghost sm" autoFocus onClick={onCancel}>Cancel</button>
          </div>
        </div>
      </td>
    </tr>
  );
}
