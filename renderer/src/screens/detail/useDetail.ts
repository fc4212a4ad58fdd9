import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client.js';
import type { BerthErrorShape, DeploymentDetail } from '../../api/contract.js';
import { asErrorShape } from '../../api/errors.js';
import { useStore } from '../../lib/store.js';
import { reconnectsStore } from '../../state/connection.js';
import { seedLive, upsertSummary } from '../../state/deployments.js';

/** Loads deployments.get once per id (and on demand); live parts then come from events. */
export function useDetail(id: string) {
  const [detail, setDetail] = useState<DeploymentDetail | null>(null);
  const [error, setError] = useState<BerthErrorShape | null>(null);
  const reload = useCallback(async () => {
    try {
      const d = await api.deployments.get({ id });
      upsertSummary(d.summary);
      seedLive(id, d);
      setDetail(d);
      setError(null);
    } catch (err) {
      setError(asErrorShape(err));
    }
  }, [id]);
  useEffect(() => { setDetail(null); void reload(); }, [reload]);
  const reconnects = useStore(reconnectsStore);
  useEffect(() => { if (reconnects) void reload(); }, [reconnects, reload]);
  return { detail, error, reload };
}
