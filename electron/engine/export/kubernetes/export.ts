// exportKubernetes: a config and the plan Berth made for it -> Kubernetes objects with the
// platform's semantics (see docs/ARCHITECTURE.md "Kubernetes export"). Pure: no engine, no
// network; prepare.ts gathers the digest, weights and secret values it may use.
import { BerthError } from '../../../../shared/errors.js';
import { slug } from '../../../../shared/truss/plan.js';
import { defaultPlanSettings, type PlanSettings } from '../../../../shared/truss/plan.js';
import { deploymentObject } from './deployment.js';
import { secretNames, secretObject } from './secrets.js';
import { ingressObjects, serviceObject } from './service-ingress.js';
import { weightsParts } from './weights.js';
import type { KubeExport, KubeExportInput, KubeObject } from './types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const CONCURRENCY_ANNOTATION = 'berth.dev/predict-concurrency';

/**
 * Plan settings for an export: resources.cpu/memory applied (a cluster schedules by them), no
 * local mounts (HF cache, weights views), the platform's probe period; the user's /dev/shm size.
 */
export function exportPlanSettings(shmSizeBytes: number = defaultPlanSettings.shmSizeBytes): Partial<PlanSettings> {
  return { cpuOnly: true, applyResourceLimits: true, hfHubCache: null, weightsViewsRoot: null, probePeriodMs: defaultPlanSettings.probePeriodMs, shmSizeBytes };
}

export function checkOptions(o: KubeExportInput['options']): void {
  if (o.namespace !== undefined && !DNS_LABEL.test(o.namespace)) throw new BerthError('BAD_REQUEST', `namespace '${o.namespace}' is not a valid Kubernetes namespace`, 'use lowercase letters, digits and "-", at most 63 characters, e.g. models');
  if (o.replicas !== undefined && !(Number.isInteger(o.replicas) && o.replicas >= 1 && o.replicas <= 1000)) throw new BerthError('BAD_REQUEST', `replicas must be a whole number from 1 to 1000, got ${o.replicas}`, 'e.g. --replicas 2');
  if (o.ingressHost !== undefined && !DNS_NAME.test(o.ingressHost)) throw new BerthError('BAD_REQUEST', `ingress host '${o.ingressHost}' is not a DNS name`, 'give the host clients will call, e.g. models.example.com');
  if (o.storageClass !== undefined && !DNS_NAME.test(o.storageClass)) throw new BerthError('BAD_REQUEST', `storage class '${o.storageClass}' is not a valid name`, 'see kubectl get storageclass for the names in your cluster');
}

function imageFor(input: KubeExportInput): { ref: string; comment: string; note?: string } {
  const { plan } = input;
  if (plan.build) {
    return {
      ref: plan.runImage,
      comment: `built by Berth from base_image + ${plan.build.steps.length} build step(s); push it to a registry the cluster can pull and use that reference`,
      note: `the image ${plan.runImage} is built locally by Berth (requirements / system_packages / build_commands): docker tag and push it to your registry, then set the Deployment's image`,
    };
  }
  const written = plan.image;
  if (written.includes('@sha256:')) return { ref: written, comment: 'base_image.image (pinned by digest)' };
  const sha = input.imageDigest?.split('@')[1];
  if (sha) return { ref: `${written}@${sha}`, comment: `base_image.image ${written}, pinned to the digest Berth resolved (${input.imageDigest})` };
  return {
    ref: written,
    comment: `base_image.image as written: Berth has not resolved its digest (run or pull it in Berth first to pin it)${plan.movingTag ? '; a moving tag: nodes may pull different images' : ''}`,
  };
}

export function exportKubernetes(input: KubeExportInput): KubeExport {
  const { plan, config, options } = input;
  checkOptions(options);
  const app = slug(plan.modelName);
  const replicas = options.replicas ?? 1;
  const selector = { 'app.kubernetes.io/name': app };
  const labels = { ...selector, 'app.kubernetes.io/created-by': 'berth' };
  const notes: string[] = [];
  // The export plan is a CPU plan (no GPU on this machine matters to a cluster): its "CPU run" warning is not the cluster's.
  for (const w of plan.warnings) if (!/^CPU run chosen/.test(w)) notes.push(w);

  const image = imageFor(input);
  if (image.note) notes.push(image.note);
  if (config.base_image?.docker_auth) notes.push(`base_image.docker_auth (${config.base_image.docker_auth.auth_method}): create an image pull secret for ${config.base_image.docker_auth.registry ?? 'the registry'} and add it as imagePullSecrets`);
  if (plan.dataMount) notes.push("the truss data/ folder (mounted at /app/data by Berth) is not in the image: bake it into the image or mount it from a volume");
  if (plan.build?.secrets.length) notes.push(`build_commands read secrets (${plan.build.secrets.join(', ')}) at build time: they are needed where you build the image, not in the cluster`);
  const concurrency = plan.predictConcurrency;
  notes.push(`runtime.predict_concurrency ${concurrency} is an annotation (${CONCURRENCY_ANNOTATION}) only: Kubernetes does not cap requests per pod; enforce it with Knative/KServe containerConcurrency or a proxy with a per-pod limit`);

  const names = secretNames(plan);
  const transport = plan.gateway.transport;
  const portName = transport === 'grpc' ? 'grpc' : 'http';
  const objects: KubeObject[] = [];
  let secretValuesIncluded = false;
  if (names.server.length || names.weightsOnly.length) {
    const values = options.includeSecrets ? (input.secretValues ?? {}) : null;
    const s = secretObject(app, labels, names, values);
    secretValuesIncluded = !!values && s.missing.length < names.server.length + names.weightsOnly.length;
    if (s.missing.length) notes.push(`secrets not set in Berth's store, left empty: ${s.missing.join(', ')}`);
    objects.push(s.object);
  }
  const weights = weightsParts({ app, labels, plan, resolved: input.resolvedWeights ?? plan.weights.map(() => null), secrets: names, storageClass: options.storageClass, replicas });
  notes.push(...weights.notes);
  objects.push(weights.configMap);
  if (weights.pvc) objects.push(weights.pvc);

  const annotations = { [CONCURRENCY_ANNOTATION]: String(concurrency) };
  const dep = deploymentObject({ app, labels, selector, config, plan, image, replicas, portName, secrets: names, weights, annotations });
  dep.object.comments.push([['metadata', 'annotations', CONCURRENCY_ANNOTATION], 'runtime.predict_concurrency: requests in flight per replica on the platform; not enforced by Kubernetes'], [['spec', 'replicas'], options.replicas ? '--replicas' : '--replicas (default 1)']);
  notes.push(...dep.notes);
  objects.push(dep.object);
  objects.push(serviceObject(app, labels, selector, portName, plan.serverPort, annotations));
  if (options.ingressHost) {
    const ing = ingressObjects({ app, labels, host: options.ingressHost, predictEndpoint: plan.gateway.predictEndpoint, transport, portName });
    objects.push(...ing.objects);
    notes.push(...ing.notes);
  } else {
    notes.push("no Ingress (--ingress HOST adds one for ingress-nginx that maps Baseten's routes); the Service serves the server's own paths");
  }
  if (options.namespace) {
    for (const o of objects) {
      const meta = o.object.metadata as Record<string, unknown>;
      o.object.metadata = { name: meta.name, namespace: options.namespace, ...meta };
      o.comments.push([['metadata', 'namespace'], '--namespace']);
    }
  }
  return { appName: app, objects, notes: [...new Set(notes)], secretValuesIncluded };
}
