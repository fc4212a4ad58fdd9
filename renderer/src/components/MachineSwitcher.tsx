// The machine switcher at the top of the sidebar: this computer and the remote machines
// added with `berth remote add` or the form here, each with its connection state. Picking
// one reloads the window onto it (api/remote.ts); the local Berth carries every call.
import { useEffect, useState } from 'react';
import type { MachineInfo, MachineState } from '../../../shared/remote.js';
import { localApi, machine as current } from '../api/client.js';
import { selectMachine } from '../api/remote.js';
import { ErrorNote } from './ErrorNote.js';
import { useAction } from './useAction.js';

const TONE: Record<MachineState, string> = { local: 'ok', connected: 'ok', connecting: 'busy', reconnecting: 'warn', disconnected: 'idle', error: 'bad' };

function label(m: MachineInfo): string {
  return m.name === 'local' ? 'This computer' : m.name;
}

export function MachineSwitcher() {
  const [machines, setMachines] = useState<MachineInfo[]>([]);
  const [adding, setAdding] = useState(false);
  const load = useAction();
  useEffect(() => {
    void load.run(async () => setMachines(await localApi.machines.list()));
    const off = localApi.on('machine.status', (m) => setMachines((all) => all.map((x) => (x.name === m.name ? m : x))));
    // The selected remote connects now, so its state shows before the first screen loads.
    if (current !== 'local') void localApi.machines.connect({ name: current }).then((m) => setMachines((all) => all.map((x) => (x.name === m.name ? m : x))), () => {});
    return off;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const sel = machines.find((m) => m.name === current);
  return (
    <div className="machines" data-testid="machine-switcher">
      <label className="side-h" htmlFor="machine-select">Machine</label>
      <div className="row">
        <select id="machine-select" className="input grow" value={current} onChange={(e) => selectMachine(e.target.value)} aria-label="Machine">
          {!sel && <option value={current}>{current}</option>}
          {machines.map((m) => <option key={m.name} value={m.name}>{label(m)}{m.name === 'local' ? '' : ` (${m.state})`}</option>)}
        </select>
        <button type="button" className="btn sm" aria-label="Add machine" title="Add a machine reached over SSH" onClick={() => setAdding((a) => !a)}>+</button>
      </div>
      {sel && sel.name !== 'local' && (
        <div className="machine-status" data-testid="machine-status" role="status">
          <span className={`dot tone-${TONE[sel.state]}`} aria-hidden="true" /> {sel.state}
          {sel.remoteVersion && sel.state === 'connected' && <span className="muted"> · Berth {sel.remoteVersion}</span>}
          {sel.reason && sel.state !== 'connected' && <div className="muted small">{sel.reason}{sel.hint ? ` ${sel.hint}` : ''}</div>}
          {sel.state === 'connected' && sel.warnings.map((w) => <div key={w} className="tone-warn small">{w}</div>)}
          {(sel.state === 'error' || sel.state === 'reconnecting') && <button type="button" className="btn sm" onClick={() => void localApi.machines.connect({ name: sel.name }).catch(() => {})}>Retry now</button>}
        </div>
      )}
      {adding && <AddMachine onAdded={(m) => { setMachines((all) => [...all, m]); setAdding(false); }} />}
      <ErrorNote error={load.error} onDismiss={() => load.setError(null)} />
    </div>
  );
}

function AddMachine({ onAdded }: { onAdded: (m: MachineInfo) => void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [command, setCommand] = useState('');
  const [allow, setAllow] = useState('');
  const add = useAction();
  // One folder a line (or comma-separated), like repeating `berth remote add --allow DIR`.
  const folders = allow.split(/[\n,]/).map((d) => d.trim()).filter(Boolean);
  return (
    <form className="add-machine" aria-label="Add machine" onSubmit={async (e) => {
      e.preventDefault();
      const m = await add.run(() => localApi.machines.add({ name: name.trim(), url: url.trim(), ...(command.trim() ? { command: command.trim() } : {}), ...(folders.length ? { allow: folders } : {}) }));
      if (m) onAdded(m);
    }}>
      <input className="input" aria-label="Machine name" placeholder="name, e.g. gpu1" value={name} onChange={(e) => setName(e.target.value)} />
      <input className="input mono" aria-label="SSH URL" placeholder="ssh://me@gpu-box" value={url} onChange={(e) => setUrl(e.target.value)} />
      <input className="input mono" aria-label="Berth command there" placeholder="berth (command there, optional)" value={command} onChange={(e) => setCommand(e.target.value)} />
      <textarea className="input mono" rows={2} aria-label="Folders there Berth may open" placeholder={'/home/me/models (folders there, one a line; default: the remote home)'} value={allow} onChange={(e) => setAllow(e.target.value)} />
      <p className="muted small">Uses your SSH keys, agent and ~/.ssh/config; the host must be in known_hosts.</p>
      <button type="submit" className="btn primary sm" disabled={add.busy}>{add.busy ? 'Adding…' : 'Add machine'}</button>
      <ErrorNote error={add.error} onDismiss={() => add.setError(null)} />
    </form>
  );
}
