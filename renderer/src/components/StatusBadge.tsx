import type { DeploymentState } from '../api/contract.js';
import { STATE_LABEL, stateTone } from '../lib/format.js';

export function StatusBadge({ state }: { state: DeploymentState }) {
  const tone = stateTone(state.name);
  return (
    <span className={`badge tone-${tone}`} role="status" aria-label={`Status: ${STATE_LABEL[state.name]}`} data-testid="status-badge" data-state={state.name} title={state.reason}>
      <span className="dot" aria-hidden="true" />
      {STATE_LABEL[state.name]}
    </span>
  );
}
