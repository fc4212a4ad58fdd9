// buildRunPlan over parsed configs with machine facts. The GPUs are described, not real:
// this machine has none (the GpuInfo list stands in for nvidia-smi's answer).
import { describe, expect, it } from 'vitest';
import { buildRunPlan, defaultPlanSettings, deploymentIdOf, dockerRunCommand, type PlanInput } from '../../../shared/truss/plan.js';
import type { GpuInfo } from '../../../shared/gpu.js';
import type { ConfigIssue } from '../../../shared/truss/issues.js';
import { LABELS } from '../../../shared/plan.js';
import { BASE, parse, withExtra } from './helpers.js';

const gpu = (index: number, gib: number, name = 'NVIDIA RTX 4090'): GpuInfo => ({
  index, uuid: `GPU-${index}`, name, memoryTotalMiB: gib * 1024, memoryUsedMiB: 0, utilizationPct: 0, temperatureC: 40, powerDrawW: 30, powerLimitW: 450,
});
const errs = (is: ConfigIssue[]) => is.filter((i) => i.severity === 'error');
const usable = { usable: true, via: 'nvidia-runtime' as const };

function input(text: string, over: Partial<PlanInput> = {}): PlanInput {
  const r = parse(text);
  if (!r.config) throw new Error(JSON.stringify(r.issues));
  return {
    config: r.config,
    configPath: '/trusses/m/config.yaml',
    trussDir: '/trusses/m',
    trussFacts: { hasDataDir: false, fileHashes: {} },
    machine: { gpus: [], gpuCapabilities: { usable: false, via: 'none' }, heldDeviceIds: [] },
    positions: r.positions,
    ...over,
  };
}

describe('restart timing (platform rule: delay + restart <= 3000 s)', () => {
  it('unset: no delay (deprecated), restart after the default 1800 s, not an hour after Ready', async () => {
    const { restartTiming } = await import('../../../shared/truss/plan.js');
    expect(restartTiming(null, null)).toEqual({ restartThresholdS: 1800, restartCheckDelayS: 0 });
    expect(restartTiming(null, 1500)).toEqual({ restartThresholdS: 1500, restartCheckDelayS: 1500 });
    expect(restartTiming(600, null)).toEqual({ restartThresholdS: 600, restartCheckDelayS: 0 });
    expect(restartTiming(120, 1800)).toEqual({ restartThresholdS: 120, restartCheckDelayS: 1800 });
    for (const [r, d] of [[null, null], [null, 10], [null, 2990], [3000, null]] as const) {
      const t = restartTiming(r, d);
      expect(t.restartThresholdS + t.restartCheckDelayS).toBeLessThanOrEqual(3000);
    }
  });
});

