// The Deployment: the server container as Berth runs it (image, `sh -c start_command`, port,
// env, user, /dev/shm, secrets at /secrets), plus the GPU request, node affinity and the
// weights init container. Values come from the RunPlan (shared/truss/plan.ts), so the
// cluster runs what Berth runs locally.
import type { RunPlan } from '../../../../shared/plan.js';
import type { TrussConfig } from '../../../../shared/truss/schema.js';
import { formatAccelerator } from '../../../../shared/truss/accelerators.js';
import { formatBytes } from '../../../../shared/truss/units.js';
import { GPU_PRODUCT_LABEL, GPU_RESOURCE, gpuProducts } from './gpu-products.js';
import { probesFor } from './probes.js';
import { SECRETS_MOUNT, secretsName, type SecretNames } from './secrets.js';
import type { WeightsParts } from './weights.js';
import type { Comment, KubeObject } from './types.js';

/** A Kubernetes quantity (the form Truss's cpu/memory use); else the plan's number is written. */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

function bytesQuantity(bytes: number): string {
  for (const [unit, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

export interface DeploymentInput {
  app: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  config: TrussConfig;
  plan: RunPlan;
  image: { ref: string; comment: string };
  replicas: number;
  portName: string;
  secrets: SecretNames;
  weights: WeightsParts;
  annotations: Record<string, string>;
}

export function deploymentObject(d: DeploymentInput): { object: KubeObject; notes: string[] } {
  const { plan, config } = d;
  const notes: string[] = [];
  const C = ['spec', 'template', 'spec', 'containers', 0];
  const P = ['spec', 'template', 'spec'];
  const comments: Comment[] = [];
  const container: Record<string, unknown> = { name: 'server', image: d.image.ref };
  comments.push([[...C, 'image'], d.image.comment]);
  if (plan.entrypoint.length) {
    container.command = plan.entrypoint;
    comments.push([[...C, 'command'], 'docker_server.start_command, run as Berth and the platform run it: sh -c (the image ENTRYPOINT/CMD are replaced)']);
  } else {
    comments.push([[...C, 'name'], "no start_command (no_build): the image's own ENTRYPOINT/CMD start the server"]);
  }
  container.ports = [{ name: d.portName, containerPort: plan.serverPort, protocol: 'TCP' }];
  comments.push([[...C, 'ports', 0, 'containerPort'], 'docker_server.server_port']);

  const envEntries = { ...plan.env, ...d.weights.env };
  const env = Object.entries(envEntries).map(([name, value]) => ({ name, value }));
  if (env.length) {
    container.env = env;
    comments.push([[...C, 'env'], 'environment_variables: values as strings; null placeholders and platform-reserved names (HOST, PATH, KUBERNETES_*, ...) dropped, as Berth does']);
    env.forEach((e, i) => {
      if (!(e.name in plan.env)) comments.push([[...C, 'env', i, 'value'], 'where the image would hold a use_volume: false model_cache on the platform']);
    });
  }

  // Resources: cpu and memory are what the platform guarantees (it picks an instance with at
  // least that much), so they are requests; like the platform (and Berth by default) the
  // server is not capped below its node. GPUs are whole devices: a limit, as the device plugin wants.
  const res = config.resources;
  const cpuText = res?.cpu?.text ?? '1';
  const cpu = QUANTITY.test(cpuText) ? cpuText : String(plan.nanoCpus! / 1e9);
  const memText = res?.memory?.text ?? '2Gi';
  const memory = QUANTITY.test(memText) ? memText : String(plan.memoryBytes);
  const acc = res?.accelerator ?? null;
  container.resources = { requests: { cpu, memory }, ...(acc ? { limits: { [GPU_RESOURCE]: acc.count } } : {}) };
  comments.push([[...C, 'resources', 'requests', 'cpu'], `resources.cpu${res?.cpu ? '' : ' (Truss default)'}`]);
  comments.push([[...C, 'resources', 'requests', 'memory'], `resources.memory${res?.memory ? '' : ' (Truss default)'}`]);
  comments.push([[...C, 'resources', 'requests'], 'the minimum the platform guarantees; no cpu/memory limit, as on the platform']);
  if (acc) comments.push([[...C, 'resources', 'limits', GPU_RESOURCE], `resources.accelerator: ${formatAccelerator(acc)} (NVIDIA device plugin)`]);

  const probes = probesFor(plan.probes, d.portName, C);
  Object.assign(container, { startupProbe: probes.startupProbe, readinessProbe: probes.readinessProbe, livenessProbe: probes.livenessProbe });
  comments.push(...probes.comments);

  if (plan.user) {
    container.securityContext = { runAsUser: Number(plan.user) };
    comments.push([[...C, 'securityContext', 'runAsUser'], 'docker_server.run_as_user_id']);
  }

  const volumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  if (d.secrets.server.length) {
    // 0444: the server may run as any UID (run_as_user_id); the mount itself is read-only.
    volumes.push({ name: 'secrets', secret: { secretName: secretsName(d.app), items: d.secrets.server.map((n) => ({ key: n, path: n })), defaultMode: 0o444 } });
    mounts.push({ name: 'secrets', mountPath: SECRETS_MOUNT, readOnly: true });
    comments.push([[...C, 'volumeMounts', mounts.length - 1, 'mountPath'], `secrets: one read-only file per secret (${d.secrets.server.join(', ')})`]);
  }
  volumes.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(plan.shmSizeBytes) } });
  mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
  comments.push([[...C, 'volumeMounts', mounts.length - 1, 'mountPath'], `/dev/shm sized as Berth sizes it (${formatBytes(plan.shmSizeBytes)}, Settings > shared memory): PyTorch/vLLM workers share tensors through it`]);
  volumes.push(...d.weights.volumes);
  const base = mounts.length;
  mounts.push(...d.weights.serverMounts);
  for (const [i, text] of d.weights.mountComments) comments.push([[...C, 'volumeMounts', base + i, 'mountPath'], text]);
  container.volumeMounts = mounts;

  const podSpec: Record<string, unknown> = {};
  if (d.weights.initContainer) {
    podSpec.initContainers = [d.weights.initContainer];
    comments.push([[...P, 'initContainers'], 'model_cache / weights: fetched into the weights volume before the server starts (patterns and pinned commits as Berth fetches them)']);
  }
  podSpec.containers = [container];
  podSpec.volumes = volumes;

  if (acc) {
    const products = gpuProducts(acc.type);
    podSpec.tolerations = [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }];
    comments.push([[...P, 'tolerations'], 'GPU nodes are often tainted nvidia.com/gpu:NoSchedule'])
    if (products.length) {
      podSpec.affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_PRODUCT_LABEL, operator: 'In', values: [...products] }] }] } },
      };
      comments.push([[...P, 'affinity'], `resources.accelerator ${acc.type}: the GPU product label NVIDIA's GPU feature discovery sets (table: electron/engine/export/kubernetes/gpu-products.ts)`]);
    } else {
      notes.push(`accelerator ${acc.type} has no known nvidia.com/gpu.product value: add a nodeSelector for your ${acc.type} nodes (kubectl get nodes -L nvidia.com/gpu.product)`);
      comments.push([[...P, 'containers'], `no node affinity: Berth knows no nvidia.com/gpu.product value for ${acc.type}; add a nodeSelector`]);
    }
  }
  // A ReadWriteOnce weights volume and whole GPUs: the old pod must go before the new one starts.
  const recreate = !!d.weights.initContainer && d.replicas === 1;
  const spec: Record<string, unknown> = {
    replicas: d.replicas,
    ...(recreate ? { strategy: { type: 'Recreate' } } : {}),
    selector: { matchLabels: d.selector },
    template: { metadata: { labels: d.labels, annotations: d.annotations }, spec: podSpec },
  };
  if (recreate) comments.push([['spec', 'strategy'], 'the ReadWriteOnce weights volume can be attached to one node at a time']);
  return {
    object: {
      kind: 'Deployment',
      name: d.app,
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: d.app, labels: d.labels, annotations: d.annotations }, spec },
      header: [],
      comments,
    },
    notes,
  };
}
