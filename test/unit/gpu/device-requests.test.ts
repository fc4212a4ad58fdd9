// The container's DeviceRequests follow how the engine gives GPUs (GpuCapabilities.via), as the
// planner records it on plan.gpu. GPUs are described (GPUs faked: none here).
import { describe, expect, it } from 'vitest';
import { gpuDeviceRequests } from '../../../electron/engine/docker/container.js';
import { buildRunPlan } from '../../../shared/truss/plan.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import type { GpuCapabilities, GpuInfo } from '../../../shared/gpu.js';

const gpu = (index: number): GpuInfo => ({ index, uuid: `GPU-${index}`, name: 'NVIDIA L4', memoryTotalMiB: 23034, memoryUsedMiB: 0, utilizationPct: 0, temperatureC: 30, powerDrawW: 20, powerLimitW: 72 });
const text = 'model_name: t\nbase_image:\n  image: x:1\ndocker_server:\n  start_command: s\n  server_port: 8000\n  predict_endpoint: /p\n  readiness_endpoint: /h\n  liveness_endpoint: /l\nresources:\n  accelerator: L4\n';

function planFor(caps: GpuCapabilities) {
  const { config } = parseTrussConfig(text, 'config.yaml');
  return buildRunPlan({ config: config!, configPath: '/t/config.yaml', trussDir: '/t', trussFacts: { hasDataDir: false, fileHashes: {} }, machine: { gpus: [gpu(0), gpu(1)], gpuCapabilities: caps, heldDeviceIds: [], grantedDeviceIds: ['GPU-1'] } }).plan!;
}

describe('gpuDeviceRequests', () => {
  it('a CDI engine gets Driver cdi with nvidia.com/gpu=<index>', () => {
    expect(gpuDeviceRequests(planFor({ usable: true, via: 'cdi' }).gpu)).toEqual([{ Driver: 'cdi', DeviceIDs: ['nvidia.com/gpu=1'] }]);
  });
  it('an NVIDIA-runtime engine gets Driver nvidia with the device UUIDs', () => {
    expect(gpuDeviceRequests(planFor({ usable: true, via: 'nvidia-runtime' }).gpu)).toEqual([{ Driver: 'nvidia', DeviceIDs: ['GPU-1'], Capabilities: [['gpu']] }]);
  });
  it('no GPU, no request; a plan without via (older) asks the NVIDIA runtime', () => {
    expect(gpuDeviceRequests(null)).toBeUndefined();
    expect(gpuDeviceRequests({ accelerator: 'L4', count: 1, deviceIds: ['0'] })).toEqual([{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
  });
});