describe('buildRunPlan: basics', () => {
  it('plans a CPU model with platform defaults', () => {
    const { plan, issues } = buildRunPlan(input(BASE));
    expect(issues.map((i) => [i.severity, i.line, i.path])).toEqual([['warning', 3, 'base_image.image']]);
    expect(plan).toMatchObject({
      modelName: 't',
      image: 'berth-fixture/model-server:latest',
      movingTag: true,
      build: null,
      runImage: 'berth-fixture/model-server:latest',
      entrypoint: ['sh', '-c', 'node server.mjs --port 8000'],
      serverPort: 8000,
      gpu: null,
      user: null,
      shmSizeBytes: defaultPlanSettings.shmSizeBytes,
      nanoCpus: null,
      memoryBytes: null,
      hfCache: null,
      weights: [],
      predictConcurrency: 1,
      probes: { readinessPath: '/health', livenessPath: '/live', periodMs: 10_000, startupPollMs: 100, startupThresholdS: 1800, stopTrafficThresholdS: 1800, restartThresholdS: 1800, restartCheckDelayS: 0 },
    });
    // The truss folder's name (/trusses/m), not model_name: editing the config keeps the id.
    expect(plan!.deploymentId).toMatch(/^m-[0-9a-f]{8}$/);
    expect(deploymentIdOf('/trusses/m/config.yaml', '/trusses/m')).toBe(plan!.deploymentId);
    const renamed = buildRunPlan(input(BASE.replace('model_name: t', 'model_name: renamed')));
    expect(renamed.plan!.modelName).toBe('renamed');
    expect(renamed.plan!.deploymentId).toBe(plan!.deploymentId);
    expect(plan!.labels[LABELS.managed]).toBe('true');
    expect(plan!.labels[LABELS.planHash]).toBe(plan!.planHash);
    expect(plan!.gateway.routes.join('\n')).toMatch(/\/environments\/\{env\}\/predict -> \/predict/);
    expect(plan!.warnings.join('\n')).toMatch(/moving tag/);
  });

  it('applies settings: probe period, shm, resource limits, no HF cache', () => {
    const { plan } = buildRunPlan(input(withExtra('resources:\n  cpu: 500m\n  memory: 3Gi\n'), { settings: { probePeriodMs: 2000, shmSizeBytes: 2 ** 30, applyResourceLimits: true, hfHubCache: null } }));
    expect(plan).toMatchObject({ shmSizeBytes: 2 ** 30, nanoCpus: 5e8, memoryBytes: 3 * 2 ** 30, hfCache: null });
    expect(plan!.env.HF_HOME).toBeUndefined();
    expect(plan!.probes.periodMs).toBe(2000);
  });

  it('env drops null placeholders; run_as_user_id sets the user; health checks and websocket carry over', () => {
    const text = withExtra('environment_variables:\n  A: 1\n  B: null\nruntime:\n  is_websocket_endpoint: true\n  predict_concurrency: 4\n  health_checks:\n    startup_threshold_seconds: 60\n').replace('docker_server:\n', 'docker_server:\n  run_as_user_id: 1000\n');
    const { plan } = buildRunPlan(input(text));
    expect(plan!.env).toEqual({ A: '1' });
    expect(plan!.user).toBe('1000');
    expect(plan!.gateway.transport).toBe('websocket');
    expect(plan!.gateway.routes.some((r) => r.startsWith('WS '))).toBe(true);
    expect(plan!.predictConcurrency).toBe(4);
    expect(plan!.probes.startupThresholdS).toBe(60);
  });

  it('no_build without start_command keeps the image entrypoint and says so; data/ is mounted', () => {
    const text = BASE.replace(/ {2}start_command:.*\n/, '').replace('docker_server:\n', 'docker_server:\n  no_build: true\n') + 'requirements: [x]\n';
    const { plan } = buildRunPlan(input(text, { trussFacts: { hasDataDir: true, fileHashes: {} } }));
    expect(plan!.entrypoint).toEqual([]);
    expect(plan!.build).toBeNull();
    expect(plan!.dataMount).toEqual({ source: '/trusses/m/data', target: '/app/data' });
    expect(plan!.warnings.join('\n')).toMatch(/own ENTRYPOINT\/CMD/);
  });

  it('secrets: declared plus those the start command reads (with a warning)', () => {
    const text = BASE.replace('node server.mjs', 'HF_TOKEN=$(cat /secrets/hf_access_token) node server.mjs') + 'secrets:\n  other: null\n';
    const { plan, issues } = buildRunPlan(input(text));
    expect(plan!.secrets).toEqual(['other', 'hf_access_token']);
    expect(issues.find((i) => /does not declare/.test(i.message))).toMatchObject({ line: 5, severity: 'warning' });
  });
});

