// Golden tests on what the manifests say: probe arithmetic, GPUs and node affinity, the
// weights init container and volume, secrets, and the Ingress route mapping.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASE, exportText, obj, planOf, serverContainer } from './helpers.js';
import { prepareKubernetesExport } from '../../../electron/engine/export/kubernetes/index.js';
import { renderStream } from '../../../electron/engine/export/kubernetes/render.js';
import { SecretStore } from '../../../electron/engine/secrets/store.js';
import { TRANSFER_CLI_SCRIPT } from '../../../electron/engine/weights/transfer-cli.js';

describe('probes', () => {
  it('platform defaults: 1800 s each = 180 failures x 10 s, startup on the readiness endpoint', () => {
    const c = serverContainer(exportText(BASE));
    expect(c.startupProbe).toEqual({ httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180, successThreshold: 1 });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/live', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 });
  });
  it('thresholds from runtime.health_checks, rounded up to whole periods; the deprecated delay as initialDelaySeconds', () => {
    const x = exportText(`${BASE}runtime:\n  health_checks:\n    startup_threshold_seconds: 600\n    stop_traffic_threshold_seconds: 30\n    restart_threshold_seconds: 45\n    restart_check_delay_seconds: 120\n`);
    const c = serverContainer(x);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(600);
    expect(c.readinessProbe.failureThreshold).toBe(3);
    expect(c.livenessProbe.failureThreshold).toBe(5); // 45 s -> 5 x 10 s, never shorter than asked
    expect(c.livenessProbe.initialDelaySeconds).toBe(120);
    expect(renderStream(x, 'config.yaml')).toContain('60 x 10 s = runtime.health_checks.startup_threshold_seconds (600 s)');
  });
});

describe('container', () => {
  it('image, sh -c command, port, env rules, runAsUser, requests, /dev/shm', () => {
    const x = exportText(`${BASE.replace('  server_port: 8080\n', '  server_port: 8080\n  run_as_user_id: 1000\n')}environment_variables:\n  A: 1\n  EMPTY: null\n  KUBERNETES_X: y\nresources:\n  cpu: "500m"\n  memory: 16Gi\n`);
    const c = serverContainer(x);
    expect(c.image).toBe('ghcr.io/acme/server:1.2.3');
    expect(c.command).toEqual(['sh', '-c', 'python -m server --port 8080']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.env).toEqual([{ name: 'A', value: '1' }]);
    expect(c.securityContext).toEqual({ runAsUser: 1000 });
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '16Gi' } });
    const vols = obj(x, 'Deployment').spec.template.spec.volumes;
    expect(vols).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
  });
  it('pins the image to the digest Berth resolved, else keeps the tag and says so', () => {
    const sha = `sha256:${'a'.repeat(64)}`;
    expect(serverContainer(exportText(BASE, {}, { imageDigest: `ghcr.io/acme/server@${sha}` })).image).toBe(`ghcr.io/acme/server:1.2.3@${sha}`);
    const x = exportText(BASE);
    expect(renderStream(x, 'c')).toContain('image: ghcr.io/acme/server:1.2.3 # base_image.image as written: Berth has not resolved its digest');
  });
});

describe('GPUs', () => {
  it('H100:2 -> nvidia.com/gpu: 2 and the GPU product affinity', () => {
    const x = exportText(`${BASE}resources:\n  accelerator: H100:2\n`);
    expect(serverContainer(x).resources.limits).toEqual({ 'nvidia.com/gpu': 2 });
    const spec = obj(x, 'Deployment').spec.template.spec;
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-H100-PCIe'] },
    ]);
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });
  it('{accelerator: L4, count: 1}; an unmapped type gets no affinity and a note; no accelerator, no GPU', () => {
    const l4 = exportText(`${BASE}resources:\n  accelerator:\n    accelerator: L4\n    count: 1\n`);
    expect(obj(l4, 'Deployment').spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['NVIDIA-L4']);
    const b10 = exportText(`${BASE}resources:\n  accelerator: B10:4\n`);
    expect(serverContainer(b10).resources.limits).toEqual({ 'nvidia.com/gpu': 4 });
    expect(obj(b10, 'Deployment').spec.template.spec.affinity).toBeUndefined();
    expect(b10.notes.join('\n')).toContain('accelerator B10 has no known nvidia.com/gpu.product value');
    const cpu = exportText(BASE);
    expect(serverContainer(cpu).resources.limits).toBeUndefined();
    expect(obj(cpu, 'Deployment').spec.template.spec.tolerations).toBeUndefined();
  });
});

const MODEL_CACHE = `${BASE}model_cache:
  - repo_id: acme/tiny
    revision: main
    use_volume: true
    volume_folder: tiny
    allow_patterns: ["*.json", "*.safetensors"]
    ignore_patterns: ["original/*"]
`;

