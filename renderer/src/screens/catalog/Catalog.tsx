// The catalog: runnable configs written for Berth (resources/catalog). Each card shows what
// the entry needs before it starts (GPU memory from the fit estimate, disk for weights and
// image, secrets), then Run (a copy Berth keeps) or Copy to... (a folder the user owns).
import { useEffect, useState } from 'react';
import { api } from '../../api/client.js';
import type { AppInfo } from '../../api/contract.js';
import type { CatalogEntry, CatalogNeeds, CreatedConfig } from '../../../../shared/catalog.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useAction } from '../../components/useAction.js';
import { formatBytes } from '../../lib/format.js';
import { href, navigate } from '../../lib/route.js';
import { verdictLabel, VERDICT_TONE } from '../detail/MemoryFit.js';
import { FolderField } from './FolderField.js';

export function Catalog() {
  const [entries, setEntries] = useState<CatalogEntry[] | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const { error, run } = useAction();
  useEffect(() => {
    void run(() => api.catalog.list()).then((l) => setEntries(l ?? []));
    api.app.info().then(setInfo, () => undefined);
  }, [run]);
  return (
    <div className="screen">
      <header className="screen-head row between">
        <h1>Catalog</h1>
        <a className="btn primary" href={href({ name: 'new' })}>New config…</a>
      </header>
      <p className="muted">Real model servers with open models, each a complete Truss config with its image and weights pinned. Run keeps a copy in Berth's data folder; Copy to… gives you an editable folder.</p>
      <ErrorNote error={error} />
      {!entries ? <p className="muted">Loading…</p> : entries.length === 0 ? <p className="empty">The catalog is empty (resources/catalog is missing).</p> : (
        <div className="grid2" aria-label="Catalog entries">
          {entries.map((e) => <CatalogCard key={e.name} e={e} canPick={!!info?.canPickFolder} />)}
        </div>
      )}
    </div>
  );
}

function opened(r: CreatedConfig | undefined): void {
  if (r) navigate({ name: 'deployment', id: r.id, tab: 'overview' });
}

function CatalogCard({ e, canPick }: { e: CatalogEntry; canPick: boolean }) {
  const [copying, setCopying] = useState(false);
  const [dir, setDir] = useState('');
  const { busy, error, setError, run } = useAction();
  return (
    <section className="card catalog-card" aria-label={e.modelName} data-testid={`catalog-${e.name}`}>
      <div className="row between">
        <h2>{e.modelName}</h2>
        <div className="row tight">{e.tags.map((t) => <span key={t} className="chip small">{t}</span>)}</div>
      </div>
      <p className="sub">{e.description}</p>
      <ul className="kv">
        <li><span className="k">Server</span><span className="v">{e.server ?? 'custom'} · <code className="small">{e.image}</code></span></li>
        <li><span className="k">Model</span><code className="v ellipsis small" title={`${e.repoId}@${e.revision}`}>{e.repoId}{e.revision ? `@${e.revision.slice(0, 12)}` : ''}</code></li>
      </ul>
      <Needs e={e} />
      {e.errors.length > 0 && <p className="bad-text">Config errors: {e.errors.join('; ')}</p>}
      <div className="row">
        <button type="button" className="btn primary" disabled={busy} onClick={async () => opened(await run(() => api.catalog.run({ name: e.name })))}>
          {busy && !copying ? 'Opening…' : 'Run'}
        </button>
        <button type="button" className="btn" aria-expanded={copying} onClick={() => setCopying(!copying)}>Copy to…</button>
      </div>
      {copying && (
        <form className="row" onSubmit={async (ev) => {
          ev.preventDefault();
          if (!dir.trim()) return setError({ code: 'BAD_REQUEST', message: 'Enter the folder to copy into.', hint: 'A new folder (Berth creates it) or an empty one, e.g. /home/me/models/' + e.name });
          opened(await run(() => api.catalog.copy({ name: e.name, dir: dir.trim() })));
        }}>
          <FolderField value={dir} onChange={setDir} canPick={canPick} label={`Folder for ${e.modelName}`} placeholder={`/home/me/models/${e.name}`} />
          <button type="submit" className="btn" disabled={busy}>Copy and open</button>
        </form>
      )}
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </section>
  );
}

function Needs({ e }: { e: CatalogEntry }) {
  const [n, setN] = useState<CatalogNeeds | null>(null);
  const { error, run } = useAction();
  const load = (refresh = false) => void run(() => api.catalog.needs({ name: e.name, refresh })).then((x) => x && setN(x));
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => load(), [e.name]);
  const m = n?.memory;
  return (
    <div className="needs" data-testid="catalog-needs">
      <div className="row between">
        <div className="side-h">Needs before start</div>
        {n && <button type="button" className="btn ghost sm" onClick={() => load(true)} title="Read the GPUs and the Hub again">Re-check</button>}
      </div>
      <ul className="kv">
        <li>
          <span className="k">GPU memory</span>
          <span className="v">
            {e.accelerator ?? 'no GPU'}{' '}
            {m ? <span className={`badge tone-${VERDICT_TONE[m.verdict]}`} data-testid="needs-verdict" title={m.reasons.join('\n')}><span className="dot" aria-hidden="true" />{verdictLabel(m.verdict)}</span> : <span className="muted">checking…</span>}
            {m && <div className="sub">{m.reasons[0]}</div>}
          </span>
        </li>
        <li>
          <span className="k">Disk: weights</span>
          <span className="v" data-testid="needs-weights">
            {!n ? <span className="muted">reading the Hub listing…</span> : n.weights.bytes !== null
              ? <>{formatBytes(n.weights.bytes)} in {n.weights.files} files{n.weights.missingBytes ? ` (${formatBytes(n.weights.missingBytes)} to download)` : ' (all in the cache)'}</>
              : <span className="warn-text" title={n.weights.error?.hint}>{n.weights.error?.message ?? 'none'}</span>}
          </span>
        </li>
        <li>
          <span className="k">Disk: image</span>
          <span className="v">{n?.image.localBytes ? `${formatBytes(n.image.localBytes)} (already pulled)` : 'not pulled yet: the pull shows its size'}</span>
        </li>
        <li>
          <span className="k">Secrets</span>
          <span className="v" data-testid="needs-secrets">
            {e.secrets.length === 0 ? 'none' : (n?.secrets ?? e.secrets.map((name) => ({ name, present: false }))).map((s) => (
              <span key={s.name} className={`chip ${n ? (s.present ? 'tone-ok' : 'tone-bad') : ''}`}>{s.name}{n ? (s.present ? ' ✓ set' : ' missing: add it in Secrets') : ''}</span>
            ))}
          </span>
        </li>
      </ul>
      {error && <p className="bad-text small">Could not check: {error.message}</p>}
    </div>
  );
}
