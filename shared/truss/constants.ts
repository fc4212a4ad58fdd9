// Container paths Berth's plan, docker run line and engine must agree on.

/** Where build steps find copied inputs (requirements files) inside the build container. */
export const BUILD_INPUT_DIR = '/tmp/berth-build';
/** Platform default for every health-check threshold, in seconds. */
export const PLATFORM_HEALTH_DEFAULT_S = 1800;
/** Platform ceiling for a threshold, and for restart_check_delay + restart_threshold. */
export const PLATFORM_HEALTH_MAX_S = 3000;
