// What a config asks the weights stage for: entries, the two pattern dialects, the plan's
// mounts and environment. Pure: no Hub, no disk.
import { describe, expect, it } from 'vitest';
import { keepPath, matchesPattern, weightsEntries } from '../../../shared/truss/weights.js';
import { buildRunPlan, dockerRunCommand } from '../../../shared/truss/plan.js';
import { BASE, parse, withExtra } from '../truss/helpers.js';

function config(extra: string) {
  const r = parse(withExtra(extra));
  if (!r.config) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

describe('pattern dialects', () => {
  it('model_cache (truss-transfer): no * means equal; * crosses folders', () => {
    expect(matchesPattern('config.json', 'config.json', 'truss')).toBe(true);
    expect(matchesPattern('config.json', 'sub/config.json', 'truss')).toBe(false);
    expect(matchesPattern('*.pt', 'a/b/c.pt', 'truss')).toBe(true);
    expect(matchesPattern('original/*', 'original/x/y.bin', 'truss')).toBe(true);
    expect(matchesPattern('*.safetensors', 'model.safetensors.index.json', 'truss')).toBe(false);
    // `?` and `.` are literal in this dialect.
    expect(matchesPattern('a?.bin', 'ab.bin', 'truss')).toBe(false);
  });
  it('weights (shell globs): * stays in one level, **/ crosses folders', () => {
    expect(matchesPattern('*.safetensors', 'model.safetensors', 'glob')).toBe(true);
    expect(matchesPattern('*.safetensors', 'sub/model.safetensors', 'glob')).toBe(false);
    expect(matchesPattern('**/*.safetensors', 'sub/deep/model.safetensors', 'glob')).toBe(true);
    expect(matchesPattern('**/*.safetensors', 'model.safetensors', 'glob')).toBe(true);
    expect(matchesPattern('*.md', 'README.md', 'glob')).toBe(true);
    expect(matchesPattern('*.md', 'docs/README.md', 'glob')).toBe(false);
  });
  it('ignore wins; allow patterns must match one', () => {
    const e = { allowPatterns: ['*.json', '*.safetensors'], ignorePatterns: ['original/*'], dialect: 'truss' as const };
    expect(keepPath('config.json', e)).toBe(true);
    expect(keepPath('original/params.json', e)).toBe(false);
    expect(keepPath('README.md', e)).toBe(false);
    expect(keepPath('README.md', { allowPatterns: [], ignorePatterns: [], dialect: 'glob' })).toBe(true);
  });
});

describe('weightsEntries', () => {
  it('model_cache: default revision, secret and target; use_volume false has no target', () => {
    const { entries, problems } = weightsEntries(config('model_cache:\n  - repo_id: BAAI/bge\n    use_volume: true\n    volume_folder: bge\n  - repo_id: org/other\n    revision: v1\n    use_volume: false\n    runtime_secret_name: my_token\n'));
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { key: 'model_cache', index: 0, repoId: 'BAAI/bge', revision: 'main', allowPatterns: [], ignorePatterns: [], dialect: 'truss', target: '/app/model_cache/bge', secretName: 'hf_access_token' },
      { key: 'model_cache', index: 1, repoId: 'org/other', revision: 'v1', allowPatterns: [], ignorePatterns: [], dialect: 'truss', target: null, secretName: 'my_token' },
    ]);
  });
  it('weights: hf://repo@rev, no default secret, either auth spelling', () => {
    const { entries } = weightsEntries(config('weights:\n  - source: hf://a/b@abc\n    mount_location: /models/b/\n  - source: hf://c/d\n    mount_location: /models/d\n    auth:\n      auth_method: CUSTOM_SECRET\n      auth_secret_name: tok\n  - source: hf://e/f\n    mount_location: /models/f\n    auth_secret_name: hf_access_token\n'));
    expect(entries.map((e) => [e.repoId, e.revision, e.target, e.secretName, e.dialect])).toEqual([
      ['a/b', 'abc', '/models/b', null, 'glob'],
      ['c/d', 'main', '/models/d', 'tok', 'glob'],
      ['e/f', 'main', '/models/f', 'hf_access_token', 'glob'],
    ]);
  });
  it('says what Berth cannot fetch locally', () => {
    const p = (extra: string) => weightsEntries(config(extra)).problems.map((x) => x.message).join('\n');
    expect(p('weights:\n  - source: s3://bucket/x\n    mount_location: /m\n')).toMatch(/s3:\/\/ sources are fetched by the platform only/);
    expect(p('weights:\n  - source: hf://a/b\n    mount_location: /m\n  - source: hf://c/d\n    mount_location: /m\n')).toMatch(/used twice/);
    expect(p('weights:\n  - source: hf://a/b\n    mount_location: /m\n    auth:\n      auth_method: AWS_OIDC\n')).toMatch(/AWS_OIDC needs the platform/);
    expect(p('model_cache:\n  - repo_id: a/b\n')).toMatch(/has no use_volume/);
    expect(p('model_cache:\n  - repo_id: a/b\n    use_volume: true\n')).toMatch(/no usable volume_folder/);
    expect(p('model_cache:\n  - repo_id: gs://bucket\n    kind: gcs\n    use_volume: true\n    volume_folder: x\n')).toMatch(/kind 'gcs'/);
  });
});

