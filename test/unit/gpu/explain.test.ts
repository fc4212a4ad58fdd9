import { describe, expect, it } from 'vitest';
import { explainGpuEngineError } from '../../../electron/engine/gpu/explain.js';

// Engine messages as Docker and the NVIDIA toolkit print them.
describe('explainGpuEngineError', () => {
  it('maps the missing device driver error to GPU_RUNTIME_MISSING with the toolkit hint', () => {
    const e = explainGpuEngineError('(HTTP code 500) server error - could not select device driver "" with capabilities: [[gpu]]');
    expect(e?.code).toBe('GPU_RUNTIME_MISSING');
    expect(e?.message).toMatch(/no NVIDIA device driver/);
    expect(e?.hint).toMatch(/Install the NVIDIA Container Toolkit/);
    expect(e?.hint).toMatch(/nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker/);
    // DeviceRequests with Driver "nvidia" fail the same way, naming the driver.
    expect(explainGpuEngineError('could not select device driver "nvidia" with capabilities: [[gpu]]')?.code).toBe('GPU_RUNTIME_MISSING');
  });

  it('maps an unknown nvidia runtime', () => {
    const e = explainGpuEngineError('Error response from daemon: unknown or invalid runtime name: nvidia');
    expect(e?.code).toBe('GPU_RUNTIME_MISSING');
    expect(e?.hint).toMatch(/nvidia-ctk runtime configure/);
    expect(explainGpuEngineError('(HTTP code 400) bad parameter - Unknown runtime specified nvidia ')?.code).toBe('GPU_RUNTIME_MISSING');
  });

  it('maps unresolvable CDI devices and names them', () => {
    const e = explainGpuEngineError('Error response from daemon: could not select device driver "cdi" with capabilities: []: unresolvable CDI devices nvidia.com/gpu=0');
    expect(e?.code).toBe('GPU_RUNTIME_MISSING');
    expect(e?.message).toMatch(/nvidia\.com\/gpu=0/);
    expect(e?.hint).toMatch(/nvidia-ctk cdi generate/);
  });

  it('maps an engine without a CDI driver (Docker before 25, or CDI off)', () => {
    const e = explainGpuEngineError('(HTTP code 500) server error - could not select device driver "cdi" with capabilities: [] ');
    expect(e?.code).toBe('GPU_RUNTIME_MISSING');
    expect(e?.message).toMatch(/cannot use CDI GPU devices/);
    expect(e?.hint).toMatch(/Docker 25|"cdi": true/);
  });

  it('maps nvidia-container-cli initialization errors to GPU_UNAVAILABLE', () => {
    const raw =
      'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as \'legacy\'\nnvidia-container-cli: initialization error: nvml error: driver not loaded: unknown';
    const e = explainGpuEngineError(raw);
    expect(e?.code).toBe('GPU_UNAVAILABLE');
    expect(e?.message).toMatch(/cannot reach the NVIDIA driver \(nvml error: driver not loaded\)/);
    expect(e?.hint).toMatch(/nvidia-smi/);
  });

  it('maps a CUDA requirement error to a driver update hint', () => {
    const e = explainGpuEngineError('nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.4, please update your driver to a newer version');
    expect(e?.code).toBe('GPU_UNAVAILABLE');
    expect(e?.message).toMatch(/cuda>=12\.4/);
    expect(e?.hint).toMatch(/Update the NVIDIA driver/);
  });

  it('maps an unknown device', () => {
    const e = explainGpuEngineError('stderr: nvidia-container-cli: device error: GPU-deadbeef: unknown device: unknown');
    expect(e?.code).toBe('GPU_UNAVAILABLE');
    expect(e?.hint).toMatch(/berth gpus/);
  });

  it('returns null for errors that are not about GPUs', () => {
    expect(explainGpuEngineError('No such image: foo:latest')).toBeNull();
    expect(explainGpuEngineError('')).toBeNull();
  });
});
