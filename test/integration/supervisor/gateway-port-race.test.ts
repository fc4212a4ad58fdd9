// The gateway's remembered port is checked free and then bound; another program can take it
// in between. The start must not fail for that: the port is asked for again (the taken one
// is passed over). Simulated exactly: the port memory's first answer is a port that a
// listener here holds, as if taken a moment after the check.
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineConnection } from '../../../electron/engine/docker/connection.js';
import { PortMemory } from '../../../electron/engine/store/index.js';
import type { EngineSupervisor } from '../../../electron/engine/supervisor/default-env.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { engineSupervisor, removeInstance, waitForState, writeFastSettings, writeTruss } from './support.js';


class RacedPorts extends PortMemory {
  asked = 0;
  constructor(file: string, private readonly taken: number) {
    super({ file });
  }
  override async portFor(id: string, opts?: { host?: string; preferred?: number }): Promise<number> {
    this.asked++;
    return this.asked === 1 ? this.taken : super.portFor(id, opts);
  }
}

let tmp: TempDir;
let dataDir: string;
let conn: EngineConnection;
let es: EngineSupervisor;
let squatter: net.Server;
let ports: RacedPorts;

beforeAll(async () => {
  squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  tmp = tmpDir('berth-gw-race-');
  dataDir = path.join(tmp.dir, 'home');
  writeFastSettings(dataDir);
  ports = new RacedPorts(path.join(dataDir, 'ports.json'), (squatter.address() as net.AddressInfo).port);
  const made = await engineSupervisor(dataDir, { ports });
  es = made;
  conn = made.connection;
  await es.supervisor.init({ removeUnknown: true });
});

afterAll(async () => {
  await es?.supervisor.shutdown({ keepRunning: false });
  conn?.stop();
  await removeInstance(dataDir);
  await new Promise((r) => squatter?.close(r));
  tmp?.cleanup();
});

describe('gateway port taken between the check and the bind', () => {
  it('the start asks again and serves on another port', async () => {
    const d = await es.supervisor.open(writeTruss(path.join(tmp.dir, 'trusses'), { name: 'raced' }));
    await d.start();
    await waitForState(d, 'ready', 60_000);
    expect(ports.asked).toBe(2);
    const taken = (squatter.address() as net.AddressInfo).port;
    expect(d.gatewayUrl).not.toContain(`:${taken}`);
    const res = await fetch(`${d.gatewayUrl}/production/predict`, { method: 'POST', body: '{"prompt":"ok"}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    await d.stop();
  });
});
