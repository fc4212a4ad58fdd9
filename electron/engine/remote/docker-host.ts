// DOCKER_HOST=ssh://... (or tcp:// to another host) drives an engine elsewhere: images, pulls
// and containers work, but a bind mount names a path on the ENGINE's machine, so this
// computer's files (secrets, data/, the Hugging Face cache, weights views) cannot reach the
// container; Docker would silently create empty folders there instead. Such configs are
// refused with the way that works: Berth on that machine, driven from here (issue 14).
import type Docker from 'dockerode';
import { BerthError } from '../../../shared/errors.js';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/** The engine's host when it is on another machine, else null (unix socket, npipe, loopback TCP). */
export function remoteEngineHost(docker: Docker): string | null {
  const modem = (docker as unknown as { modem?: { protocol?: string; host?: string; socketPath?: string } }).modem;
  if (!modem || modem.socketPath) return null;
  if (modem.protocol === 'ssh') return modem.host ?? 'the SSH host';
  if (modem.host && !LOOPBACK.test(modem.host)) return modem.host;
  return null;
}

/** Throws when the container would need files of this computer on a remote engine. */
export function refuseLocalFilesOnRemoteEngine(docker: Docker, needs: string[]): void {
  const host = remoteEngineHost(docker);
  if (!host || !needs.length) return;
  throw new BerthError(
    'BAD_REQUEST',
    `This config needs files from this computer in the container (${needs.join(', ')}), but the Docker engine runs on ${host} (DOCKER_HOST): a remote engine cannot see them.`,
    `Run Berth on ${host} and drive it from here: berth remote add NAME ssh://user@${host}, then berth run --on NAME --upload PATH (or pick the machine in the app's sidebar). DOCKER_HOST=ssh:// suits configs that need no local files.`,
  );
}