describe('weights', () => {
  it('model_cache: init container spec with patterns, revision, target; default volume size with a note when the files are unknown', () => {
    const x = exportText(MODEL_CACHE);
    const cm = obj(x, 'ConfigMap');
    const spec = JSON.parse(cm.data['weights.json']);
    expect(spec.entries).toEqual([
      expect.objectContaining({ repo: 'acme/tiny', revision: 'main', commit: null, dialect: 'truss', allow: ['*.json', '*.safetensors'], ignore: ['original/*'], dest: '/weights/model_cache-0', layout: 'files', target: '/app/model_cache/tiny', secret: 'hf_access_token', files: null }),
    ]);
    expect(cm.data['truss-transfer-cli']).toBe(TRANSFER_CLI_SCRIPT);
    expect(obj(x, 'PersistentVolumeClaim').spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } } });
    expect(x.notes.join('\n')).toContain('weights volume size is a default (200Gi)');
    const dep = obj(x, 'Deployment');
    const init = dep.spec.template.spec.initContainers[0];
    expect(init.image).toBe('python:3.12-slim');
    expect(init.command[2]).toContain("'huggingface_hub==0.34.4'");
    expect(init.volumeMounts).toContainEqual({ name: 'weights-tokens', mountPath: '/secrets', readOnly: true });
    expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
    const mounts = serverContainer(x).volumeMounts;
    expect(mounts).toContainEqual({ name: 'weights', mountPath: '/app/model_cache/tiny', subPath: 'model_cache-0', readOnly: true });
    expect(mounts).toContainEqual({ name: 'weights', mountPath: '/berth/weights.manifest', subPath: 'weights.manifest', readOnly: true });
    expect(mounts).toContainEqual({ name: 'berth', mountPath: '/usr/local/bin/truss-transfer-cli', subPath: 'truss-transfer-cli', readOnly: true });
  });
  it('resolved by Berth: the pinned commit, the kept files, and a volume sized from them', () => {
    const { plan } = planOf(MODEL_CACHE);
    const commit = 'c'.repeat(40);
    const files = [{ path: 'config.json', size: 1000 }, { path: 'model.safetensors', size: 10 * 2 ** 30 }];
    const x = exportText(MODEL_CACHE, { storageClass: 'fast' }, { resolvedWeights: [{ entry: plan.weights[0], commit, files }] });
    const spec = JSON.parse(obj(x, 'ConfigMap').data['weights.json']);
    expect(spec.entries[0].commit).toBe(commit);
    expect(spec.entries[0].files).toEqual([['config.json', 1000], ['model.safetensors', 10 * 2 ** 30]]);
    // 10 GiB + 1000 B, plus 10% -> 11.0 GiB, rounded up to 12, plus 1 GiB.
    expect(obj(x, 'PersistentVolumeClaim').spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '13Gi' } } });
  });
  it('weights (mount_location): glob dialect, pinned revision from the source, read-only at mount_location; replicas > 1 share it ReadWriteMany', () => {
    const x = exportText(`${BASE}weights:\n  - source: hf://acme/big@0123abc\n    mount_location: /models/big\n    allow_patterns: ["*.safetensors"]\n    auth_secret_name: hub_token\n`, { replicas: 3 });
    const e = JSON.parse(obj(x, 'ConfigMap').data['weights.json']).entries[0];
    expect(e).toMatchObject({ repo: 'acme/big', revision: '0123abc', dialect: 'glob', target: '/models/big', secret: 'hub_token', dest: '/weights/weights-0' });
    expect(serverContainer(x).volumeMounts).toContainEqual({ name: 'weights', mountPath: '/models/big', subPath: 'weights-0', readOnly: true });
    expect(obj(x, 'PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteMany']);
    expect(obj(x, 'Deployment').spec.strategy).toBeUndefined();
    expect(obj(x, 'Secret').stringData).toEqual({ hub_token: '' });
  });
  it('a config without weights still gets truss-transfer-cli, and no init container or volume', () => {
    const x = exportText(BASE);
    expect(obj(x, 'Deployment').spec.template.spec.initContainers).toBeUndefined();
    expect(x.objects.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    expect(serverContainer(x).volumeMounts).toContainEqual({ name: 'berth', mountPath: '/usr/local/bin/truss-transfer-cli', subPath: 'truss-transfer-cli', readOnly: true });
  });
});


