// A folder path: typed (the browser UI cannot see the disk), or picked with the desktop app's
// native folder dialog when it has one (app.info.canPickFolder).
import { api } from '../../api/client.js';

export function FolderField({ value, onChange, canPick, label, placeholder }: { value: string; onChange: (v: string) => void; canPick: boolean; label: string; placeholder: string }) {
  return (
    <>
      <input className="input grow mono" aria-label={label} placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
      {canPick && (
        <button type="button" className="btn" onClick={async () => {
          const r = await api.dialog.pickFolder().catch(() => null);
          if (r?.path) onChange(r.path);
        }}>Browse…</button>
      )}
    </>
  );
}
