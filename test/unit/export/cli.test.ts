// `berth export kubernetes` as a command (its run(argv), in-process; output captured): a real
// truss example to files and to a stream, read back and validated with kubernetes-models.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../electron/cli/commands/export.js';
import { validateObjects } from '../../../electron/engine/export/kubernetes/validate.js';
import type { KubeObject } from '../../../electron/engine/export/kubernetes/types.js';
import { readStream } from './helpers.js';

// Settings and secrets are read from BERTH_HOME: keep the user's own out of the test.
process.env.BERTH_HOME = mkdtempSync(path.join(os.tmpdir(), 'berth-export-cli-'));
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sglang = path.resolve(repo, '../shared/conformance/truss-examples/qwen_qwen-3-30B-A3-sglang.yaml');

async function capture(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const l = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const e = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await run(argv), out: out.join(''), err: err.join('\n') };
  } finally {
    w.mockRestore();
    l.mockRestore();
    e.mockRestore();
  }
}

const asObjects = (docs: Array<Record<string, any>>) => docs.map((d) => ({ kind: d.kind, name: d.metadata.name, object: d, header: [], comments: [] }) as KubeObject);

afterEach(() => vi.restoreAllMocks());

describe('berth export kubernetes', () => {
  it('writes one valid file per object into -o DIR', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'berth-export-out-')), 'k8s');
    const r = await capture(['kubernetes', sglang, '-o', dir, '--namespace', 'ml', '--ingress', 'models.example.com', '--storage-class', 'fast', '--offline']);
    expect(r.code).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual([
      '01-configmap-qwen-3-30b-a3-sglang-berth.yaml',
      '02-secret-qwen-3-30b-a3-sglang-secrets.yaml',
      '03-persistentvolumeclaim-qwen-3-30b-a3-sglang-weights.yaml',
      '04-deployment-qwen-3-30b-a3-sglang.yaml',
      '05-service-qwen-3-30b-a3-sglang.yaml',
      '06-ingress-qwen-3-30b-a3-sglang-predict.yaml',
      '07-ingress-qwen-3-30b-a3-sglang-sync.yaml',
    ]);
    const docs = files.flatMap((f) => readStream(readFileSync(path.join(dir, f), 'utf8')));
    expect(docs).toHaveLength(7);
    expect(await validateObjects(asObjects(docs))).toEqual([]);
    const dep = docs.find((d) => d.kind === 'Deployment')!;
    expect(dep.metadata.namespace).toBe('ml');
    expect(dep.spec.template.spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': 1 });
    expect(statSync(path.join(dir, files[1])).mode & 0o777).toBe(0o644);
    expect(r.err).toContain('7 objects (');
    expect(r.err).toContain('valid against the Kubernetes schema');
    expect(r.err).toContain('weights volume size is a default (200Gi)');
  });
  it('streams to stdout by default; notes go to stderr', async () => {
    const r = await capture(['kubernetes', sglang, '--offline']);
    expect(r.code).toBe(0);
    const docs = readStream(r.out);
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Secret', 'PersistentVolumeClaim', 'Deployment', 'Service']);
    expect(await validateObjects(asObjects(docs))).toEqual([]);
    expect(r.out).not.toContain('not expressed in the manifests');
    expect(r.err).toContain('not expressed in the manifests');
  });
  it('usage errors exit 2 with what to do; an invalid config exits 1 with its positioned errors', async () => {
    expect((await capture(['helm', sglang])).code).toBe(2);
    const bad = await capture(['kubernetes', sglang, '--replicas', 'two', '--offline']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('replicas must be a whole number');
    const broken = await capture(['kubernetes', path.join(repo, 'test/fixtures/trusses/broken-values'), '--offline']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/config.yaml:\d+:\d+: error: unknown accelerator type 'h100'/);
  });
});
