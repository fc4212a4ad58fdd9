import { createStore } from '../lib/store.js';
import { pushBounded } from '../lib/ring.js';
import type { GpuReport, GpuSample } from '../api/contract.js';

export const gpuReportStore = createStore<GpuReport | null>(null);
export const gpuSamplesStore = createStore<GpuSample[]>([]);
export function addGpuSample(s: GpuSample): void {
  gpuSamplesStore.set((p) => pushBounded(p, [s], 600));
}
