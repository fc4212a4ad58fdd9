// ContainerRefs for the Deployment: fresh containers from createModelContainer, and handles
// to existing ones (re-adoption). Secrets dirs live under <data dir>/run/secrets/<deployment>,
// so two deployments of one Berth instance never share (or clobber) a secrets dir.
import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import type { RunPlan } from '../../../shared/plan.js';
import { createModelContainer, translateContainerError } from '../docker/container.js';
import { removeManaged } from './engine-port.js';
import type { ContainerFacts, ContainerRef } from './ports.js';

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
    ...ref,
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
  const c = await createModelContainer(docker, plan, {
    secretValues: o.secretValues,
    hostPort: 0,
    instanceId: o.instanceId,
    secretsRoot: secretsRootFor(o.dataDir, plan.deploymentId),
    ...(o.extraLabels ? { extraLabels: o.extraLabels } : {}),
  });
  return withTidyParent(c);
}

export function attachContainer(docker: Docker, facts: ContainerFacts): ContainerRef {
  const c = docker.getContainer(facts.id);
  const ctx = { hostPort: facts.hostPort ?? 0, image: '', name: facts.name };
  return {
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
  };
}
