// The new-config wizard: server, model (checked on the Hub), GPUs, secrets. The YAML comes
// from shared/wizard (the same pure function the service writes with), previewed here and
// validated as the user types; Create writes it into a new folder and opens it.
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client.js';
import type { ApiConfigIssue, AppInfo } from '../../api/contract.js';
import type { HubModelCheck } from '../../../../shared/catalog.js';
import { serverById } from '../../../../shared/servers.js';
import { ACCELERATOR_TYPES } from '../../../../shared/truss/accelerators.js';
import { servedNameFor, WIZARD_SERVERS, wizardConfigYaml, wizardTasks, type WizardInput, type WizardServer, type WizardTask } from '../../../../shared/wizard/config-yaml.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useAction } from '../../components/useAction.js';
import { formatBytes } from '../../lib/format.js';
import { navigate } from '../../lib/route.js';
import { FolderField } from './FolderField.js';

const SERVER_LABEL = (s: WizardServer) => (s === 'custom' ? 'Custom image' : serverById(s).name.replace('Text Embeddings Inference', 'TEI').replace(' server', ''));
const GATED_SECRET = 'hf_access_token';

const initial: WizardInput = {
  server: 'vllm', task: 'chat', modelName: '', repoId: '', revision: 'main', ggufFile: '', accelerator: 'L4', gpuCount: 1, secrets: [],
  image: '', port: 8000, startCommand: '', predictEndpoint: '/predict', readinessEndpoint: '/health', livenessEndpoint: '/health',
};

export function NewConfig() {
  const [f, setF] = useState<WizardInput>(initial);
  const [secretsText, setSecretsText] = useState('');
  const [dir, setDir] = useState('');
  const [info, setInfo] = useState<AppInfo | null>(null);
  const set = (p: Partial<WizardInput>) => setF((x) => ({ ...x, ...p }));
  useEffect(() => { api.app.info().then(setInfo, () => undefined); }, []);

  const input: WizardInput = useMemo(() => ({
    ...f,
    repoId: f.repoId?.trim() ? f.repoId.trim() : null,
    modelName: f.modelName.trim() || servedNameFor(f.repoId?.trim() || null, 'my-model'),
    gpuCount: f.accelerator ? f.gpuCount : 0,
    secrets: secretsText.split(/[\s,]+/).filter(Boolean),
  }), [f, secretsText]);
  const result = useMemo(() => wizardConfigYaml(input), [input]);
  const issues = useValidation(result.yaml);
  const create = useAction();

  return (
    <div className="screen wizard">
      <header className="screen-head"><h1>New config</h1></header>
      <p className="muted">Pick a server and a model; Berth writes a Truss <code>config.yaml</code> with the server's port, health and predict paths and start command, checks it, and opens it.</p>
      <div className="grid2">
        <div className="stack">
          <section className="card" aria-labelledby="w-server">
            <h2 id="w-server">1. Server</h2>
            <div className="seg" role="group" aria-label="Server">
              {WIZARD_SERVERS.map((s) => (
                <button key={s} type="button" className={f.server === s ? 'on' : ''} aria-pressed={f.server === s} onClick={() => {
                  const tasks = wizardTasks(s);
                  set({ server: s, task: tasks.includes(f.task) ? f.task : tasks[0] });
                }}>{SERVER_LABEL(s)}</button>
              ))}
            </div>
            <div className="field">
              <span className="label">Task</span>
              <div className="seg" role="group" aria-label="Task">
                {wizardTasks(f.server).map((t) => <button key={t} type="button" className={f.task === t ? 'on' : ''} aria-pressed={f.task === t} onClick={() => set({ task: t as WizardTask })}>{t}</button>)}
              </div>
            </div>
            {f.server === 'custom' && <CustomFields f={f} set={set} />}
          </section>
          <ModelCard f={f} set={set} addSecret={(s) => setSecretsText((t) => (t.split(/[\s,]+/).includes(s) ? t : [t.trim(), s].filter(Boolean).join(', ')))} />
          <section className="card" aria-labelledby="w-gpu">
            <h2 id="w-gpu">3. GPUs and secrets</h2>
            <div className="field">
              <label className="label" htmlFor="w-acc">Accelerator</label>
              <select id="w-acc" className="input" value={f.accelerator ?? ''} onChange={(e) => set({ accelerator: e.target.value || null, gpuCount: Math.max(1, f.gpuCount) })}>
                <option value="">No GPU (CPU)</option>
                {ACCELERATOR_TYPES.map((a) => <option key={a} value={a}>{a}</option>)}
              </select>
              {f.accelerator && (<>
                <label className="label" htmlFor="w-count">Count</label>
                <input id="w-count" className="input" type="number" min={1} max={16} value={f.gpuCount} onChange={(e) => set({ gpuCount: Number(e.target.value) })} style={{ width: 70 }} />
              </>)}
            </div>
            <div className="field">
              <label className="label" htmlFor="w-secrets">Secrets</label>
              <input id="w-secrets" className="input grow mono" placeholder="hf_access_token (names only: values go in Secrets)" value={secretsText} onChange={(e) => setSecretsText(e.target.value)} />
            </div>
            <div className="field">
              <label className="label" htmlFor="w-name">Model name</label>
              <input id="w-name" className="input grow" placeholder={input.modelName} value={f.modelName} onChange={(e) => set({ modelName: e.target.value })} />
            </div>
          </section>
        </div>
        <section className="card" aria-labelledby="w-preview">
          <h2 id="w-preview">4. config.yaml</h2>
          {result.problems.length > 0 ? (
            <ul className="issues" data-testid="wizard-problems">{result.problems.map((p) => <li key={p} className="warn-text">{p}</li>)}</ul>
          ) : (
            <>
              <IssueList issues={issues} />
              <pre className="code" data-testid="wizard-yaml">{result.yaml}</pre>
            </>
          )}
          <form className="row" onSubmit={async (e) => {
            e.preventDefault();
            const r = await create.run(() => api.wizard.create({ input, ...(dir.trim() ? { dir: dir.trim() } : {}) }));
            if (r) navigate({ name: 'deployment', id: r.id, tab: 'overview' });
          }}>
            <FolderField value={dir} onChange={setDir} canPick={!!info?.canPickFolder} label="Folder for the new config" placeholder="Folder (empty: Berth's data folder)" />
            <button type="submit" className="btn primary" disabled={create.busy || !result.yaml}>{create.busy ? 'Writing…' : 'Create and open'}</button>
          </form>
          <ErrorNote error={create.error} onDismiss={() => create.setError(null)} />
        </section>
      </div>
    </div>
  );
}

