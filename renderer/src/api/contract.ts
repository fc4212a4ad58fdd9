// The renderer's view of the API contract (shared/api is the source of truth).
export type {
  ApiClient, ApiConfigIssue, AppInfo, BerthSettings, DeploymentDetail, DeploymentProgress, EngineStatus,
  EventChannel, EventMap, ExampleInfo, GatewayInfo, LogPage, RecentEntry, SecretEntry, ValidateResult, BuildProgress,
  WeightsProgress, WeightsInventory, CachedWeightsRepo,
} from '../../../shared/api/index.js';
export type { BerthErrorShape } from '../../../shared/errors.js';
export type { DeploymentState, DeploymentSummary, GatewayMetrics, LogLine, ProbeResult, PullProgress, TimelineEvent } from '../../../shared/deployment.js';
export type { GpuReport, GpuSample, GpuInfo } from '../../../shared/gpu.js';
export type { RunPlan } from '../../../shared/plan.js';
export type { WeightsEntry } from '../../../shared/truss/weights.js';
export type { MemoryEstimate, FitVerdict, FitGpu } from '../../../shared/fit/types.js';
