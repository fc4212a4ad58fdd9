// "Will it fit?": the GPU memory estimate on the Overview, before Start. The numbers come
// from the model's own config.json and safetensors headers and the GPUs as nvidia-smi sees
// them (shared/fit); this card only shows them, with what to change when it does not fit.
import { useEffect } from 'react';
import type { FitVerdict, MemoryEstimate } from '../../api/contract.js';
import { gib, gib2 } from '../../../../shared/fit/units.js';
import { VERDICT_WORDS } from '../../../../shared/fit/types.js';

/** KiB for per-token figures, GiB for the rest: the units the estimate's own text uses. */
const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
import { useStore } from '../../lib/store.js';
import { reconnectsStore } from '../../state/connection.js';
import { loadMemory, memoryStore } from '../../state/memory.js';

/** "Fits", "Fits, tightly", "Does not fit", "Unknown": the estimate's own words, capitalised. */
export const verdictLabel = (v: FitVerdict) => VERDICT_WORDS[v][0].toUpperCase() + VERDICT_WORDS[v].slice(1);
export const VERDICT_TONE: Record<FitVerdict, string> = { fits: 'ok', tight: 'warn', 'does-not-fit': 'bad', unknown: 'idle' };

export function MemoryFit({ id, configKey }: { id: string; configKey: string | null }) {
  const state = useStore(memoryStore)[id];
  useEffect(() => {
    // Wait for the detail: the config text keys the estimate (an edit re-checks).
    if (configKey !== null) void loadMemory(id, configKey);
  }, [id, configKey]);
  const reconnects = useStore(reconnectsStore);
  const failed = !!state?.error;
  useEffect(() => {
    if (reconnects && failed && configKey !== null) void loadMemory(id, configKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reconnects]);
  const m = state?.estimate ?? null;
  return (
    <section className="card fit" aria-labelledby="fit-h" data-testid="memory-fit">
      <div className="row between">
        <h2 id="fit-h">GPU memory</h2>
        <div className="row tight">
          {m && <span className={`badge tone-${VERDICT_TONE[m.verdict]}`} data-testid="fit-verdict"><span className="dot" aria-hidden="true" />{verdictLabel(m.verdict)}</span>}
          <button type="button" className="btn sm" disabled={state?.loading} onClick={() => void loadMemory(id, configKey, true)} title="Read the GPUs and the model's headers again">
            {state?.loading ? 'Checking…' : 'Re-check'}
          </button>
        </div>
      </div>
      {!m && state?.loading && <p className="muted">Reading the model's config and weight headers (not its weights)…</p>}
      {state?.error && <p className="bad-text">Could not estimate: {state.error.message}</p>}
      {m && <EstimateBody m={m} />}
    </section>
  );
}

function EstimateBody({ m }: { m: MemoryEstimate }) {
  const [headline, ...why] = m.reasons;
  return (
    <>
      <p className="fit-headline" data-testid="fit-headline">{headline}</p>
      {m.gpus.map((g) => <GpuFitBar key={g.uuid} need={m.perGpuBytes} g={g} verdict={m.verdict} />)}
      <ul className="kv">
        {m.model && <li><span className="k">Model</span><code className="v ellipsis" title={m.modelVia ?? undefined}>{m.model}{m.commit ? ` (${m.commit.slice(0, 12)})` : ''}</code></li>}
        {m.server && <li><span className="k">Server</span><span className="v">{m.server}</span></li>}
        {m.weightsBytes !== null && (
          <li><span className="k">Weights</span><span className="v" data-testid="fit-weights">{gib2(m.weightsBytes)} · {Object.keys(m.weightsByDtype).join(', ')}{m.parameterCount ? ` · ${(m.parameterCount / 1e9).toFixed(2)} B parameters` : ''}</span></li>
        )}
        {m.kvBytesPerToken !== null && <li><span className="k">KV cache</span><span className="v">{kib(m.kvBytesPerToken)} per token{m.contextTokens ? ` · ${m.contextTokens.toLocaleString()} tokens of context` : ''}</span></li>}
        {m.overheadBytes !== null && <li><span className="k">Overhead</span><span className="v">{gib(m.overheadBytes)} per GPU</span></li>}
      </ul>
      {m.suggestions.length > 0 && (
        <div className={`note ${m.verdict === 'does-not-fit' ? 'bad' : 'warn'}`} data-testid="fit-suggestions">
          <div className="note-body">
            <strong>{m.verdict === 'does-not-fit' ? 'To make it fit' : 'To do'}</strong>
            <ul className="fit-suggestions">{m.suggestions.map((s) => <li key={s}>{s}</li>)}</ul>
          </div>
        </div>
      )}
      {(why.length > 0 || m.approximations.length > 0) && (
        <details>
          <summary>How this was worked out</summary>
          <ul className="fit-why">
            {why.map((r) => <li key={r}>{r}</li>)}
            {m.approximations.map((a) => <li key={a} className="muted">≈ {a}</li>)}
            {m.readFrom === 'cache' && <li className="muted">Read from the Hugging Face cache (the Hub was unreachable).</li>}
          </ul>
        </details>
      )}
    </>
  );
}

/** One GPU: the deployment's need against what the server may use (the marker) and the card. */
function GpuFitBar({ g, need, verdict }: { g: MemoryEstimate['gpus'][number]; need: number | null; verdict: FitVerdict }) {
  const total = g.totalBytes;
  const used = total - g.freeBytes;
  const pct = (n: number) => `${Math.min(100, (n / total) * 100).toFixed(1)}%`;
  return (
    <div className="fit-gpu" data-testid="fit-gpu">
      <div className="row between sub">
        <span>{g.name}</span>
        <span className="mono">{need !== null ? `needs ${gib(need)} · ` : ''}may use {gib(g.budgetBytes)} of {gib(total)}{used > 0 ? ` · ${gib(used)} held by others` : ''}</span>
      </div>
      <div className="fit-track" role="img" aria-label={`${g.name}: needs ${need !== null ? gib(need) : 'unknown'}, budget ${gib(g.budgetBytes)} of ${gib(total)}`}>
        {used > 0 && <div className="fit-used" style={{ width: pct(used) }} />}
        {need !== null && <div className={`fit-need tone-${VERDICT_TONE[verdict]}`} style={{ left: pct(used), width: pct(need) }} />}
        <div className="fit-budget" style={{ left: pct(g.budgetBytes) }} title="what the server may use" />
      </div>
    </div>
  );
}