describe('buildRunPlan: build detection and hashing', () => {
  const build = withExtra('system_packages: [ffmpeg, "lib x"]\nrequirements_file: requirements.txt\nbuild_commands:\n  - echo $(cat /secrets/tok) > /x\nexternal_data:\n  - url: https://example.com/w.bin\n    local_data_path: w/w.bin\nsecrets:\n  tok: null\n');
  const facts = { hasDataDir: true, fileHashes: { 'requirements.txt': 'a'.repeat(64), 'data/x.txt': 'b'.repeat(64) } };

  it('orders steps as the platform does and lists inputs and build secrets', () => {
    const { plan, issues } = buildRunPlan(input(build, { trussFacts: facts }));
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const b = plan!.build!;
    expect(b.steps.map((s) => s.kind)).toEqual(['system_packages', 'requirements_file', 'data', 'external_data', 'build_command']);
    expect(b.steps[0].run).toContain("ffmpeg 'lib x'");
    expect(b.steps[1]).toMatchObject({ source: 'requirements.txt', target: '/tmp/berth-build/requirements.txt' });
    expect(b.inputs).toEqual(['requirements.txt', 'data/x.txt']);
    expect(b.secrets).toEqual(['tok']);
    expect(b.tag).toMatch(/^berth-build\/t:[0-9a-f]{12}$/);
    expect(plan!.runImage).toBe(b.tag);
    expect(plan!.dataMount).toBeNull();
  });

  it('requirements come after the requirements file; an empty list needs no build', () => {
    expect(buildRunPlan(input(withExtra('requirements: [a==1, "b[x]>=2"]\n'))).plan!.build!.steps[0].run).toBe("python3 -m pip install --no-cache-dir a==1 'b[x]>=2'");
    expect(buildRunPlan(input(withExtra('requirements: []\n'))).plan!.build).toBeNull();
  });

  it('hashes are stable and change with inputs', () => {
    const a = buildRunPlan(input(build, { trussFacts: facts })).plan!;
    const b = buildRunPlan(input(build, { trussFacts: { ...facts, fileHashes: { ...facts.fileHashes } } })).plan!;
    expect(b.build!.hash).toBe(a.build!.hash);
    expect(b.planHash).toBe(a.planHash);
    const c = buildRunPlan(input(build, { trussFacts: { ...facts, fileHashes: { ...facts.fileHashes, 'data/x.txt': 'c'.repeat(64) } } })).plan!;
    expect(c.build!.hash).not.toBe(a.build!.hash);
    expect(c.planHash).not.toBe(a.planHash);
    const d = buildRunPlan(input(build.replace('A:', 'A:'), { trussFacts: facts, settings: { shmSizeBytes: 2 ** 30 } })).plan!;
    expect(d.build!.hash).toBe(a.build!.hash);
    expect(d.planHash).not.toBe(a.planHash);
  });

  it('a missing requirements file is an error at its line', () => {
    const { plan, issues } = buildRunPlan(input(withExtra('requirements_file: requirements.txt\n')));
    expect(plan).toBeNull();
    expect(errs(issues)[0]).toMatchObject({ severity: 'error', line: 10, path: 'requirements_file' });
  });
});

