// Adapts the docker module (EngineConnection, watchEngineEvents) to the Supervisor's
// EnginePort: availability, managed-container events, listing and removing leftovers.
import { rm, rmdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type Docker from 'dockerode';
import { LABELS } from '../../../shared/plan.js';
import type { EngineConnection } from '../docker/connection.js';
import { watchEngineEvents } from '../docker/events.js';
import { forceRemove } from '../docker/container.js';
import type { EnginePort } from './supervisor.js';
import type { ContainerEvent, ContainerFacts } from './deployment-env.js';

/** Reads what recovery and crash handling need from `docker inspect`. */
export function factsFromInspect(info: Docker.ContainerInspectInfo, serverPort?: number): ContainerFacts {
  const labels = info.Config?.Labels ?? {};
  const ports = info.NetworkSettings?.Ports ?? {};
  let hostPort: number | null = null;
  const key = serverPort ? `${serverPort}/tcp` : Object.keys(ports)[0];
  const binding = key ? ports[key]?.find((b) => b.HostIp === '127.0.0.1') ?? ports[key]?.[0] : undefined;
  if (binding?.HostPort) hostPort = Number(binding.HostPort);
  const secretsMount = (info.Mounts ?? []).find((m) => m.Destination === '/secrets' && m.Type === 'bind');
  const requests = (info.HostConfig as { DeviceRequests?: Array<{ DeviceIDs?: string[] | null }> } | undefined)?.DeviceRequests ?? [];
  return {
    id: info.Id,
    name: (info.Name ?? '').replace(/^\//, ''),
    running: !!info.State?.Running,
    exitCode: info.State?.Running ? null : (info.State?.ExitCode ?? null),
    oomKilled: !!info.State?.OOMKilled,
    labels,
    hostPort,
    gpuDeviceIds: requests.flatMap((r) => r.DeviceIDs ?? []),
    secretsDir: secretsMount?.Source ?? null,
  };
}

export async function inspectFacts(docker: Docker, id: string): Promise<ContainerFacts | null> {
  try {
    return factsFromInspect(await docker.getContainer(id).inspect());
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** Removes a container Berth made and the secrets dir bound into it. */
export async function removeManaged(docker: Docker, facts: ContainerFacts): Promise<void> {
  await forceRemove(docker.getContainer(facts.id), { volumes: true });
  // writeSecretsDir mounts <private root>/secrets: remove the whole private root.
  if (facts.secretsDir) {
    const dir = basename(facts.secretsDir) === 'secrets' ? dirname(facts.secretsDir) : facts.secretsDir;
    await rm(dir, { recursive: true, force: true });
    // The per-deployment parent (container-ref.ts secretsRootFor) goes too once empty.
    await rmdir(dirname(dir)).catch(() => undefined);
  }
}

export function enginePort(conn: EngineConnection): EnginePort {
  return {
    isUp: () => conn.status.up,
    onStatus(fn) {
      let last = conn.status.up;
      const on = (s: { up: boolean; reason?: string }) => {
        if (s.up === last) return;
        last = s.up;
        fn(s.up, s.reason ?? (s.up ? 'engine answered' : 'engine not answering'));
      };
      conn.on('status', on);
      return () => conn.off('status', on);
    },
    watchEvents(onEvent, onError) {
      const w = watchEngineEvents(
        conn.docker,
        { actions: ['die', 'oom', 'start', 'kill', 'destroy'] },
        (e) => {
          const ev: ContainerEvent = { action: e.action as ContainerEvent['action'], containerId: e.containerId, time: e.time };
          if (e.exitCode !== undefined) ev.exitCode = e.exitCode;
          if (e.signal) ev.signal = e.signal;
          onEvent(ev);
        },
        // The watcher reconnects by itself; errors are only worth a re-check of containers.
        (err) => onError(err),
      );
      return () => w.stop();
    },
    async listManaged(instanceId) {
      const list = await conn.docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`${LABELS.managed}=true`, `${LABELS.instance}=${instanceId}`] }),
      });
      const out: ContainerFacts[] = [];
      for (const c of list) {
        const f = await inspectFacts(conn.docker, c.Id);
        if (f) out.push(f);
      }
      return out;
    },
    removeContainer: (facts) => removeManaged(conn.docker, facts),
  };
}
