// Pulls the deployment's image with the right credentials: a Berth secret named by
// base_image.docker_auth.secret_name when it is set, else whatever `docker login` stored.
import type Docker from 'dockerode';
import type { RunPlan } from '../../../shared/plan.js';
import type { PullProgress } from '../../../shared/deployment.js';
import { ensureImage, registryAuthFor, type SecretAuthInput } from '../docker/images.js';
import { loadTruss } from '../config/load.js';
import type { SecretStore } from '../secrets/index.js';
import type { ImageResult } from './deployment-env.js';

async function secretAuth(plan: RunPlan, secrets: SecretStore): Promise<SecretAuthInput | null> {
  const loaded = await loadTruss(plan.configPath).catch(() => null);
  const auth = loaded?.config?.base_image?.docker_auth;
  const name = auth?.secret_name;
  if (!auth || !name) return null;
  const value = await secrets.get(name).catch(() => null);
  if (!value) return null;
  return { secretName: name, value, ...(auth.registry ? { registry: auth.registry } : {}), ...(auth.auth_method ? { authMethod: String(auth.auth_method) } : {}) };
}

export async function pullImage(
  docker: Docker,
  plan: RunPlan,
  secrets: SecretStore,
  opts: { repull: boolean; signal?: AbortSignal; onProgress: (p: PullProgress) => void },
): Promise<ImageResult> {
  const auth = await registryAuthFor(plan.image, { secretAuth: await secretAuth(plan, secrets) });
  // The signal (Stop) closes the pull's stream: the engine cancels a pull whose client left.
  const r = await ensureImage(docker, plan.image, { repull: opts.repull, auth, signal: opts.signal, onProgress: opts.onProgress });
  return { id: r.id, pulled: r.pulled, ...(r.digest ? { digest: r.digest } : {}) };
}
