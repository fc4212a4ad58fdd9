// The gateway API key lives in the secret store (internal section), never in settings.json,
// so a settings export or screenshot never carries it.
import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../secrets/store.js';

const KEY = 'gatewayApiKey';

export function newGatewayApiKey(): string {
  return `berth_${randomBytes(24).toString('base64url')}`;
}

export async function getGatewayApiKey(secrets: SecretStore): Promise<string | null> {
  return secrets.getInternal(KEY);
}

/** Returns the key, generating and storing one the first time. */
export async function ensureGatewayApiKey(secrets: SecretStore): Promise<string> {
  const existing = await secrets.getInternal(KEY);
  if (existing) return existing;
  const key = newGatewayApiKey();
  await secrets.setInternal(KEY, key);
  return key;
}

export async function rotateGatewayApiKey(secrets: SecretStore): Promise<string> {
  const key = newGatewayApiKey();
  await secrets.setInternal(KEY, key);
  return key;
}
