// Model weights (model_cache / weights): Hub client, shared Hugging Face cache, downloads,
// views and the truss-transfer-cli every container gets.
export { hubCacheDir, weightsViewsRoot, repoDir, repoFolder } from './cache-paths.js';
export { HubClient, hubEndpoint, type HubAuth, type HubFile, type ResolvedRepo } from './hub-client.js';
export { downloadBlobs, type BlobJob } from './blob-download.js';
export { runWeightsStage, resolveEntry, type ResolvedEntry, type WeightsContext } from './fetch-weights.js';
export { fetchPlanWeights, describePlanWeights, authResolver, envToken, weightsContext } from './stage.js';
export { ensureTransferCli, TRANSFER_CLI_SCRIPT } from './transfer-cli.js';
export { buildView, removeView, containerPathOf } from './view.js';
