// Opening a config on a remote machine: browse folders there (files.list, answered by the
// remote Berth within the folders it may open), or copy a truss folder from this computer
// to a folder Berth manages there (machines.upload) and open the copy; edits save there.
import { useState } from 'react';
import type { FileListing } from '../../../shared/remote.js';
import { api, localApi, machine } from '../api/client.js';
import { ErrorNote } from './ErrorNote.js';
import { useAction } from './useAction.js';

export function RemoteFiles({ onPick }: { onPick: (path: string) => void }) {
  const [listing, setListing] = useState<FileListing | null>(null);
  const [local, setLocal] = useState('');
  const act = useAction();
  const browse = (dir?: string) => void act.run(async () => setListing(await api.files.list(dir ? { dir } : undefined)));
  return (
    <div className="remote-files" data-testid="remote-files">
      <div className="row">
        <button type="button" className="btn" onClick={() => browse()}>Browse {machine}…</button>
        <form className="row grow" onSubmit={async (e) => {
          e.preventDefault();
          const r = await act.run(() => localApi.machines.upload({ machine, path: local.trim() }));
          if (r) { setLocal(''); onPick(r.path); }
        }}>
          <input className="input grow mono" aria-label="Local truss folder to copy" placeholder={`or copy a truss folder from this computer to ${machine}`} value={local} onChange={(e) => setLocal(e.target.value)} />
          <button type="submit" className="btn" disabled={act.busy || !local.trim()}>Copy &amp; open</button>
        </form>
      </div>
      {listing && (
        <div className="file-list" role="listbox" aria-label={`Folders on ${machine}`}>
          <div className="muted small mono">{machine}:{listing.dir}</div>
          {listing.parent && <button type="button" className="btn ghost sm" onClick={() => browse(listing.parent!)}>↑ ..</button>}
          {listing.entries.map((e) => (
            <button key={e.name} type="button" className="btn ghost sm mono" role="option" aria-selected={false}
              onClick={() => (e.kind === 'dir' ? browse(`${listing.dir}/${e.name}`) : onPick(`${listing.dir}/${e.name}`))}>
              {e.kind === 'dir' ? '📁' : '📄'} {e.name}
            </button>
          ))}
          {!listing.entries.length && <div className="muted small">No folders or config.yaml here.</div>}
        </div>
      )}
      <ErrorNote error={act.error} onDismiss={() => act.setError(null)} />
    </div>
  );
}
