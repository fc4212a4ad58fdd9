// shared/truss public surface.
export { parseTrussConfig, PARSE_LIMITS, type ParseResult } from './parse.js';
export { trussConfigSchema, DOCKER_AUTH_METHODS, TRANSPORT_KINDS, type TrussConfig, type TrussConfigInput } from './schema.js';
export { buildRunPlan, defaultPlanSettings, dockerRunCommand, BUILD_INPUT_DIR, PLATFORM_HEALTH_DEFAULT_S, secretRefs, slug, deploymentIdOf, type PlanInput, type PlanResult, type PlanSettings, type TrussFacts, type MachineFacts } from './plan.js';
export { ACCELERATOR_TYPES, ACCELERATOR_VRAM_GIB, formatAccelerator, parseAcceleratorString, type AcceleratorSpec, type AcceleratorType } from './accelerators.js';
export { parseMemory, parseCpu, formatBytes } from './units.js';
export { isMovingTag, splitImageRef } from './image-ref.js';
export { formatIssue, hasErrors, type ConfigIssue, type SourcePos } from './issues.js';
export { sha256Hex, hashOf } from './hash.js';
export { weightsEntries, keepPath, matchesPattern, describePatterns, weightsLabel, MODEL_CACHE_ROOT, CONTAINER_HF_HOME, CONTAINER_HF_HUB_CACHE, CONTAINER_WEIGHTS_MANIFEST, CONTAINER_TRANSFER_CLI, DEFAULT_HF_SECRET, type WeightsEntry, type PatternDialect } from './weights.js';
