// Where the Hugging Face cache is on this machine and where Berth keeps its weights views.
// The cache location and its folder names come from @huggingface/hub, so Berth finds what
// Python's huggingface_hub, the JS client and Rust hf-hub put there, and they find Berth's.
import { dirname, join } from 'node:path';
import { getHFHubCachePath, getRepoFolderName } from '@huggingface/hub';

/** $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(): string {
  return getHFHubCachePath();
}

/**
 * Views are folders of hardlinks to cache blobs, one per deployment: beside the hub cache
 * (hardlinks need the same filesystem) but not inside it, where every Hugging Face cache
 * scanner would report an unknown folder. BERTH_WEIGHTS_VIEWS overrides.
 */
export function weightsViewsRoot(cacheDir = hubCacheDir()): string {
  const env = process.env.BERTH_WEIGHTS_VIEWS;
  return env && env.trim() ? env : join(dirname(cacheDir), 'berth-views');
}

/** models--org--name */
export function repoFolder(repoId: string): string {
  return getRepoFolderName({ name: repoId, type: 'model' });
}

export function repoDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, repoFolder(repoId));
}