describe('plan with weights', () => {
  const input = (text: string, settings = {}) => {
    const r = parse(text);
    return buildRunPlan({ config: r.config!, configPath: '/t/m/config.yaml', trussDir: '/t/m', trussFacts: { hasDataDir: false, fileHashes: {} }, machine: { gpus: [], gpuCapabilities: { usable: false, via: 'none' }, heldDeviceIds: [] }, positions: r.positions, settings: { hfHubCache: '/home/u/.cache/huggingface/hub', weightsViewsRoot: '/home/u/.cache/huggingface/berth-views', ...settings } });
  };
  it('mounts the host cache as the container cache, each view read-only, the manifest and the CLI', () => {
    const { plan } = input(withExtra('model_cache:\n  - repo_id: BAAI/bge\n    use_volume: true\n    volume_folder: bge\n'));
    expect(plan!.env).toMatchObject({ HF_HOME: '/berth/huggingface', HF_HUB_CACHE: '/berth/huggingface/hub' });
    expect(plan!.weightsView).toBe(`/home/u/.cache/huggingface/berth-views/${plan!.deploymentId}`);
    const run = dockerRunCommand(plan!);
    expect(run).toContain('-v /home/u/.cache/huggingface/hub:/berth/huggingface/hub');
    expect(run).toContain(`-v /home/u/.cache/huggingface/berth-views/${plan!.deploymentId}/model_cache-0:/app/model_cache/bge:ro`);
    expect(run).toContain(`weights.manifest:/berth/weights.manifest:ro`);
    expect(run).toContain('-v /home/u/.cache/huggingface/berth-views/truss-transfer-cli:/usr/local/bin/truss-transfer-cli:ro');
  });
  it('a config without weights still gets truss-transfer-cli, and no view', () => {
    const { plan } = input(BASE);
    expect(plan!.weights).toEqual([]);
    expect(plan!.weightsView).toBeNull();
    expect(plan!.transferCli).toBe('/home/u/.cache/huggingface/berth-views/truss-transfer-cli');
  });
  it('an env HF_HOME in the config wins; an unfetchable source is a positioned error', () => {
    const { plan } = input(withExtra('environment_variables:\n  HF_HOME: /data/hf\n'));
    expect(plan!.env.HF_HOME).toBe('/data/hf');
    const bad = input(withExtra('weights:\n  - source: s3://b/x\n    mount_location: /m\n'));
    expect(bad.plan).toBeNull();
    expect(bad.issues.find((i) => i.severity === 'error')).toMatchObject({ path: 'weights.0.source' });
  });
  it('the plan hash changes with the entries but not with the resolved commit (placement-free identity)', () => {
    const a = input(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n')).plan!;
    const b = input(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n    ignore_patterns: ["*.md"]\n')).plan!;
    expect(a.planHash).not.toBe(b.planHash);
    expect(input(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n')).plan!.planHash).toBe(a.planHash);
  });
});
