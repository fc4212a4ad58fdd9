// Environment names the platform owns: Kubernetes and Knative inject them, so values set
// in config.yaml are dropped there. Berth drops them too so a config behaves the same.
const RESERVED_EXACT = new Set(['HOST', 'PATH', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION']);
const WARN_ONLY = new Set(['PORT', 'HOSTNAME']);

export function isReservedEnvName(name: string): boolean {
  return RESERVED_EXACT.has(name) || name.endsWith('_SERVICE_HOST') || /_SERVICE_PORT/.test(name) || name.startsWith('KUBERNETES_');
}

/** Names that are passed but usually a mistake: the platform sets them itself. */
export function isCautionEnvName(name: string): boolean {
  return WARN_ONLY.has(name);
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
