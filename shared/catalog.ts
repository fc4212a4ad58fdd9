// What the catalog and the new-config wizard send across the API (plain JSON). The catalog is
// resources/catalog/<name>/ (a complete truss each); the wizard writes one from shared/wizard.
import type { BerthErrorShape } from './errors.js';
import type { MemoryEstimate } from './fit/types.js';

export interface CatalogEntry {
  /** Folder name under resources/catalog: what `berth catalog copy NAME` takes. */
  name: string;
  /** The entry's config.yaml (read-only: Run and Copy work on a copy). */
  path: string;
  modelName: string;
  description: string;
  /** The model server its start command runs (vLLM, SGLang, ...), by the server table. */
  server: string | null;
  repoId: string | null;
  /** The pinned revision (a commit) of its weights. */
  revision: string | null;
  image: string;
  /** `L4`, `H100:2`; null for a CPU config. */
  accelerator: string | null;
  secrets: string[];
  tags: string[];
  /** Config errors (a broken entry is listed, so the error shows). */
  errors: string[];
}

/** What an entry needs before it starts, as far as Berth can tell without starting it. */
export interface CatalogNeeds {
  name: string;
  /** The fit estimate on this machine's GPUs (the same estimator as deployments.memory). */
  memory: MemoryEstimate;
  /** Weights after the entry's patterns, from the Hub listing (or the cache offline). */
  weights: { bytes: number | null; files: number | null; missingBytes: number | null; commit: string | null; error: BerthErrorShape | null };
  /** The image on disk when already pulled; null when not pulled (its size is known after the pull). */
  image: { ref: string; localBytes: number | null };
  secrets: Array<{ name: string; present: boolean }>;
}

/** The wizard's Hub check of a repo id. */
export interface HubModelCheck {
  repoId: string;
  revision: string;
  /** True: found; false: see error (WEIGHTS_NOT_FOUND, WEIGHTS_GATED, WEIGHTS_UNREACHABLE). */
  exists: boolean;
  commit: string | null;
  gated: boolean | null;
  /** Sum of the repo's files at the commit. */
  sizeBytes: number | null;
  files: number | null;
  /** GGUF files in the repo (llama.cpp picks one). */
  ggufFiles: string[];
  error: BerthErrorShape | null;
}

/** Where Run, Copy and the wizard put a config, and what Berth opened. */
export interface CreatedConfig {
  /** The config.yaml written (or reused). */
  path: string;
  /** Run found its managed copy from an earlier run and opened it as it is. */
  reused: boolean;
  /** The deployment id of the opened config. */
  id: string;
}