function ModelCard({ f, set, addSecret }: { f: WizardInput; set: (p: Partial<WizardInput>) => void; addSecret: (s: string) => void }) {
  const [check, setCheck] = useState<HubModelCheck | null>(null);
  const { busy, error, run } = useAction();
  const doCheck = async () => {
    const r = await run(() => api.wizard.checkModel({ repoId: (f.repoId ?? '').trim(), revision: f.revision.trim() || 'main' }));
    if (!r) return;
    setCheck(r);
    // Pin what was found: the config then means this commit, whatever the branch does later.
    if (r.commit) set({ revision: r.commit });
    if (r.gated) addSecret(GATED_SECRET);
    if (f.server === 'llamacpp' && r.ggufFiles.length && !f.ggufFile) set({ ggufFile: r.ggufFiles.find((g) => /q4_k_m/i.test(g)) ?? r.ggufFiles[0] });
  };
  return (
    <section className="card" aria-labelledby="w-model">
      <h2 id="w-model">2. Model</h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void doCheck(); }}>
        <input className="input grow mono" aria-label="Hugging Face repo id" placeholder="org/name, e.g. Qwen/Qwen2.5-0.5B-Instruct" value={f.repoId ?? ''} onChange={(e) => { setCheck(null); set({ repoId: e.target.value, revision: 'main' }); }} />
        <button type="submit" className="btn" disabled={busy || !f.repoId?.trim()}>{busy ? 'Checking…' : 'Check on the Hub'}</button>
      </form>
      <div className="field">
        <label className="label" htmlFor="w-rev">Revision</label>
        <input id="w-rev" className="input grow mono" value={f.revision} onChange={(e) => set({ revision: e.target.value })} />
      </div>
      {f.server === 'llamacpp' && (
        <div className="field">
          <label className="label" htmlFor="w-gguf">GGUF file</label>
          {check?.ggufFiles.length ? (
            <select id="w-gguf" className="input grow mono" value={f.ggufFile} onChange={(e) => set({ ggufFile: e.target.value })}>
              {check.ggufFiles.map((g) => <option key={g} value={g}>{g}</option>)}
            </select>
          ) : <input id="w-gguf" className="input grow mono" placeholder="model-q4_k_m.gguf" value={f.ggufFile} onChange={(e) => set({ ggufFile: e.target.value })} />}
        </div>
      )}
      <ErrorNote error={error} />
      {check && <CheckResult c={check} />}
    </section>
  );
}