describe('secrets', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'berth-export-secrets-'));
  const truss = path.join(home, 'truss');
  mkdirSync(truss);
  writeFileSync(path.join(truss, 'config.yaml'), `${BASE}secrets:\n  api_key: null\n  other: null\n`);
  const store = new SecretStore({ file: path.join(home, 'secrets.json') });

  it('placeholders by default, mounted read-only at /secrets with a fill-in comment', async () => {
    await store.set('api_key', 'sk-live-123');
    const r = await prepareKubernetesExport(truss, { offline: true, secrets: store });
    const s = r.result.objects.find((o) => o.kind === 'Secret')!.object as Record<string, any>;
    expect(s.stringData).toEqual({ api_key: '', other: '' });
    expect(r.stream).not.toContain('sk-live-123');
    expect(r.stream).toContain('kubectl create secret generic demo-model-secrets --from-literal=api_key=... --from-literal=other=...');
    expect(r.result.secretValuesIncluded).toBe(false);
    const dep = r.result.objects.find((o) => o.kind === 'Deployment')!.object as Record<string, any>;
    expect(dep.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'secrets', mountPath: '/secrets', readOnly: true });
    expect(dep.spec.template.spec.volumes).toContainEqual({ name: 'secrets', secret: { secretName: 'demo-model-secrets', items: [{ key: 'api_key', path: 'api_key' }, { key: 'other', path: 'other' }], defaultMode: 0o444 } });
  });
  it('--include-secrets copies values from the store and names the ones it does not have', async () => {
    const r = await prepareKubernetesExport(truss, { offline: true, secrets: store, includeSecrets: true });
    const s = r.result.objects.find((o) => o.kind === 'Secret')!.object as Record<string, any>;
    expect(s.stringData).toEqual({ api_key: 'sk-live-123', other: '' });
    expect(r.result.secretValuesIncluded).toBe(true);
    expect(r.result.notes).toContain("secrets not set in Berth's store, left empty: other");
    expect(r.stream).toContain("Secret values were copied from Berth's secret store (--include-secrets): keep this file private.");
  });
});

describe('service and ingress', () => {
  it('Service on port 80 to the named container port; no Ingress without a host', () => {
    const x = exportText(BASE);
    expect(obj(x, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(x.objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });
  it("--ingress maps Baseten's routes: predict -> predict_endpoint, sync/* -> /*, for ingress-nginx", () => {
    const x = exportText(`${BASE}runtime:\n  predict_concurrency: 4\n`, { ingressHost: 'models.example.com' });
    const predict = obj(x, 'Ingress', 'demo-model-predict');
    expect(predict.metadata.annotations['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/v1/predict');
    expect(predict.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('100m');
    expect(predict.spec.rules[0].host).toBe('models.example.com');
    expect(predict.spec.rules[0].http.paths.map((p: { path: string }) => p.path)).toEqual([
      '/environments/[^/]+/predict$', '/production/predict$', '/development/predict$', '/deployment/[^/]+/predict$',
    ]);
    const sync = obj(x, 'Ingress', 'demo-model-sync');
    expect(sync.metadata.annotations['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    expect(sync.spec.rules[0].http.paths[0]).toEqual({ path: '/environments/[^/]+/sync(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: { name: 'demo-model', port: { name: 'http' } } } });
    // The regex really maps a sync path to the server path (ingress-nginx anchors it at the start).
    const m = new RegExp(`^${sync.spec.rules[0].http.paths[0].path}`).exec('/environments/production/sync/v1/models');
    expect(m?.[2]).toBe('v1/models');
    expect(obj(x, 'Deployment').metadata.annotations).toEqual({ 'berth.dev/predict-concurrency': '4' });
    expect(x.notes.join('\n')).toContain('not mapped: POST {prefix}/async_predict');
  });
  it('websocket transport adds the WebSocket route to predict_endpoint and notes the ping settings; gRPC goes whole-host with backend-protocol GRPC', () => {
    const ws = exportText(`${BASE}runtime:\n  transport:\n    kind: websocket\n`, { ingressHost: 'ws.example.com' });
    expect(obj(ws, 'Ingress', 'demo-model-predict').spec.rules[0].http.paths.map((p: { path: string }) => p.path)).toContain('/environments/[^/]+/websocket$');
    expect(ws.notes.join('\n')).toContain('ping_interval_seconds / ping_timeout_seconds are not expressible');
    const grpc = exportText(`${BASE}runtime:\n  transport:\n    kind: grpc\n`, { ingressHost: 'g.example.com' });
    const g = obj(grpc, 'Ingress', 'demo-model-grpc');
    expect(g.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC' });
    expect(obj(grpc, 'Service').spec.ports[0]).toMatchObject({ name: 'grpc', appProtocol: 'grpc' });
  });
  it('bad options are refused with a hint', () => {
    expect(() => exportText(BASE, { namespace: 'Bad_NS' })).toThrow(/not a valid Kubernetes namespace/);
    expect(() => exportText(BASE, { replicas: 0 })).toThrow(/replicas must be a whole number/);
    expect(() => exportText(BASE, { ingressHost: 'http://x' })).toThrow(/not a DNS name/);
  });
});
