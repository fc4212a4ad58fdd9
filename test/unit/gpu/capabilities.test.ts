import { describe, expect, it, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideGpuCapabilities, findNvidiaCdiSpecs, findToolkitBinaries, type GpuCapabilityFacts } from '../../../electron/engine/gpu/capabilities.js';

const RUNC = { runc: { path: 'runc' }, 'io.containerd.runc.v2': { path: 'runc' } };
const base: GpuCapabilityFacts = { info: { Runtimes: RUNC, DefaultRuntime: 'runc' }, engineIsLocal: true, toolkit: [], nvidiaCdiSpecs: [], platform: 'linux' };
const tmp = mkdtempSync(join(tmpdir(), 'berth-caps-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('decideGpuCapabilities', () => {
  it('says the toolkit is missing on a plain engine, with the install + configure hint', () => {
    const c = decideGpuCapabilities(base);
    expect(c.usable).toBe(false);
    expect(c.via).toBe('none');
    expect(c.reason).toMatch(/NVIDIA Container Toolkit is not installed/);
    expect(c.reason).toMatch(/runtimes: runc, io.containerd.runc.v2/);
    expect(c.hint).toMatch(/sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker/);
  });

  it('is usable through a registered nvidia runtime', () => {
    const c = decideGpuCapabilities({ ...base, info: { Runtimes: { ...RUNC, nvidia: { path: 'nvidia-container-runtime' } }, DefaultRuntime: 'nvidia' } });
    expect(c).toMatchObject({ usable: true, via: 'nvidia-runtime' });
    expect(c.reason).toMatch(/default runtime/);
  });

  it('is usable through CDI when the engine has spec dirs and an nvidia.com/gpu spec', () => {
    const c = decideGpuCapabilities({ ...base, info: { ...base.info, CDISpecDirs: ['/etc/cdi'] }, nvidiaCdiSpecs: ['/etc/cdi/nvidia.yaml'] });
    expect(c).toMatchObject({ usable: true, via: 'cdi' });
  });

  it('asks for a CDI spec when CDI is on and nvidia-ctk exists but no spec names nvidia.com/gpu', () => {
    const c = decideGpuCapabilities({ ...base, info: { ...base.info, CDISpecDirs: ['/etc/cdi'] }, toolkit: ['nvidia-ctk'] });
    expect(c.usable).toBe(false);
    expect(c.hint).toMatch(/nvidia-ctk cdi generate/);
  });

  it('trusts the hook on PATH but says to restart Docker if requests fail', () => {
    const c = decideGpuCapabilities({ ...base, toolkit: ['nvidia-container-runtime-hook', 'nvidia-ctk'] });
    expect(c.usable).toBe(true);
    expect(c.hint).toMatch(/restart Docker/);
  });

  it('explains a half-installed toolkit', () => {
    const c = decideGpuCapabilities({ ...base, toolkit: ['nvidia-container-cli'] });
    expect(c.usable).toBe(false);
    expect(c.reason).toMatch(/only partly set up/);
  });

  it('explains an unreachable engine, macOS and remote engines', () => {
    expect(decideGpuCapabilities({ ...base, info: null, engineError: 'connect ENOENT /var/run/docker.sock' }).reason).toMatch(/could not be reached \(connect ENOENT/);
    expect(decideGpuCapabilities({ ...base, platform: 'darwin', info: { OperatingSystem: 'Docker Desktop' } }).reason).toMatch(/macOS/);
    const remote = decideGpuCapabilities({ ...base, engineIsLocal: false, toolkit: ['nvidia-container-runtime-hook'] });
    expect(remote.usable).toBe(false);
    expect(remote.hint).toMatch(/^On the engine's host/);
  });

  it('accepts Docker Desktop on Windows (WSL2 passes GPUs through)', () => {
    expect(decideGpuCapabilities({ ...base, platform: 'win32', info: { OperatingSystem: 'Docker Desktop', Runtimes: RUNC } }).usable).toBe(true);
  });
});

describe('findNvidiaCdiSpecs', () => {
  it('finds yaml and json specs that declare nvidia.com/gpu and skips others', async () => {
    const a = join(tmp, 'etc-cdi');
    const b = join(tmp, 'run-cdi');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'nvidia.yaml'), 'cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n- name: "0"\n');
    writeFileSync(join(a, 'other.yaml'), 'cdiVersion: 0.5.0\nkind: vendor.com/fpga\n');
    writeFileSync(join(b, 'nvidia.json'), '{"cdiVersion":"0.6.0","kind":"nvidia.com/gpu","devices":[]}');
    writeFileSync(join(b, 'README'), 'kind: nvidia.com/gpu');
    expect(await findNvidiaCdiSpecs([a, b, join(tmp, 'missing')])).toEqual([join(a, 'nvidia.yaml'), join(b, 'nvidia.json')]);
  });
});

describe('findToolkitBinaries', () => {
  it('finds executables on PATH only', async () => {
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nvidia-ctk'), '#!/bin/sh\n');
    chmodSync(join(bin, 'nvidia-ctk'), 0o755);
    writeFileSync(join(bin, 'nvidia-container-cli'), 'not executable');
    const found = await findToolkitBinaries(bin, []);
    expect(found).toContain('nvidia-ctk');
    expect(found).not.toContain('nvidia-container-cli');
  });
});
