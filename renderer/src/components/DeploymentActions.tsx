import { api } from '../api/client.js';
import type { DeploymentSummary } from '../api/contract.js';
import { isRunningState } from '../lib/format.js';
import { useAction } from './useAction.js';
import { ErrorNote } from './ErrorNote.js';
import { upsertSummary } from '../state/deployments.js';
import { useState } from 'react';
import type { MemoryEstimate } from '../api/contract.js';
import { freshMemory } from '../state/memory.js';

/** How long Start waits for a first estimate before starting without one. */
const FIT_CHECK_WAIT_MS = 8000;

/** The estimate Start checks, taken now (free memory changes); bounded, so Start never hangs on it. */
function fitBeforeStart(id: string): Promise<MemoryEstimate | null> {
  return Promise.race([freshMemory(id), new Promise<null>((r) => setTimeout(() => r(null), FIT_CHECK_WAIT_MS))]);
}

export function DeploymentActions({ d }: { d: DeploymentSummary }) {
  const { busy, error, setError, run } = useAction();
  const running = isRunningState(d.state.name);
  const errors = d.errors.filter((e) => e.severity === 'error');
  const hasErrors = errors.length > 0;
  // Errors that only say "no usable GPU here": a CPU run answers them (slow, but it runs).
  const gpuOnly = hasErrors && errors.every((e) => /^GPU_/.test(e.code ?? ''));
  // A start the estimate says will not fit waits for the user to confirm it.
  const [unfit, setUnfit] = useState<MemoryEstimate | null>(null);
  const start = () => run(async () => upsertSummary(await api.deployments.start({ id: d.id })));
  const startChecked = () =>
    run(async () => {
      const m = await fitBeforeStart(d.id);
      if (m?.verdict === 'does-not-fit') setUnfit(m);
      else upsertSummary(await api.deployments.start({ id: d.id }));
    });
  return (
    <div className="action-group">
      <div className="row tight">
        {!running ? (
          <button type="button" className="btn primary sm" disabled={busy || hasErrors} title={hasErrors ? 'Fix the config errors first' : undefined}
            aria-label={`Start ${d.modelName}`} onClick={startChecked}>Start</button>
        ) : (
          <button type="button" className="btn sm" disabled={busy || d.state.name === 'stopping'}
            aria-label={`Stop ${d.modelName}`} onClick={() => run(async () => upsertSummary(await api.deployments.stop({ id: d.id })))}>Stop</button>
        )}
        <button type="button" className="btn sm" disabled={busy || !running || hasErrors}
          aria-label={`Restart ${d.modelName}`} onClick={() => run(async () => upsertSummary(await api.deployments.restart({ id: d.id })))}>Restart</button>
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
      {unfit && !running && (
        <div className="note bad start-anyway" role="alert" data-testid="fit-warning">
          <div className="note-body">
            <strong>{d.modelName} will not fit in GPU memory</strong>
            <div className="hint">{unfit.reasons[0]}</div>
            {unfit.suggestions[0] && <div className="hint">Try: {unfit.suggestions[0]}</div>}
            <div className="row tight start-anyway">
              <button type="button" className="btn sm" disabled={busy} onClick={() => { setUnfit(null); start(); }}>Start anyway</button>
              <button type="button" className="btn sm" onClick={() => setUnfit(null)}>Cancel</button>
            </div>
          </div>
        </div>
      )}
      {((error && /^GPU_/.test(error.code)) || gpuOnly) && !running && (
        // No usable GPU here: the same config can still be tried on the CPU (slow, but it runs).
        <button type="button" className="btn sm" onClick={() => run(async () => upsertSummary(await api.deployments.start({ id: d.id, cpuOnly: true })))}>Start on CPU instead</button>
      )}
    </div>
  );
}
