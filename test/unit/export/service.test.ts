// deployments.exportKubernetes through BerthService.handle, as both transports call it. The
// managers are small fakes (no engine here); the export itself is the real one. The config has
// no weights and the deployment reports a digest, so nothing asks the Hub or the engine.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BerthService } from '../../../electron/engine/service/berth-service.js';
import type { DeploymentPort, ServicePorts } from '../../../electron/engine/service/service-deps.js';
import { BASE, readStream } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-export-service-'));
const truss = path.join(dir, 'demo');
mkdirSync(truss);
const configPath = path.join(truss, 'config.yaml');
writeFileSync(configPath, `${BASE}secrets:\n  api_key: null\nresources:\n  accelerator: A10G\n`);
const sha = `sha256:${'b'.repeat(64)}`;

function service(): BerthService {
  const dep = {
    id: 'dep1',
    configPath,
    summary: () => ({ id: 'dep1', configPath, imageDigest: `ghcr.io/acme/server@${sha}` }),
    subscribe: () => () => {},
  } as unknown as DeploymentPort;
  const store = new Map([['api_key', 'sk-secret']]);
  const ports = {
    supervisor: { open: async () => dep, list: () => [dep], get: (id: string) => (id === 'dep1' ? dep : undefined), close: async () => {}, validateText: async () => ({}), shutdown: async () => {} },
    engine: { status: () => ({ up: true, checkedAt: 1 }), onStatus: () => () => {} },
    gpu: { report: async () => ({}), onSample: () => () => {} },
    secrets: { names: async () => [...store.keys()], has: async (n: string) => store.has(n), get: async (n: string) => store.get(n) ?? null, set: async () => {}, delete: async () => {} },
    settings: { get: () => ({ shmSize: '2g' }), update: async () => ({}) },
    recent: { list: async () => [], add: async () => {} },
    gatewayKey: { exists: async () => false, generate: async () => 'k' },
    examplesDir: dir,
    dataDir: dir,
    version: 't',
  } as unknown as ServicePorts;
  return new BerthService(ports, { transport: 'http' });
}

describe('deployments.exportKubernetes', () => {
  it('answers the manifests with the digest of the last run, the shm setting, and placeholders', async () => {
    const r = await service().call('deployments.exportKubernetes', { id: 'dep1', namespace: 'ml' });
    const docs = readStream(r.yaml);
    const dep = docs.find((d) => d.kind === 'Deployment')!;
    expect(dep.spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/server:1.2.3@${sha}`);
    expect(dep.spec.template.spec.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(docs.find((d) => d.kind === 'Secret')!.stringData).toEqual({ api_key: '' });
    expect(r.yaml).not.toContain('sk-secret');
    expect(r.secretValuesIncluded).toBe(false);
    expect(r.objects.map((o) => o.kind)).toEqual(['Secret', 'ConfigMap', 'Deployment', 'Service']);
  });
  it('includes secret values only when asked, and says so', async () => {
    const r = await service().call('deployments.exportKubernetes', { id: 'dep1', includeSecrets: true });
    expect(readStream(r.yaml).find((d) => d.kind === 'Secret')!.stringData).toEqual({ api_key: 'sk-secret' });
    expect(r.secretValuesIncluded).toBe(true);
  });
  it('bad input is a BAD_REQUEST, an unknown deployment NOT_FOUND', async () => {
    expect(await service().handle('deployments.exportKubernetes', { id: 'dep1', replicas: 0 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await service().handle('deployments.exportKubernetes', { id: 'dep1', namespace: 'Bad_NS' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await service().handle('deployments.exportKubernetes', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
