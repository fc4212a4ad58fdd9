import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { AppInfo, BerthSettings, GatewayInfo } from '../api/contract.js';
import { useAction } from '../components/useAction.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { CopyButton } from '../components/CopyButton.js';
import { useStore } from '../lib/store.js';
import { engineStore } from '../state/connection.js';
import { applyTheme, storedTheme, type Theme } from '../lib/theme.js';

export function Settings() {
  const [s, setS] = useState<BerthSettings | null>(null);
  const [gw, setGw] = useState<GatewayInfo | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [newKey, setNewKey] = useState<string | null>(null);
  const engine = useStore(engineStore);
  const act = useAction();
  useEffect(() => {
    void act.run(async () => {
      const [a, b, c] = await Promise.all([api.settings.get(), api.gateway.info(), api.app.info()]);
      setS(a); setGw(b); setInfo(c);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const patch = async (p: Partial<BerthSettings>) => {
    const r = await act.run(() => api.settings.update({ patch: p }));
    if (r) { setS(r); setGw(await api.gateway.info().catch(() => gw)); }
  };
  return (
    <div className="screen">
      <header className="screen-head"><h1 className="grow">Settings</h1>{act.busy && <span className="muted">Saving…</span>}</header>
      <ErrorNote error={act.error} onDismiss={() => act.setError(null)} />
      {!s ? <p className="muted">Loading…</p> : (
        <div className="stack settings">
          <section className="card" aria-labelledby="engine-h">
            <h2 id="engine-h">Docker engine</h2>
            <div className="field"><span className="label">Connected to</span><code>{engine?.host ?? '—'}</code>
              <span className={engine?.up ? 'ok-text' : 'bad-text'}>{engine ? (engine.up ? `up · Docker ${engine.version ?? ''}` : `unavailable: ${engine.reason ?? ''}`) : ''}</span></div>
            <TextField label="Docker host override" placeholder="auto (DOCKER_HOST, docker context, default socket)" value={s.dockerHost ?? ''} onCommit={(v) => patch({ dockerHost: v.trim() || null })} />
            <p className="sub">For example <code>unix:///var/run/docker.sock</code> or <code>tcp://127.0.0.1:2375</code>. Leave empty for automatic.</p>
          </section>
          <section className="card" aria-labelledby="run-h">
            <h2 id="run-h">Running models</h2>
            <label className="field check"><input type="checkbox" checked={s.keepRunningOnQuit} onChange={(e) => patch({ keepRunningOnQuit: e.target.checked })} /> Keep models running when Berth quits (re-adopted on next start)</label>
            <NumberField label="Probe period (seconds)" value={s.probePeriodMs / 1000} min={1} max={600} onCommit={(v) => patch({ probePeriodMs: Math.round(v * 1000) })} />
            <TextField label="Shared memory (--shm-size)" placeholder="8g" value={s.shmSize} onCommit={(v) => patch({ shmSize: v.trim() })} />
            <label className="field check"><input type="checkbox" checked={s.shareHfCache} onChange={(e) => patch({ shareHfCache: e.target.checked })} /> Share this machine's Hugging Face cache with containers (servers that fetch by repo id find Berth's downloads)</label>
            <label className="field check"><input type="checkbox" checked={s.applyResourceLimits} onChange={(e) => patch({ applyResourceLimits: e.target.checked })} /> Apply resources.cpu and memory from config.yaml as container limits</label>
            <label className="field check"><input type="checkbox" checked={s.allowGpuSharing} onChange={(e) => patch({ allowGpuSharing: e.target.checked })} /> Let two models share a GPU</label>
            {info?.transport === 'ipc' && <label className="field check"><input type="checkbox" checked={s.disableHardwareAcceleration} onChange={(e) => patch({ disableHardwareAcceleration: e.target.checked })} /> Turn off hardware acceleration for this window (keeps its GPU process off the GPUs models use; fixes a black window on some NVIDIA + Wayland setups; applies at the next launch)</label>}
          </section>
          <section className="card" aria-labelledby="gw-h">
            <h2 id="gw-h">Gateway</h2>
            <div className="field"><span className="label">Exposure</span>
              <div className="seg" role="group" aria-label="Gateway exposure">
                <button type="button" className={!s.gatewayExpose ? 'on' : ''} aria-pressed={!s.gatewayExpose} onClick={() => patch({ gatewayExpose: false })}>This machine only</button>
                <button type="button" className={s.gatewayExpose ? 'on' : ''} aria-pressed={s.gatewayExpose} onClick={() => patch({ gatewayExpose: true })}>Local network (key required)</button>
              </div>
            </div>
            <label className="field check"><input type="checkbox" checked={s.captureRequestBodies} onChange={(e) => patch({ captureRequestBodies: e.target.checked })} /> Keep request and response bodies of the latest requests in the request history (credentials and secret values are always left out)</label>
            <label className="field check"><input type="checkbox" checked={s.gatewayRequireKeyOnLoopback} onChange={(e) => patch({ gatewayRequireKeyOnLoopback: e.target.checked })} /> Require the API key on this machine too</label>
            <div className="field"><span className="label">API key</span>
              <span>{gw?.keyConfigured ? 'configured' : 'not set'}</span>
              <button type="button" className="btn sm" onClick={async () => { const r = await act.run(() => api.gateway.generateKey()); if (r) { setNewKey(r.key); setGw(await api.gateway.info().catch(() => gw)); } }}>{gw?.keyConfigured ? 'Replace key' : 'Generate key'}</button>
            </div>
            {newKey && (
              <div className="note ok" role="status"><div className="note-body"><strong>New key (shown once):</strong> <code data-testid="new-key">{newKey}</code><div className="hint">Send it as <code>Authorization: Api-Key &lt;key&gt;</code>.</div></div><CopyButton text={newKey} label="Copy key" small /><button type="button" className="btn ghost sm" onClick={() => setNewKey(null)}>Hide</button></div>
            )}
          </section>
          <section className="card" aria-labelledby="look-h">
            <h2 id="look-h">Appearance</h2>
            <ThemePicker />
          </section>
          {info && <p className="sub muted">Berth {info.version} · {info.transport} · data in <code>{info.dataDir}</code></p>}
        </div>
      )}
    </div>
  );
}

function ThemePicker() {
  const [t, setT] = useState<Theme>(storedTheme());
  return (
    <div className="seg" role="group" aria-label="Theme">
      {(['system', 'light', 'dark'] as const).map((x) => <button key={x} type="button" className={t === x ? 'on' : ''} aria-pressed={t === x} onClick={() => { setT(x); applyTheme(x); }}>{x[0].toUpperCase() + x.slice(1)}</button>)}
    </div>
  );
}

function NumberField({ label, value, min, max, onCommit }: { label: string; value: number; min: number; max: number; onCommit: (v: number) => void }) {
  const [v, setV] = useState(String(value));
  useEffect(() => { setV(String(value)); }, [value]);
  const n = Number(v);
  const bad = !Number.isFinite(n) || n < min || n > max;
  return (
    <label className="field"><span className="label">{label}</span>
      <input className="input sm" type="number" min={min} max={max} value={v} aria-invalid={bad} onChange={(e) => setV(e.target.value)} onBlur={() => { if (!bad && n !== value) onCommit(n); }} />
      {bad && <span className="bad-text sub">Enter a number from {min} to {max}.</span>}
    </label>
  );
}

function TextField({ label, value, placeholder, onCommit }: { label: string; value: string; placeholder?: string; onCommit: (v: string) => void }) {
  const [v, setV] = useState(value);
  useEffect(() => { setV(value); }, [value]);
  return (
    <label className="field"><span className="label">{label}</span>
      <input className="input sm mono" value={v} placeholder={placeholder} onChange={(e) => setV(e.target.value)} onBlur={() => { if (v !== value) onCommit(v); }} />
    </label>
  );
}
