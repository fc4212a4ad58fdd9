import type { BerthErrorShape } from '../api/contract.js';

/** An actionable error: what happened and what to do. Never a stack trace. */
export function ErrorNote({ error, onDismiss }: { error: BerthErrorShape | null; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="note bad" role="alert" data-testid="error-note">
      <div className="note-body">
        <strong>{error.message}</strong>
        {error.hint && <div className="hint">{error.hint}</div>}
      </div>
      {onDismiss && <button type="button" className="btn ghost sm" aria-label="Dismiss" onClick={onDismiss}>✕</button>}
    </div>
  );
}