describe('buildRunPlan: GPUs', () => {
  const h100x2 = withExtra('resources:\n  accelerator: H100:2\n');
  it('chooses free devices, skipping held ones', () => {
    const { plan } = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 80, 'H100'), gpu(1, 80, 'H100'), gpu(2, 80, 'H100')], gpuCapabilities: usable, heldDeviceIds: ['0'] } }));
    expect(plan!.gpu).toEqual({ accelerator: 'H100', count: 2, deviceIds: ['GPU-1', 'GPU-2'], via: 'nvidia-runtime', deviceIndexes: [1, 2] });
    expect(plan!.warnings.filter((w) => /GiB/.test(w))).toEqual([]);
  });
  it('held by UUID counts too; too few GPUs is a GPU_TOO_FEW error with a CPU-run hint', () => {
    const { plan, issues } = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 80), gpu(1, 80)], gpuCapabilities: usable, heldDeviceIds: ['GPU-1'] } }));
    expect(plan).toBeNull();
    expect(errs(issues)[0]).toMatchObject({ code: 'GPU_TOO_FEW', line: 11, col: 3 });
    expect(errs(issues)[0].message).toBe('config asks for H100:2; this machine has 2 GPUs (80 GiB), 1 of them held by other deployments');
    expect(errs(issues)[0].hint).toMatch(/CPU run/);
  });
  it('warns when local VRAM is below the accelerator', () => {
    const { plan } = buildRunPlan(input(withExtra('resources:\n  accelerator: H100\n'), { machine: { gpus: [gpu(0, 24)], gpuCapabilities: usable, heldDeviceIds: [] } }));
    expect(plan!.gpu!.deviceIds).toEqual(['GPU-0']);
    expect(plan!.warnings).toContain('config asks for H100 (80 GiB per GPU); GPU 0 (NVIDIA RTX 4090) has 24 GiB: the model may not fit');
    const one = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 24)], gpuCapabilities: usable, heldDeviceIds: [] } }));
    expect(errs(one.issues)[0].message).toBe('config asks for H100:2; this machine has 1 GPU (24 GiB)');
  });
  it('never silently CPU: no GPU or no runtime is an error; --cpu is explicit and warned', () => {
    const none = buildRunPlan(input(h100x2));
    expect(none.plan).toBeNull();
    expect(errs(none.issues)[0].code).toBe('GPU_UNAVAILABLE');
    const noRuntime = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 80)], gpuCapabilities: { usable: false, via: 'none', reason: 'no nvidia runtime', hint: 'install the NVIDIA Container Toolkit' }, heldDeviceIds: [] } }));
    expect(errs(noRuntime.issues)[0]).toMatchObject({ code: 'GPU_RUNTIME_MISSING' });
    expect(errs(noRuntime.issues)[0].hint).toMatch(/Container Toolkit.*CPU run/);
    const cpu = buildRunPlan(input(h100x2, { settings: { cpuOnly: true } }));
    expect(cpu.plan!.gpu).toBeNull();
    expect(cpu.plan!.warnings.join('\n')).toMatch(/CPU run chosen: config asks for H100:2/);
  });

  // Identity must not depend on placement: a restarted Berth plans in another order.
  it('the plan hash is the request (type and count), never the devices placement picked', () => {
    const h100 = withExtra('resources:\n  accelerator: H100\n');
    const gpus = [gpu(0, 80, 'H100'), gpu(1, 80, 'H100')];
    const alone = buildRunPlan(input(h100, { machine: { gpus, gpuCapabilities: usable, heldDeviceIds: [] } })).plan!;
    const second = buildRunPlan(input(h100, { machine: { gpus, gpuCapabilities: usable, heldDeviceIds: ['GPU-0'] } })).plan!;
    expect(alone.gpu!.deviceIds).not.toEqual(second.gpu!.deviceIds);
    expect(second.planHash).toBe(alone.planHash);
    const two = buildRunPlan(input(h100x2, { machine: { gpus, gpuCapabilities: usable, heldDeviceIds: [] } })).plan!;
    expect(two.planHash).not.toBe(alone.planHash);
    const a100 = buildRunPlan(input(withExtra('resources:\n  accelerator: A100\n'), { machine: { gpus, gpuCapabilities: usable, heldDeviceIds: [] } })).plan!;
    expect(a100.planHash).not.toBe(alone.planHash);
    expect(buildRunPlan(input(h100, { settings: { cpuOnly: true } })).plan!.planHash).not.toBe(alone.planHash);
  });

  it('with GPU sharing allowed, GPUs other deployments hold are planned on (with the sharing warning), not refused', () => {
    const h100 = withExtra('resources:\n  accelerator: H100\n');
    const machine = { gpus: [gpu(0, 80, 'H100')], gpuCapabilities: usable, heldDeviceIds: ['GPU-0'] };
    expect(errs(buildRunPlan(input(h100, { machine })).issues)[0]).toMatchObject({ code: 'GPU_TOO_FEW' });
    const { plan, issues } = buildRunPlan(input(h100, { machine: { ...machine, allowGpuSharing: true } }));
    expect(errs(issues)).toEqual([]);
    expect(plan!.gpu!.deviceIds).toEqual(['GPU-0']);
    expect(plan!.warnings.join('\n')).toMatch(/Sharing GPU 0 \(H100\) with another deployment/);
  });

  it('plans with the devices the ledger granted (UUIDs), never placing again', () => {
    const { plan, issues } = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 80), gpu(1, 80), gpu(2, 80)], gpuCapabilities: usable, heldDeviceIds: [], grantedDeviceIds: ['GPU-2', 'GPU-0'] } }));
    expect(errs(issues)).toEqual([]);
    expect(plan!.gpu).toMatchObject({ accelerator: 'H100', count: 2, deviceIds: ['GPU-2', 'GPU-0'] });
  });

  it('a CDI-only engine: the plan asks for the devices through CDI, named by index', () => {
    const { plan } = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 80), gpu(1, 80), gpu(2, 80)], gpuCapabilities: { usable: true, via: 'cdi' }, heldDeviceIds: ['GPU-0'] } }));
    expect(plan!.gpu).toMatchObject({ deviceIds: ['GPU-1', 'GPU-2'], via: 'cdi', deviceIndexes: [1, 2] });
    const runtime = buildRunPlan(input(h100x2, { machine: { gpus: [gpu(0, 80), gpu(1, 80)], gpuCapabilities: usable, heldDeviceIds: [] } })).plan!;
    expect(runtime.gpu).toMatchObject({ via: 'nvidia-runtime' });
  });

  it('one VRAM threshold: a real L4 (23034 MiB, ECC reserved) is an L4; a 24 GiB card is no H100', () => {
    const l4: GpuInfo = { ...gpu(0, 24, 'NVIDIA L4'), memoryTotalMiB: 23034 };
    const asL4 = buildRunPlan(input(withExtra('resources:\n  accelerator: L4\n'), { machine: { gpus: [l4], gpuCapabilities: usable, heldDeviceIds: [] } })).plan!;
    expect(asL4.warnings.filter((w) => /may not fit/.test(w))).toEqual([]);
    const asH100 = buildRunPlan(input(withExtra('resources:\n  accelerator: H100\n'), { machine: { gpus: [l4], gpuCapabilities: usable, heldDeviceIds: [] } })).plan!;
    expect(asH100.warnings).toContain('config asks for H100 (80 GiB per GPU); GPU 0 (NVIDIA L4) has 22 GiB: the model may not fit');
  });
});

