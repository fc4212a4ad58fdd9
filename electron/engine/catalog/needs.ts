// What a catalog entry needs before it starts: GPU memory (the fit estimate, as for an open
// config), disk for its weights (the Hub's listing after the entry's patterns: nothing is
// downloaded) and for its image (when already pulled), and which of its secrets are set.
import { toErrorShape } from '../../../shared/errors.js';
import type { CatalogNeeds } from '../../../shared/catalog.js';
import type { ModelFacts } from '../../../shared/fit/estimate.js';
import { unknownEstimate } from '../../../shared/fit/types.js';
import type { GpuReport } from '../../../shared/gpu.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import { weightsEntries } from '../../../shared/truss/weights.js';
import { estimateConfigMemory } from '../fit/estimate-config.js';
import { resolveEntry, type WeightsContext } from '../weights/fetch-weights.js';

export interface NeedsDeps {
  gpus: GpuReport;
  weights: WeightsContext;
  hasSecret(name: string): Promise<boolean>;
  /** Bytes of a pulled image; null when it is not on this machine. */
  imageBytes(ref: string): Promise<number | null>;
  cache?: Map<string, Promise<ModelFacts>>;
}

export async function catalogNeeds(name: string, text: string, path: string, deps: NeedsDeps): Promise<CatalogNeeds> {
  const { config } = parseTrussConfig(text, path);
  const image = config?.base_image?.image ?? '';
  if (!config) {
    return { name, memory: unknownEstimate('the entry has config errors'), weights: { bytes: null, files: null, missingBytes: null, commit: null, error: null }, image: { ref: image, localBytes: null }, secrets: [] };
  }
  const weightsOf = async (): Promise<CatalogNeeds['weights']> => {
    const { entries } = weightsEntries(config);
    if (!entries.length) return { bytes: null, files: null, missingBytes: null, commit: null, error: null };
    try {
      const resolved = await Promise.all(entries.map((e) => resolveEntry(e, deps.weights)));
      return {
        bytes: resolved.reduce((n, r) => n + r.totalBytes, 0),
        files: resolved.reduce((n, r) => n + r.files.length, 0),
        missingBytes: resolved.reduce((n, r) => n + r.missingBytes, 0),
        commit: resolved[0].commit,
        error: null,
      };
    } catch (err) {
      return { bytes: null, files: null, missingBytes: null, commit: null, error: toErrorShape(err) };
    }
  };
  const [memory, weights, localBytes, secrets] = await Promise.all([
    estimateConfigMemory(config, null, { gpus: deps.gpus.gpus, weights: deps.weights, cache: deps.cache }),
    weightsOf(),
    deps.imageBytes(image).catch(() => null),
    Promise.all((config.secrets ?? []).map(async (s) => ({ name: s, present: await deps.hasSecret(s) }))),
  ]);
  return { name, memory, weights, image: { ref: image, localBytes }, secrets };
}
