import { useEffect, useRef, useState } from 'react';
import { api, machine } from '../api/client.js';
import type { AppInfo, SecretEntry } from '../api/contract.js';
import { useAction } from '../components/useAction.js';
import { ErrorNote } from '../components/ErrorNote.js';

export function Secrets() {
  const [items, setItems] = useState<SecretEntry[] | null>(null);
  const list = useAction();
  const reload = async () => { const r = await list.run(() => api.secrets.list()); if (r) setItems(r); };
  useEffect(() => { void reload(); }, []);
  // The desktop app on Linux without a keyring keeps secrets in a 0600 file, not a keychain: say so.
  const [protection, setProtection] = useState<AppInfo['secretsProtection'] | null>(null);
  useEffect(() => { api.app.info().then((i) => setProtection(i.secretsProtection ?? null), () => {}); }, []);
  const [name, setName] = useState('');
  // Secret inputs are uncontrolled: React would mirror a controlled value into the DOM attribute.
  const valueRef = useRef<HTMLInputElement>(null);
  const [hasValue, setHasValue] = useState(false);
  const set = useAction();
  const imp = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  const save = async (n: string) => {
    const el = valueRef.current!;
    const ok = await set.run(() => api.secrets.set({ name: n.trim(), value: el.value }));
    if (ok) { setName(''); el.value = ''; setHasValue(false); setNotice(`Saved ${n.trim()}. The value is kept in Berth's secret store and is never shown again.`); await reload(); }
  };

  return (
    <div className="screen">
      <header className="screen-head"><h1 className="grow">Secrets</h1>
        <button type="button" className="btn sm" disabled={imp.busy} onClick={async () => {
          const r = await imp.run(() => api.secrets.import({ source: 'truss' }));
          if (r) { setNotice(r.imported.length ? `Imported ${r.imported.join(', ')} from ~/.truss/config.yaml.` : `Nothing new to import${r.skipped.length ? ` (${r.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}.`); await reload(); }
        }}>Import from ~/.truss/config.yaml</button>
      </header>
      <p className="muted"><span data-testid="secrets-machine">{machine === 'local' ? 'Stored on this computer. ' : `Stored on machine ${machine} (secrets stay on the machine that runs the container; never copied between machines). `}</span>Models read secrets as files under <code>/secrets/&lt;name&gt;</code>. Values are never shown, logged, or put in images.</p>
      {protection?.warning && <div className="note warn" role="note" data-testid="secrets-protection"><div className="note-body">{protection.warning}</div></div>}
      <ErrorNote error={imp.error ?? list.error} onDismiss={() => { imp.setError(null); list.setError(null); }} />
      {notice && <div className="note ok" role="status"><div className="note-body">{notice}</div><button type="button" className="btn ghost sm" aria-label="Dismiss" onClick={() => setNotice(null)}>✕</button></div>}
      <section className="card" aria-labelledby="add-h">
        <h2 id="add-h">Set a secret</h2>
        <form className="row" onSubmit={(e) => { e.preventDefault(); void save(name); }}>
          <input className="input mono" aria-label="Secret name" placeholder="hf_access_token" value={name} onChange={(e) => setName(e.target.value)} />
          <input className="input grow mono" type="password" autoComplete="new-password" aria-label="Secret value" placeholder="value" ref={valueRef} onChange={(e) => setHasValue(!!e.target.value)} />
          <button type="submit" className="btn primary" disabled={set.busy || !name.trim() || !hasValue}>Save</button>
        </form>
        <ErrorNote error={set.error} onDismiss={() => set.setError(null)} />
      </section>
      <section className="card" aria-labelledby="stored-h">
        <h2 id="stored-h">Stored</h2>
        {!items ? <p className="muted">Loading…</p> : items.length === 0 ? <p className="empty">No secrets stored.</p> : (
          <table className="table" aria-label="Secrets">
            <thead><tr><th>Name</th><th>Value</th><th>Used by</th><th aria-label="Actions" /></tr></thead>
            <tbody>{items.map((s) => <SecretRow key={s.name} s={s} onChange={reload} />)}</tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function SecretRow({ s, onChange }: { s: SecretEntry; onChange: () => void }) {
  const [replacing, setReplacing] = useState(false);
  const valueRef = useRef<HTMLInputElement>(null);
  const act = useAction();
  return (
    <tr>
      <td className="mono">{s.name}</td>
      <td>{replacing ? (
        <form className="row tight" onSubmit={async (e) => { e.preventDefault(); const v = valueRef.current?.value ?? ''; if (!v) return; if (await act.run(() => api.secrets.set({ name: s.name, value: v }))) { setReplacing(false); onChange(); } }}>
          <input className="input sm mono" type="password" autoFocus aria-label={`New value for ${s.name}`} ref={valueRef} />
          <button type="submit" className="btn primary sm" disabled={act.busy}>Save</button>
          <button type="button" className="btn ghost sm" onClick={() => setReplacing(false)}>Cancel</button>
        </form>
      ) : <span className="muted mono">••••••••</span>}</td>
      <td>{s.usedBy.length ? s.usedBy.join(', ') : <span className="muted">—</span>}</td>
      <td className="actions">
        {!replacing && <button type="button" className="btn sm" aria-label={`Replace ${s.name}`} onClick={() => setReplacing(true)}>Replace</button>}
        <button type="button" className="btn sm danger" aria-label={`Delete ${s.name}`} disabled={act.busy} onClick={async () => {
          if (!confirm(`Delete the secret "${s.name}"? Models that read it will fail to start until it is set again.`)) return;
          if (await act.run(() => api.secrets.delete({ name: s.name }))) onChange();
        }}>Delete</button>
        <ErrorNote error={act.error} onDismiss={() => act.setError(null)} />
      </td>
    </tr>
  );
}
