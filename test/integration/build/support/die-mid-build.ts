// A Berth process for build-leftovers.test.ts: the real engine wiring starts a deployment
// whose build runs for a long time, says "building" once the build container exists, and
// is then SIGKILLed by the test (Berth dying mid-build). Bundled with esbuild at test time.
//   node die-mid-build.mjs <dataDir> <trussDir>
import { join } from 'node:path';
import { EngineConnection } from '../../../../electron/engine/docker/connection.js';
import { GpuLedger } from '../../../../electron/engine/gpu/index.js';
import { SecretStore } from '../../../../electron/engine/secrets/index.js';
import { PortMemory, SettingsStore } from '../../../../electron/engine/store/index.js';
import { createEngineSupervisor, instanceIdFor } from '../../../../electron/engine/supervisor/default-env.js';

const [dataDir, trussDir] = process.argv.slice(2);
const conn = new EngineConnection();
conn.start();
await conn.ping();
const secrets = new SecretStore({ file: join(dataDir, 'secrets.json') });
const settings = new SettingsStore({ file: join(dataDir, 'settings.json'), secrets });
await settings.load();
const es = createEngineSupervisor({
  connection: conn,
  secrets,
  settings,
  ports: new PortMemory({ file: join(dataDir, 'ports.json') }),
  gpuLedger: new GpuLedger(),
  instanceId: instanceIdFor(dataDir),
  gatewayApiKey: async () => null,
  dataDir,
  gpuReport: async () => ({ gpus: [], driverVersion: null, cudaVersion: null, notFoundReason: 'no GPU', capabilities: { usable: false, via: 'none' as const } }),
});
await es.supervisor.init({ removeUnknown: false });
const d = await es.supervisor.open(trussDir);
d.on('state', (s) => console.log(`state ${s.name} ${s.reason}`));
d.on('progress', (p) => {
  if (p.kind === 'build') console.log(`build ${p.build.message}`);
});
void d.start();
setInterval(() => {}, 1000);