describe('dockerRunCommand', () => {
  it('is pasteable: gpus, loopback port, secrets placeholder, shm, user, env, entrypoint; never secret values', () => {
    const text = withExtra("resources:\n  accelerator: L4:2\nsecrets:\n  hf_access_token: null\nenvironment_variables:\n  Q: \"it's\"\n").replace('docker_server:\n', 'docker_server:\n  run_as_user_id: 1234\n');
    const { plan } = buildRunPlan(input(text, { machine: { gpus: [gpu(0, 24), gpu(1, 24)], gpuCapabilities: usable, heldDeviceIds: [] } }));
    const cmd = dockerRunCommand(plan!);
    expect(cmd).toContain(`--gpus '"device=GPU-0,GPU-1"'`);
    expect(cmd).toContain('-p 127.0.0.1:8000:8000');
    expect(cmd).toMatch(/-v "\$\{BERTH_SECRETS_DIR:\?[^"]*hf_access_token\}":\/secrets:ro/);
    expect(cmd).toContain('--shm-size 8g');
    expect(cmd).toContain('--user 1234');
    expect(cmd).toContain(`-e 'Q=it'\\''s'`);
    expect(cmd).toMatch(/--entrypoint sh \\\n {2}berth-fixture\/model-server:latest \\\n {2}-c \\\n {2}'node server.mjs --port 8000'$/);
  });
});
