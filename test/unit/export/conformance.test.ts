// Every real Truss example config (read in place from ../shared) and every valid config in
// resources/examples and test/fixtures exports to manifests that validate against the
// Kubernetes OpenAPI schema (kubernetes-models), both as objects and as the YAML text kubectl
// would read. Offline: no engine or Hub lookups, so the result depends on the config alone.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareKubernetesExport, ExportConfigError } from '../../../electron/engine/export/kubernetes/index.js';
import { validateObjects } from '../../../electron/engine/export/kubernetes/validate.js';
import type { KubeObject } from '../../../electron/engine/export/kubernetes/types.js';
import { readStream } from './helpers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const examplesDir = path.resolve(repo, '../shared/conformance/truss-examples');
const realConfigs = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(examplesDir, f)) : [];
const dirsWithConfig = (root: string) => readdirSync(root).map((d) => path.join(root, d)).filter((d) => existsSync(path.join(d, 'config.yaml')));
const bundled = dirsWithConfig(path.join(repo, 'resources/examples'));
const fixtures = dirsWithConfig(path.join(repo, 'test/fixtures/trusses'));
// Fixtures that exist to be invalid: the export refuses them with the config's own errors.
const INVALID = new Set(['broken-syntax', 'broken-values', 'missing-requirements-file']);

const KIND_OF: Record<string, KubeObject['kind']> = { Deployment: 'Deployment', Service: 'Service', Secret: 'Secret', PersistentVolumeClaim: 'PersistentVolumeClaim', ConfigMap: 'ConfigMap', Ingress: 'Ingress' };

async function exportAndValidate(p: string) {
  const r = await prepareKubernetesExport(p, { offline: true, namespace: 'models', ingressHost: 'models.example.com', replicas: 2, storageClass: 'fast-ssd' });
  expect(await validateObjects(r.result.objects)).toEqual([]);
  // The text, read back as kubectl reads it, is the same objects and validates too.
  const docs = readStream(r.stream);
  expect(docs.map((d) => d.kind)).toEqual(r.result.objects.map((o) => o.kind).sort((a, b) => ['ConfigMap', 'Secret', 'PersistentVolumeClaim', 'Deployment', 'Service', 'Ingress'].indexOf(a) - ['ConfigMap', 'Secret', 'PersistentVolumeClaim', 'Deployment', 'Service', 'Ingress'].indexOf(b)));
  const fromText = docs.map((d) => ({ kind: KIND_OF[d.kind], name: d.metadata.name, object: d, header: [], comments: [] }) as KubeObject);
  expect(await validateObjects(fromText)).toEqual([]);
  for (const d of docs) expect(d.metadata.namespace).toBe('models');
  const dep = docs.find((d) => d.kind === 'Deployment')!;
  expect(dep.spec.replicas).toBe(2);
  return { r, docs, dep };
}

describe('kubernetes export: real configs', () => {
  it('finds the examples and fixtures', () => {
    expect(realConfigs.length, `no truss examples in ${examplesDir}`).toBeGreaterThanOrEqual(10);
    expect(bundled.length).toBeGreaterThanOrEqual(3);
    expect(fixtures.length).toBeGreaterThanOrEqual(7);
  });
  it.each(realConfigs.map((p) => [path.basename(p), p]))('%s exports valid manifests', async (_n, p) => {
    const { dep } = await exportAndValidate(p);
    const config = parseTrussConfig(readFileSync(p, 'utf8'), p).config!;
    const c = dep.spec.template.spec.containers[0];
    expect(c.ports[0].containerPort).toBe(config.docker_server!.server_port);
    if (config.docker_server!.start_command) expect(c.command).toEqual(['sh', '-c', config.docker_server!.start_command.replace(/\s+$/, '')]);
    expect(c.startupProbe.periodSeconds).toBe(10);
    // The accelerator count is the device plugin request; a CPU config asks for no GPU.
    const acc = config.resources?.accelerator;
    if (acc) expect(c.resources.limits['nvidia.com/gpu']).toBe(acc.count);
    else expect(c.resources.limits).toBeUndefined();
  });
  it.each(bundled.map((p) => [path.basename(p), p]))('bundled example %s exports valid manifests', async (_n, p) => {
    await exportAndValidate(p);
  });
  it.each(fixtures.map((p) => [path.basename(p), p]))('fixture %s exports valid manifests or is refused with its errors', async (n, p) => {
    if (INVALID.has(n)) {
      const err = await prepareKubernetesExport(p, { offline: true }).catch((e) => e);
      expect(err).toBeInstanceOf(ExportConfigError);
      expect((err as ExportConfigError).issues.some((i) => i.severity === 'error')).toBe(true);
      return;
    }
    await exportAndValidate(p);
  });
  it('the weights configs among them get an init container, a volume and truss-transfer-cli', async () => {
    const withWeights = realConfigs.filter((p) => /qwen_qwen-3-30B-A3-sglang|deepseek_deepseek-v3.2-vllm|qwen_qwen-3.5-9b/.test(p));
    expect(withWeights).toHaveLength(3);
    for (const p of withWeights) {
      const { docs, dep } = await exportAndValidate(p);
      expect(dep.spec.template.spec.initContainers[0].name).toBe('weights');
      expect(docs.some((d) => d.kind === 'PersistentVolumeClaim' && d.spec.accessModes[0] === 'ReadWriteMany' && d.spec.storageClassName === 'fast-ssd')).toBe(true);
      const mounts = dep.spec.template.spec.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath);
      expect(mounts).toContain('/usr/local/bin/truss-transfer-cli');
      expect(mounts).toContain('/berth/weights.manifest');
    }
  });
});