function CheckResult({ c }: { c: HubModelCheck }) {
  if (!c.exists) {
    return (
      <div className={`note ${c.error?.code === 'WEIGHTS_UNREACHABLE' ? 'warn' : 'bad'}`} data-testid="hub-check">
        <div className="note-body"><strong>{c.error?.message}</strong>{c.error?.hint && <div className="hint">{c.error.hint}</div>}
          {c.error?.code === 'WEIGHTS_UNREACHABLE' && <div className="hint">You can still write the config; Berth checks the model again when it starts.</div>}
        </div>
      </div>
    );
  }
  return (
    <div className={`note ${c.gated ? 'warn' : 'ok'}`} data-testid="hub-check">
      <div className="note-body">
        <strong>Found {c.repoId}: {formatBytes(c.sizeBytes ?? 0)} in {c.files} files, commit {c.commit?.slice(0, 12)} (pinned).</strong>
        {c.gated && <div className="hint">Gated: accept its license on the Hub, and set the secret {GATED_SECRET} (added to the config's secrets).</div>}
      </div>
    </div>
  );
}

function CustomFields({ f, set }: { f: WizardInput; set: (p: Partial<WizardInput>) => void }) {
  const text = (k: 'image' | 'startCommand' | 'predictEndpoint' | 'readinessEndpoint' | 'livenessEndpoint', label: string, ph: string) => (
    <div className="field" key={k}>
      <label className="label" htmlFor={`w-${k}`}>{label}</label>
      <input id={`w-${k}`} className="input grow mono" placeholder={ph} value={f[k] ?? ''} onChange={(e) => set({ [k]: e.target.value })} />
    </div>
  );
  return (
    <>
      {text('image', 'Image', 'ghcr.io/org/server:1.2.3')}
      {text('startCommand', 'Start command', 'python3 serve.py --port 8000')}
      <div className="field">
        <label className="label" htmlFor="w-port">Port</label>
        <input id="w-port" className="input" type="number" value={f.port} onChange={(e) => set({ port: Number(e.target.value) })} style={{ width: 90 }} />
      </div>
      {text('predictEndpoint', 'Predict path', '/predict')}
      {text('readinessEndpoint', 'Readiness path', '/health')}
      {text('livenessEndpoint', 'Liveness path', '/health')}
    </>
  );
}

/** The config validator's answer for the text, as the user types (debounced). */
function useValidation(text: string | null): ApiConfigIssue[] {
  const [issues, setIssues] = useState<ApiConfigIssue[]>([]);
  useEffect(() => {
    if (!text) return setIssues([]);
    const t = setTimeout(() => { api.deployments.validateText({ text }).then((r) => setIssues(r.issues), () => setIssues([])); }, 300);
    return () => clearTimeout(t);
  }, [text]);
  return issues;
}

function IssueList({ issues }: { issues: ApiConfigIssue[] }) {
  // GPU errors describe this machine, not the config: it is still written (it may be for another machine, or a CPU run).
  const here = issues.filter((i) => i.code?.startsWith('GPU_'));
  const rest = issues.filter((i) => !i.code?.startsWith('GPU_'));
  const blocking = rest.some((i) => i.severity === 'error');
  return (
    <>
      {!blocking && <p className="ok-text small" data-testid="wizard-valid">Valid: Berth's config checks pass.</p>}
      {rest.length > 0 && <ul className="issues" data-testid="wizard-issues">{rest.map((i, n) => <li key={n} className={i.severity === 'error' ? 'bad-text' : 'warn-text'}>{i.message}</li>)}</ul>}
      {here.length > 0 && <p className="muted small" data-testid="wizard-machine">On this machine: {here.map((i) => i.message).join(' ')} (Start offers a CPU run.)</p>}
    </>
  );
}
