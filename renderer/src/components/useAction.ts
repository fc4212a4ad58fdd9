import { useCallback, useState } from 'react';
import type { BerthErrorShape } from '../api/contract.js';
import { asErrorShape } from '../api/errors.js';

/** Runs an API call, tracking busy state and an actionable error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BerthErrorShape | null>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(asErrorShape(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
