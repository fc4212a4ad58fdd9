// GPU detection, engine capability, error explanation, sampling and the device ledger.
export { detectGpus, detectGpuHardware, notFoundReason } from './detect.js';
export { probeGpuCapabilities, decideGpuCapabilities, INSTALL_TOOLKIT_HINT } from './capabilities.js';
export { explainGpuEngineError } from './explain.js';
export { GpuSampler } from './sampler.js';
export { GpuLedger, type GpuWant, type GpuGrant } from './ledger.js';
