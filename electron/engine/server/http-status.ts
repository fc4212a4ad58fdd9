// HTTP status for each error code, so plain HTTP clients (curl, scripts) can branch on it.
import type { BerthErrorCode } from '../../../shared/errors.js';

const STATUS: Record<BerthErrorCode, number> = {
  BAD_REQUEST: 400,
  CONFIG_INVALID: 422,
  NOT_FOUND: 404,
  SECRET_MISSING: 409,
  PORT_IN_USE: 409,
  REGISTRY_AUTH: 401,
  IMAGE_NOT_FOUND: 404,
  REGISTRY_UNREACHABLE: 502,
  IMAGE_PULL_FAILED: 502,
  ENGINE_UNAVAILABLE: 503,
  ENGINE_PERMISSION: 503,
  GPU_UNAVAILABLE: 503,
  GPU_TOO_FEW: 409,
  GPU_RUNTIME_MISSING: 503,
  BUILD_FAILED: 500,
  CONTAINER_FAILED: 500,
  WEIGHTS_GATED: 403,
  WEIGHTS_NOT_FOUND: 404,
  WEIGHTS_UNREACHABLE: 502,
  WEIGHTS_DISK_FULL: 507,
  WEIGHTS_FAILED: 502,
  FIT_UNKNOWN: 422,
  INTERNAL: 500,
};

export function httpStatusFor(code: BerthErrorCode): number {
  return STATUS[code] ?? 500;
}
