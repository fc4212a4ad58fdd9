// GPU detection, engine capability, error explanation, sampling and the device ledger.
export { detectGpus, detectGpuHardware, notFoundReason } from './detect.js';
export { probeGpuCapabilities, decideGpuCapabilities, INSTALL_TOOLKIT_HINT } from './capabilities.js';
export { explainGpuEngineError } from './explain.js';
export { GpuSampler, parseSample } from './sampler.js';
export type { SmiFailure, SmiFailureKind } from './nvidia-smi.js';
export { GpuLedger, type GpuWant, type GpuGrant, type GpuAcquireOptions } from './ledger.js';
