import { describe, expect, it } from 'vitest';
import { classifySmiFailure, GPU_QUERY_FIELDS, parseCsvRows, parseGpuQuery, parseNumber, parseVersions } from '../../../electron/engine/gpu/nvidia-smi.js';
import { parseSample } from '../../../electron/engine/gpu/sampler.js';

// Output captured from real machines (driver 535 on a DGX H100, 550 on a GeForce workstation,
// a Tesla T4 VM whose power fields read [N/A], a Jetson-like board with [Not Supported]).
const H100_X2 = `0, GPU-6a3c1a4b-08f5-3c2d-1e2f-7a8b9c0d1e2f, NVIDIA H100 80GB HBM3, 81559, 75323, 97, 61, 612.35, 700.00, 535.161.08
1, GPU-9b8a7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d, NVIDIA H100 80GB HBM3, 81559, 4, 0, 33, 71.12, 700.00, 535.161.08
`;
const MIXED_NA = `0, GPU-1d2e3f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a, Tesla T4, 15360, 0, 0, 38, [N/A], [N/A], 550.54.15
1, GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, NVIDIA GeForce RTX 3060, 12288, 350, [Not Supported], [Not Supported], 14.50, [Not Supported], 550.54.15
`;

describe('parseNumber', () => {
  it('reads numbers and maps the placeholders nvidia-smi prints to null', () => {
    expect(parseNumber('81559')).toBe(81559);
    expect(parseNumber(' 612.35 ')).toBe(612.35);
    expect(parseNumber('[N/A]')).toBeNull();
    expect(parseNumber('[Not Supported]')).toBeNull();
    expect(parseNumber('N/A')).toBeNull();
    expect(parseNumber('[Unknown Error]')).toBeNull();
    expect(parseNumber('')).toBeNull();
    expect(parseNumber(undefined)).toBeNull();
    // Output produced without `nounits` still parses.
    expect(parseNumber('49140 MiB')).toBe(49140);
    expect(parseNumber('23.45 W')).toBe(23.45);
  });
});

describe('parseGpuQuery', () => {
  it('parses a two-GPU H100 box', () => {
    const r = parseGpuQuery(H100_X2);
    expect(r.driverVersion).toBe('535.161.08');
    expect(r.gpus).toHaveLength(2);
    expect(r.gpus[0]).toEqual({
      index: 0,
      uuid: 'GPU-6a3c1a4b-08f5-3c2d-1e2f-7a8b9c0d1e2f',
      name: 'NVIDIA H100 80GB HBM3',
      memoryTotalMiB: 81559,
      memoryUsedMiB: 75323,
      utilizationPct: 97,
      temperatureC: 61,
      powerDrawW: 612.35,
      powerLimitW: 700,
    });
    expect(r.gpus[1].utilizationPct).toBe(0);
  });

  it('keeps GPUs whose fields read [N/A] or [Not Supported], with those fields null', () => {
    const r = parseGpuQuery(MIXED_NA);
    expect(r.gpus.map((g) => g.name)).toEqual(['Tesla T4', 'NVIDIA GeForce RTX 3060']);
    expect(r.gpus[0].powerDrawW).toBeNull();
    expect(r.gpus[0].powerLimitW).toBeNull();
    expect(r.gpus[0].temperatureC).toBe(38);
    expect(r.gpus[1].utilizationPct).toBeNull();
    expect(r.gpus[1].temperatureC).toBeNull();
    expect(r.gpus[1].powerDrawW).toBe(14.5);
    expect(r.gpus[1].memoryUsedMiB).toBe(350);
  });

  it('honours the field order it was asked for, and sorts by index', () => {
    const fields = ['name', 'memory.total', 'index', 'uuid'];
    const text = 'NVIDIA L4, 23034, 1, GPU-b\nNVIDIA A10G, 23028, 0, GPU-a\n';
    const r = parseGpuQuery(text, fields);
    expect(r.gpus.map((g) => [g.index, g.name, g.memoryTotalMiB, g.uuid])).toEqual([
      [0, 'NVIDIA A10G', 23028, 'GPU-a'],
      [1, 'NVIDIA L4', 23034, 'GPU-b'],
    ]);
    expect(r.driverVersion).toBeNull();
  });

  it('ignores blank lines, CRLF and warning lines', () => {
    const text = `\r\nWARNING: infoROM is corrupted at gpu 0000:01:00.0\r\n${H100_X2.split('\n')[0]}\r\n\r\n`;
    expect(parseGpuQuery(text).gpus).toHaveLength(1);
  });

  it('folds a GPU name that contains a comma back together', () => {
    const r = parseCsvRows('0, GPU-x, Foo, Bar GPU, 100', ['index', 'uuid', 'name', 'memory.total']);
    expect(r[0]).toEqual({ index: '0', uuid: 'GPU-x', name: 'Foo, Bar GPU', 'memory.total': '100' });
  });

  it('returns no GPUs for empty output', () => {
    expect(parseGpuQuery('').gpus).toEqual([]);
    expect(GPU_QUERY_FIELDS).toContain('driver_version');
  });
});

describe('parseVersions', () => {
  it('reads driver and CUDA versions from the nvidia-smi banner', () => {
    const banner = `Tue Mar 12 14:03:27 2024
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+`;
    expect(parseVersions(banner)).toEqual({ driverVersion: '550.54.15', cudaVersion: '12.4' });
  });
  it('reads the -q layout too', () => {
    expect(parseVersions('Driver Version                            : 535.161.08\nCUDA Version                              : 12.2\n')).toEqual({
      driverVersion: '535.161.08',
      cudaVersion: '12.2',
    });
  });
  it('returns nulls when absent', () => {
    expect(parseVersions('nothing here')).toEqual({ driverVersion: null, cudaVersion: null });
  });
});

describe('classifySmiFailure', () => {
  it('recognises the driver-not-loaded message and suggests a reboot/reinstall', () => {
    const f = classifySmiFailure(9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n");
    expect(f.kind).toBe('driver');
    expect(f.hint).toMatch(/Reboot/);
    expect(f.detail).toMatch(/couldn't communicate/);
  });
  it('recognises a driver/library mismatch', () => {
    const f = classifySmiFailure(18, 'Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 550.67\n');
    expect(f.kind).toBe('mismatch');
    expect(f.hint).toMatch(/Reboot/);
  });
  it('recognises "No devices were found"', () => {
    expect(classifySmiFailure(6, 'No devices were found\n').kind).toBe('no_devices');
  });
  it('falls back to a generic failure with the exit code', () => {
    const f = classifySmiFailure(255, 'Segmentation fault');
    expect(f.kind).toBe('failed');
    expect(f.reason).toMatch(/255/);
    expect(f.hint).toBeTruthy();
  });
});

describe('parseSample', () => {
  it('parses the sampler query, including [N/A] power', () => {
    const s = parseSample('0, GPU-a, 1200, 55, 60, [N/A]\n1, GPU-b, 3, 0, 30, 20.10\n', 1234);
    expect(s).toEqual({
      time: 1234,
      gpus: [
        { index: 0, uuid: 'GPU-a', memoryUsedMiB: 1200, utilizationPct: 55, temperatureC: 60, powerDrawW: null },
        { index: 1, uuid: 'GPU-b', memoryUsedMiB: 3, utilizationPct: 0, temperatureC: 30, powerDrawW: 20.1 },
      ],
    });
  });
});
