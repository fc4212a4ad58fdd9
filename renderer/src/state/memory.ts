// The fit estimate per deployment: loaded by the Overview's card and by Start (which warns
// before starting a model that will not fit). Kept per config text, so an edit re-checks.
import { api } from '../api/client.js';
import type { BerthErrorShape, MemoryEstimate } from '../api/contract.js';
import { createStore } from '../lib/store.js';
import { toErrorShape } from '../../../shared/errors.js';

export interface MemoryState {
  loading: boolean;
  estimate: MemoryEstimate | null;
  error: BerthErrorShape | null;
  /** The config text the estimate is for; a different text makes it stale. */
  configKey: string | null;
}

export const memoryStore = createStore<Record<string, MemoryState>>({});
const inflight = new Map<string, Promise<MemoryEstimate | null>>();

function put(id: string, patch: Partial<MemoryState>): void {
  const empty: MemoryState = { loading: false, estimate: null, error: null, configKey: null };
  memoryStore.set((all) => ({ ...all, [id]: { ...empty, ...all[id], ...patch } }));
}

/** The estimate as of now (GPUs read fresh, model facts cached by the service), for Start; never throws. */
export async function freshMemory(id: string): Promise<MemoryEstimate | null> {
  try {
    const estimate = await api.deployments.memory({ id });
    const cur = memoryStore.get()[id];
    put(id, { estimate, configKey: cur?.configKey ?? null });
    return estimate;
  } catch {
    return null;
  }
}

/** Loads (or reuses) the estimate for a deployment; never throws. */
export function loadMemory(id: string, configKey: string | null, refresh = false): Promise<MemoryEstimate | null> {
  const cur = memoryStore.get()[id];
  if (!refresh && cur?.estimate && cur.configKey === configKey) return Promise.resolve(cur.estimate);
  const key = `${id}\0${configKey}\0${refresh}`;
  const running = inflight.get(key);
  if (running) return running;
  // A different config text: the old estimate no longer applies, even while the new one loads.
  put(id, { loading: true, error: null, ...(cur && cur.configKey !== configKey && configKey !== null ? { estimate: null } : {}) });
  const p = api.deployments
    .memory({ id, ...(refresh ? { refresh: true } : {}) })
    .then((estimate) => {
      put(id, { loading: false, estimate, configKey });
      return estimate;
    })
    .catch((err) => {
      put(id, { loading: false, error: toErrorShape(err) });
      return null;
    })
    .finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}
