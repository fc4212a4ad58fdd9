// Turns a failed ping into words a user can act on. The raw error never reaches the UI.
import type { BerthErrorCode } from '../../../shared/errors.js';
import type { EndpointSource } from './endpoint.js';

export interface EngineStatus {
  up: boolean;
  endpoint: string;
  source: EndpointSource;
  context?: string;
  version?: string;
  apiVersion?: string;
  os?: string;
  /** Why the engine is not usable (when up is false). */
  reason?: string;
  hint?: string;
  code?: Extract<BerthErrorCode, 'ENGINE_UNAVAILABLE' | 'ENGINE_PERMISSION'>;
  checkedAt: number;
}

export type EngineDownKind = 'absent' | 'stopped' | 'permission' | 'timeout' | 'unreachable' | 'tls' | 'bad-endpoint' | 'error';

export interface EngineDown {
  kind: EngineDownKind;
  reason: string;
  hint: string;
  code: 'ENGINE_UNAVAILABLE' | 'ENGINE_PERMISSION';
}

function isLocal(endpoint: string): boolean {
  return endpoint.startsWith('unix://') || endpoint.startsWith('npipe://');
}

function startHint(endpoint: string, platform: NodeJS.Platform): string {
  if (platform === 'win32' || endpoint.startsWith('npipe://')) return 'Start Docker Desktop, wait until it says "Engine running", then Berth reconnects by itself.';
  if (platform === 'darwin') return 'Start Docker Desktop (or colima/OrbStack); Berth reconnects by itself.';
  return 'Start Docker Desktop or run `sudo systemctl start docker`; Berth reconnects by itself. Not installed? See https://docs.docker.com/engine/install/';
}

export function classifyEngineError(err: unknown, endpoint: string, platform: NodeJS.Platform = process.platform): EngineDown {
  const e = err as { code?: string; message?: string; statusCode?: number } | null;
  const code = e?.code ?? '';
  const message = String(e?.message ?? err ?? '');
  const where = isLocal(endpoint) ? `at ${endpoint}` : `at ${endpoint}`;
  if (code === 'ENOENT') {
    return { kind: 'absent', code: 'ENGINE_UNAVAILABLE', reason: `Docker is not running or not installed: no engine socket ${where}.`, hint: startHint(endpoint, platform) };
  }
  if (code === 'ECONNREFUSED') {
    return {
      kind: 'stopped',
      code: 'ENGINE_UNAVAILABLE',
      reason: `Docker is not running: the engine ${where} refused the connection.`,
      hint: isLocal(endpoint) ? startHint(endpoint, platform) : `Check that the Docker daemon on ${endpoint.replace(/^\w+:\/\//, '')} is running and listening; Berth reconnects by itself.`,
    };
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      kind: 'permission',
      code: 'ENGINE_PERMISSION',
      reason: `Permission denied talking to Docker ${where}.`,
      hint:
        platform === 'linux'
          ? 'Add your user to the docker group: `sudo usermod -aG docker $USER`, then log out and in again (or run `newgrp docker`).'
          : 'Make sure your user may use Docker Desktop (restart Docker Desktop, or reinstall it for this user).',
    };
  }
  if (code === 'ETIMEDOUT' || code === 'BERTH_PING_TIMEOUT' || /timed? ?out/i.test(message)) {
    return {
      kind: 'timeout',
      code: 'ENGINE_UNAVAILABLE',
      reason: `Docker did not answer ${where} in time.`,
      hint: 'The engine may be starting or overloaded: wait a moment (Berth keeps retrying) or restart Docker.',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EAI_AGAIN' || code === 'ECONNRESET') {
    return { kind: 'unreachable', code: 'ENGINE_UNAVAILABLE', reason: `The Docker engine ${where} cannot be reached (${code}).`, hint: 'Check the address in DOCKER_HOST / your docker context / Berth settings and your network.' };
  }
  if (/certificate|SSL|TLS|self[- ]signed/i.test(message) || code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return { kind: 'tls', code: 'ENGINE_UNAVAILABLE', reason: `TLS with the Docker engine ${where} failed.`, hint: 'Check DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) and DOCKER_TLS_VERIFY, or your context\'s TLS files.' };
  }
  if (/authentication|All configured authentication methods failed/i.test(message)) {
    return { kind: 'permission', code: 'ENGINE_PERMISSION', reason: `SSH login for the Docker engine ${where} was refused.`, hint: 'Load your key into ssh-agent (`ssh-add`) and check you can `ssh` to that host without a password prompt.' };
  }
  return { kind: 'error', code: 'ENGINE_UNAVAILABLE', reason: `Docker ${where} did not answer properly: ${message.split('\n')[0].slice(0, 200)}`, hint: 'Restart Docker; if this persists, check `docker info` in a terminal.' };
}
