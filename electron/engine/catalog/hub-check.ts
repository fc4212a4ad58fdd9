// The wizard's check of a model repo id on the Hub: does it exist, is it gated, how big is it,
// which GGUF files does it hold. The same client, token rules and error codes as the weights
// stage (WEIGHTS_NOT_FOUND, WEIGHTS_GATED, WEIGHTS_UNREACHABLE); unreachable is an answer too.
import { toErrorShape } from '../../../shared/errors.js';
import type { HubModelCheck } from '../../../shared/catalog.js';
import { DEFAULT_HF_SECRET, type WeightsEntry } from '../../../shared/truss/weights.js';
import { HubClient } from '../weights/hub-client.js';
import type { WeightsContext } from '../weights/fetch-weights.js';

export async function checkHubModel(repoId: string, revision: string, ctx: WeightsContext): Promise<HubModelCheck> {
  // The token a model_cache entry would use (secret hf_access_token, else HF_TOKEN).
  const entry: WeightsEntry = { key: 'model_cache', index: 0, repoId, revision, allowPatterns: [], ignorePatterns: [], dialect: 'truss', target: null, secretName: DEFAULT_HF_SECRET };
  const empty = { repoId, revision, commit: null, gated: null, sizeBytes: null, files: null, ggufFiles: [] };
  try {
    const r = await new HubClient(ctx.endpoint, await ctx.authFor(entry)).resolve(repoId, revision, ctx.signal);
    return {
      ...empty,
      exists: true,
      commit: r.commit,
      gated: r.gated,
      sizeBytes: r.files.reduce((n, f) => n + f.size, 0),
      files: r.files.length,
      ggufFiles: r.files.filter((f) => f.path.endsWith('.gguf')).map((f) => f.path).sort(),
      error: null,
    };
  } catch (err) {
    const e = toErrorShape(err);
    return { ...empty, exists: false, gated: e.code === 'WEIGHTS_GATED' ? true : null, error: e };
  }
}
