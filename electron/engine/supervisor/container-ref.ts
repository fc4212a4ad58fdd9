// ContainerRefs for the Deployment: fresh containers from createModelContainer, and handles
// to existing ones (re-adoption). Secrets dirs live under <data dir>/run/secrets/<deployment>,
// so two deployments of one Berth instance never share (or clobber) a secrets dir.
//
// Host ports: the engine picks the container's 127.0.0.1 port at every start (an empty
// HostPort), binding it itself and trying another when one is taken. A port Berth checked
// free could be taken before the container binds it, and a crashed container's port can be
// taken before its restart: with a fixed port both end in PORT_IN_USE, ten times in a row
// for a crash restart. So `hostPort` is read back after each start (Deployment reads it then).
import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import type { RunPlan } from '../../../shared/plan.js';
import { createModelContainer, translateContainerError } from '../docker/container.js';
import { removeManaged } from './engine-adapter.js';
import type { ContainerFacts, ContainerRef } from './deployment-env.js';

/** The engine's port choice for every binding: an empty HostPort (`-p 127.0.0.1::8000`). */
function withEnginePickedPorts(spec: Docker.ContainerCreateOptions): Docker.ContainerCreateOptions {
  const bindings = spec.HostConfig?.PortBindings as Record<string, Array<{ HostIp?: string; HostPort?: string }>> | undefined;
  if (!bindings) return spec;
  const picked = Object.fromEntries(Object.entries(bindings).map(([k, list]) => [k, (list ?? []).map((b) => ({ ...b, HostPort: '' }))]));
  return { ...spec, HostConfig: { ...spec.HostConfig, PortBindings: picked } };
}

/** The same client, creating containers with engine-picked host ports (see the top of this file). */
function enginePicksHostPorts(docker: Docker): Docker {
  return new Proxy(docker, {
    get(target, prop) {
      if (prop === 'createContainer') return (spec: Docker.ContainerCreateOptions) => target.createContainer(withEnginePickedPorts(spec));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** The 127.0.0.1 port published for serverPort (or the first published one), or null. */
export function publishedPort(info: Docker.ContainerInspectInfo, serverPort?: number): number | null {
  const ports = info.NetworkSettings?.Ports ?? {};
  const keys = serverPort && ports[`${serverPort}/tcp`] ? [`${serverPort}/tcp`] : Object.keys(ports);
  for (const k of keys) {
    const list = ports[k] ?? [];
    const b = list.find((x) => x.HostIp === '127.0.0.1' && x.HostPort) ?? list.find((x) => x.HostPort);
    if (b?.HostPort && Number(b.HostPort) > 0) return Number(b.HostPort);
  }
  return null;
}

/** A ref whose hostPort is what the engine published at the last start. */
function readsPortAfterStart(docker: Docker, ref: ContainerRef, initial: number, serverPort?: number): ContainerRef {
  let port = initial;
  return {
    id: ref.id,
    name: ref.name,
    secretsDir: ref.secretsDir,
    get hostPort() {
      return port;
    },
    async start() {
      await ref.start();
      // Published once the container runs; a failed read keeps the last known port.
      const info = await docker.getContainer(ref.id).inspect().catch(() => null);
      const p = info ? publishedPort(info, serverPort) : null;
      if (p) port = p;
    },
    stop: (timeoutS) => ref.stop(timeoutS),
    remove: () => ref.remove(),
  };
}

export function secretsRootFor(dataDir: string, deploymentId: string): string {
  return join(dataDir, 'run', 'secrets', deploymentId);
}

/** Removes a secrets dir and the per-deployment parent when that is left empty. */
export async function removeSecretsDir(dir: string): Promise<void> {
  const root = dir.endsWith('/secrets') ? dirname(dir) : dir;
  await rm(root, { recursive: true, force: true });
  await rmdir(dirname(root)).catch(() => undefined);
}

function withTidyParent(ref: ContainerRef): ContainerRef {
  return {
    id: ref.id,
    name: ref.name,
    secretsDir: ref.secretsDir,
    // A getter, not a copy: the port changes with every start.
    get hostPort() {
      return ref.hostPort;
    },
    start: () => ref.start(),
    stop: (timeoutS) => ref.stop(timeoutS),
    async remove() {
      await ref.remove();
      if (ref.secretsDir) await removeSecretsDir(ref.secretsDir);
    },
  };
}

export async function createContainer(
  docker: Docker,
  plan: RunPlan,
  o: { secretValues: Record<string, string>; instanceId: string; dataDir: string; extraLabels?: Record<string, string> },
): Promise<ContainerRef> {
  const c = await createModelContainer(enginePicksHostPorts(docker), plan, {
    secretValues: o.secretValues,
    hostPort: 0,
    instanceId: o.instanceId,
    secretsRoot: secretsRootFor(o.dataDir, plan.deploymentId),
    ...(o.extraLabels ? { extraLabels: o.extraLabels } : {}),
  });
  // Known after the first start only: until then 0, never a port picked before create.
  return withTidyParent(readsPortAfterStart(docker, c, 0, plan.serverPort));
}

export function attachContainer(docker: Docker, facts: ContainerFacts): ContainerRef {
  const c = docker.getContainer(facts.id);
  const ctx = { hostPort: facts.hostPort ?? 0, image: '', name: facts.name };
  // Containers of this Berth get an engine-picked port at every start: read it again then.
  return readsPortAfterStart(docker, {
    id: facts.id,
    name: facts.name,
    hostPort: facts.hostPort ?? 0,
    secretsDir: facts.secretsDir,
    async start() {
      try {
        await c.start();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 304) throw translateContainerError(err, ctx);
      }
    },
    async stop(timeoutS = 10) {
      try {
        await c.stop({ t: timeoutS });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code !== 304 && code !== 404) throw translateContainerError(err, ctx);
      }
    },
    async remove() {
      await removeManaged(docker, facts);
    },
  }, facts.hostPort ?? 0);
}
