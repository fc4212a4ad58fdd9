import { api } from '../api/client.js';
import type { DeploymentSummary } from '../api/contract.js';
import { isRunningState } from '../lib/format.js';
import { useAction } from './useAction.js';
import { ErrorNote } from './ErrorNote.js';
import { upsertSummary } from '../state/deployments.js';

export function DeploymentActions({ d }: { d: DeploymentSummary }) {
  const { busy, error, setError, run } = useAction();
  const running = isRunningState(d.state.name);
  const errors = d.errors.filter((e) => e.severity === 'error');
  const hasErrors = errors.length > 0;
  // Errors that only say "no usable GPU here": a CPU run answers them (slow, but it runs).
  const gpuOnly = hasErrors && errors.every((e) => /^GPU_/.test(e.code ?? ''));
  return (
    <div className="action-group">
      <div className="row tight">
        {!running ? (
          <button type="button" className="btn primary sm" disabled={busy || hasErrors} title={hasErrors ? 'Fix the config errors first' : undefined}
            aria-label={`Start ${d.modelName}`} onClick={() => run(async () => upsertSummary(await api.deployments.start({ id: d.id })))}>Start</button>
        ) : (
          <button type="button" className="btn sm" disabled={busy || d.state.name === 'stopping'}
            aria-label={`Stop ${d.modelName}`} onClick={() => run(async () => upsertSummary(await api.deployments.stop({ id: d.id })))}>Stop</button>
        )}
        <button type="button" className="btn sm" disabled={busy || !running || hasErrors}
          aria-label={`Restart ${d.modelName}`} onClick={() => run(async () => upsertSummary(await api.deployments.restart({ id: d.id })))}>Restart</button>
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
      {((error && /^GPU_/.test(error.code)) || gpuOnly) && !running && (
        // No usable GPU here: the same config can still be tried on the CPU (slow, but it runs).
        <button type="button" className="btn sm" onClick={() => run(async () => upsertSummary(await api.deployments.start({ id: d.id, cpuOnly: true })))}>Start on CPU instead</button>
      )}
    </div>
  );
}
