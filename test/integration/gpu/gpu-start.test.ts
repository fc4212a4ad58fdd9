// A GPU deployment started through the real wiring (createEngineSupervisor) on the REAL Docker
// engine of this machine, which has no GPU and no NVIDIA toolkit. The GPUs are described (GPUs
// faked: none here), and so is the engine's GPU capability: that is what decides how the
// container asks for devices. The engine's own refusal shows which way was asked: a CDI engine
// must get `Driver: cdi` requests, an NVIDIA-runtime engine `Driver: nvidia` ones.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuInfo, GpuReport } from '../../../shared/gpu.js';
import { EngineConnection } from '../../../electron/engine/docker/connection.js';
import { GpuLedger } from '../../../electron/engine/gpu/index.js';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { PortMemory, SettingsStore } from '../../../electron/engine/store/index.js';
import { createEngineSupervisor, instanceIdFor, type EngineSupervisor } from '../../../electron/engine/supervisor/default-env.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { removeInstance, waitForState, writeFastSettings, writeTruss } from '../supervisor/support.js';

const described = (index: number): GpuInfo => ({
  index, uuid: `GPU-described-${index}`, name: 'NVIDIA L4', memoryTotalMiB: 23034, memoryUsedMiB: 0, utilizationPct: 0, temperatureC: 30, powerDrawW: 20, powerLimitW: 72,
});

let tmp: TempDir;
let conn: EngineConnection;
const running: Array<{ es: EngineSupervisor; dataDir: string }> = [];

beforeAll(async () => {
  tmp = tmpDir('berth-gpu-start-');
  conn = new EngineConnection();
  conn.start();
  await conn.ping();
});

afterAll(async () => {
  for (const r of running) {
    await r.es.supervisor.shutdown({ keepRunning: false });
    await removeInstance(r.dataDir);
  }
  conn?.stop();
  tmp?.cleanup();
});

async function startWith(name: string, via: 'nvidia-runtime' | 'cdi') {
  const dataDir = path.join(tmp.dir, `home-${name}`);
  writeFastSettings(dataDir);
  const secrets = new SecretStore({ file: path.join(dataDir, 'secrets.json') });
  const settings = new SettingsStore({ file: path.join(dataDir, 'settings.json'), secrets });
  await settings.load();
  const gpuLedger = new GpuLedger();
  const report: GpuReport = { gpus: [described(0), described(1)], driverVersion: '550.54', cudaVersion: '12.4', capabilities: { usable: true, via } };
  const es = createEngineSupervisor({
    connection: conn,
    secrets,
    settings,
    ports: new PortMemory({ file: path.join(dataDir, 'ports.json') }),
    gpuLedger,
    instanceId: instanceIdFor(dataDir),
    gatewayApiKey: async () => null,
    dataDir,
    gpuReport: async () => report,
    supervisor: { pollMs: 0, stopTimeoutS: 1 },
  });
  running.push({ es, dataDir });
  await es.supervisor.init({ removeUnknown: true });
  const dir = writeTruss(path.join(tmp.dir, 'trusses'), { name, extra: ['resources:', '  accelerator: L4'] });
  const d = await es.supervisor.open(dir);
  expect(d.plan, JSON.stringify(d.issues)).not.toBeNull();
  await d.start();
  await waitForState(d, 'failed', 60_000);
  return { d, gpuLedger };
}

describe('GPU requests follow the engine capability (real engine, described GPUs)', () => {
  it('a CDI-only engine gets a CDI device request (nvidia.com/gpu=<index>), and the failed start frees its GPU', async () => {
    const { d, gpuLedger } = await startWith('gpu-cdi', 'cdi');
    expect(d.state.reason).toMatch(/CDI/);
    expect(d.state.reason).not.toMatch(/no NVIDIA device driver/);
    expect(gpuLedger.held()).toEqual({});
  });

  it('an NVIDIA-runtime engine gets an nvidia device request, explained with the toolkit hint and the CPU run', async () => {
    const { d, gpuLedger } = await startWith('gpu-nvidia', 'nvidia-runtime');
    expect(d.state.reason).toMatch(/Docker cannot give this container a GPU/);
    expect(d.state.reason).toMatch(/NVIDIA Container Toolkit/);
    expect(gpuLedger.held()).toEqual({});
  });
});
