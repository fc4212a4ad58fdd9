// The Docker layer's public surface (see docs/ARCHITECTURE.md "electron/engine/docker").
export { EngineConnection, type EngineConnectionOptions, type EngineStatus } from './connection.js';
export { resolveEndpoint, urlToOptions, type ResolvedEndpoint, type EndpointSource } from './endpoint.js';
export { classifyEngineError } from './engine-status.js';
export { ensureImage, translatePullError, PullError, type EnsureImageOptions, type EnsuredImage } from './images.js';
export { registryAuthFor, parseSecretCredentials, type RegistryAuth, type RegistryAuthOptions, type SecretAuthInput } from './registry-auth.js';
export { parseImageRef, normalizedRef, type ImageRef } from './image-ref.js';
export { PullProgressTracker } from './pull-progress.js';
export {
  createModelContainer,
  confirmDevices,
  containerName,
  gpuRuntimeMissingError,
  translateContainerError,
  type CreateContainerOptions,
  type ModelContainer,
  type DeviceConfirmation,
} from './container.js';
export { writeSecretsDir, defaultSecretsRoot } from './secrets-dir.js';
export { LogBuffer, followLogs, type FollowLogsOptions, type LogFollower, type LogTarget } from './logs.js';
export { DockerLogParser, parseDockerTimestamp } from './log-parser.js';
export { watchEngineEvents, toEngineEvent, type EngineEvent, type EngineEventAction, type WatchFilter, type EventWatcher } from './events.js';
