// Overview card: the config as Kubernetes manifests (deployments.exportKubernetes), to copy or
// download as one YAML stream. Secret values are left out unless the user ticks the box, and
// the card says when they are in the text.
import { useState } from 'react';
import { api } from '../api/client.js';
import type { KubernetesExport as ExportResult } from '../../../shared/kubernetes-export.js';
import { CopyButton } from './CopyButton.js';
import { ErrorNote } from './ErrorNote.js';
import { useAction } from './useAction.js';

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function KubernetesExport({ id, modelName }: { id: string; modelName: string }) {
  const { busy, error, setError, run } = useAction();
  const [includeSecrets, setIncludeSecrets] = useState(false);
  const [result, setResult] = useState<ExportResult | null>(null);
  const exportNow = () => run(async () => setResult(await api.deployments.exportKubernetes({ id, ...(includeSecrets ? { includeSecrets: true } : {}) })));
  return (
    <section className="card" aria-labelledby="k8s-h">
      <div className="row between">
        <h2 id="k8s-h">Kubernetes</h2>
        <button type="button" className="btn sm" disabled={busy} onClick={exportNow} aria-label="Export to Kubernetes">{busy ? 'Exporting…' : 'Export'}</button>
      </div>
      <p className="sub">Manifests with the platform's semantics: probes, GPUs, secrets, weights, routes (also: <code>berth export kubernetes</code>).</p>
      <label className="sub">
        <input type="checkbox" checked={includeSecrets} onChange={(e) => { setIncludeSecrets(e.target.checked); setResult(null); }} /> Include secret values from Berth's store
      </label>
      {error && <ErrorNote error={error} onDismiss={() => setError(null)} />}
      {result && (
        <>
          {result.secretValuesIncluded && <p className="warn-text" role="alert">This YAML contains secret values: keep it private.</p>}
          <div className="row">
            <CopyButton text={result.yaml} label="Copy Kubernetes YAML" display="Copy YAML" small />
            <button type="button" className="btn ghost sm" onClick={() => download(`${modelName || 'model'}-kubernetes.yaml`, result.yaml)}>Download</button>
            <span className="sub">{result.objects.map((o) => o.kind).join(', ')}</span>
          </div>
          <textarea className="input mono" readOnly rows={12} value={result.yaml} aria-label="Kubernetes manifests" />
          {result.notes.length > 0 && (
            <ul className="sub" aria-label="Not expressed in the manifests">
              {result.notes.map((n) => <li key={n}>{n}</li>)}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
