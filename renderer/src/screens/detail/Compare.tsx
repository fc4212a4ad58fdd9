// Compare in the Playground: one prompt to this deployment and another running one at the
// same time, both streaming side by side, with TTFT and tokens/s for each.
import { useRef, useState } from 'react';
import type { BerthErrorShape, DeploymentSummary } from '../../api/contract.js';
import { useStore } from '../../lib/store.js';
import { deploymentsStore } from '../../state/deployments.js';
import { streamChat, HttpError, describeHttpError, type StreamStats } from '../../lib/streamFetch.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatDuration } from '../../lib/format.js';

const CHAT = '/environments/production/sync/v1/chat/completions';

interface Side { text: string; stats: StreamStats | null; error: BerthErrorShape | null }
const EMPTY: Side = { text: '', stats: null, error: null };

/** The served model name (vLLM and SGLang check it), else none sent. */
async function modelOf(base: string, headers: Record<string, string>): Promise<string | undefined> {
  try {
    const r = await fetch(`${base}/environments/production/sync/v1/models`, { headers });
    const j = (await r.json()) as { data?: Array<{ id?: string }> };
    return j.data?.[0]?.id;
  } catch {
    return undefined;
  }
}

export function Compare({ summary, headers, prompt0 }: { summary: DeploymentSummary; headers: Record<string, string>; prompt0: string }) {
  const all = useStore(deploymentsStore);
  const others = Object.values(all).filter((d) => d.id !== summary.id && d.state.name === 'ready' && d.gatewayUrl);
  const [otherId, setOtherId] = useState('');
  const [prompt, setPrompt] = useState(prompt0 || 'Write one sentence about harbours.');
  const [maxTokens, setMaxTokens] = useState('128');
  const [sides, setSides] = useState<[Side, Side]>([EMPTY, EMPTY]);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const other = others.find((d) => d.id === otherId) ?? others[0] ?? null;
  const pair = other ? [summary, other] : [summary];

  const send = async () => {
    const ac = new AbortController();
    abort.current = ac;
    setBusy(true);
    setSides([EMPTY, EMPTY]);
    await Promise.all(pair.map(async (d, i) => {
      const base = d.gatewayUrl!.replace(/\/$/, '');
      const update = (fn: (s: Side) => Side) => setSides((prev) => { const next = [...prev] as [Side, Side]; next[i] = fn(next[i]); return next; });
      try {
        const model = await modelOf(base, headers);
        const body = { ...(model ? { model } : {}), messages: [{ role: 'user', content: prompt }], max_tokens: Number(maxTokens) || 128, stream: true };
        const final = await streamChat(base + CHAT, body, headers, (delta, stats) => update((s) => ({ ...s, text: s.text + delta, stats: { ...stats } })), ac.signal);
        update((s) => ({ ...s, stats: final }));
      } catch (err) {
        const e = err instanceof HttpError ? { code: 'CONTAINER_FAILED' as const, ...describeHttpError(err.status, err.body) } : { code: 'CONTAINER_FAILED' as const, message: (err as Error).message || 'The request failed.' };
        update((s) => ({ ...s, error: e }));
      }
    }));
    setBusy(false);
  };

  return (
    <div className="stack compare" data-testid="compare">
      <div className="toolbar">
        <label className="row tight">Compare with
          <select className="input sm" aria-label="Deployment to compare with" value={other?.id ?? ''} onChange={(e) => setOtherId(e.target.value)}>
            {others.length === 0 && <option value="">no other running deployment</option>}
            {others.map((d) => <option key={d.id} value={d.id}>{d.modelName} ({d.id})</option>)}
          </select>
        </label>
        <label className="row tight">max_tokens<input className="input sm" type="number" min={1} aria-label="max_tokens" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} /></label>
      </div>
      <div className="row">
        <textarea className="input grow" rows={2} aria-label="Compare prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        {busy ? <button type="button" className="btn" onClick={() => abort.current?.abort()}>Stop</button>
          : <button type="button" className="btn primary" disabled={!prompt.trim()} onClick={send}>Send to {pair.length === 2 ? 'both' : 'this one'}</button>}
      </div>
      {others.length === 0 && <p className="muted">Start another deployment to compare side by side; until then the prompt goes to this one only.</p>}
      <div className="compare-grid">
        {pair.map((d, i) => (
          <section key={d.id} className="card" aria-label={`Answer from ${d.modelName}`} data-testid="compare-side">
            <h3>{d.modelName} <span className="muted mono">{d.id}</span></h3>
            <div className="stats">
              <span>TTFT <strong data-testid="compare-ttft">{sides[i].stats?.ttftMs != null ? formatDuration(sides[i].stats!.ttftMs!) : '—'}</strong></span>
              <span>Tokens/s <strong data-testid="compare-tps">{sides[i].stats?.tokensPerSec != null ? sides[i].stats!.tokensPerSec!.toFixed(1) : '—'}</strong></span>
              <span>Tokens <strong>{sides[i].stats?.tokens ?? 0}</strong></span>
              <span>Total <strong>{sides[i].stats?.totalMs != null ? formatDuration(sides[i].stats!.totalMs!) : '…'}</strong></span>
            </div>
            <ErrorNote error={sides[i].error} />
            <pre className="compare-text" data-testid="compare-text">{sides[i].text}</pre>
          </section>
        ))}
      </div>
    </div>
  );
}
