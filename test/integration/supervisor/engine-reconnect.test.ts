// Berth starts while the engine does not answer (here: a DOCKER_HOST-style socket with
// nothing behind it yet), then the engine comes up (a proxy to the real socket starts
// listening there). Recovery must run then: the running leftover of an earlier Berth is
// re-adopted, the stopped one removed. The real dockerd is never touched.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineConnection } from '../../../electron/engine/docker/connection.js';
import { type EngineSupervisor } from '../../../electron/engine/supervisor/default-env.js';
import type { RecoveryReport } from '../../../electron/engine/supervisor/supervisor.js';
import { docker } from '../../helpers/docker.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { engineSupervisor, removeInstance, waitForState, writeFastSettings, writeTruss } from './support.js';

const realSocket = (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : null) ?? '/var/run/docker.sock';

let tmp: TempDir;
let dataDir: string;
const conns: EngineConnection[] = [];
const sups: EngineSupervisor[] = [];
let proxy: net.Server | null = null;
const piped = new Set<net.Socket>();

async function berth(connection: EngineConnection): Promise<EngineSupervisor> {
  const es = await engineSupervisor(dataDir, { connection, supervisor: { pollMs: 1000, stopTimeoutS: 2 } });
  sups.push(es);
  return es;
}

/** Starts forwarding `at` to the real engine socket: the engine "comes up" there. */
function startProxy(at: string): Promise<void> {
  proxy = net.createServer((client) => {
    const up = net.createConnection(realSocket);
    for (const s of [client, up]) {
      piped.add(s);
      s.on('close', () => piped.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(up).pipe(client);
  });
  return new Promise((resolve) => proxy!.listen(at, () => resolve()));
}

beforeAll(() => {
  tmp = tmpDir('berth-reconnect-');
  dataDir = path.join(tmp.dir, 'home');
  writeFastSettings(dataDir);
});

afterAll(async () => {
  for (const es of sups) await es.supervisor.shutdown({ keepRunning: false }).catch(() => undefined);
  for (const c of conns) c.stop();
  for (const s of piped) s.destroy();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await removeInstance(dataDir);
  tmp?.cleanup();
});

describe('engine down when Berth starts', () => {
  it('recovers leftovers once the engine answers: the running one re-adopted, the stopped one removed', async () => {
    // An earlier Berth of this data dir leaves two containers: one running, one stopped.
    const real = new EngineConnection();
    conns.push(real);
    real.start();
    await real.ping();
    const earlier = await berth(real);
    await earlier.supervisor.init({ removeUnknown: true });
    const trusses = path.join(tmp.dir, 'trusses');
    const keep = await earlier.supervisor.open(writeTruss(trusses, { name: 'rc-keep' }));
    const stale = await earlier.supervisor.open(writeTruss(trusses, { name: 'rc-stale' }));
    await Promise.all([keep.start(), stale.start()]);
    await Promise.all([waitForState(keep, 'ready', 30_000), waitForState(stale, 'ready', 30_000)]);
    const keepId = keep.containerId!;
    const staleId = stale.containerId!;
    await earlier.supervisor.shutdown({ keepRunning: true });
    real.stop();
    await docker.getContainer(staleId).stop({ t: 1 });

    // The next Berth starts with the engine not answering at its address.
    const sock = path.join(tmp.dir, 'engine.sock');
    const conn = new EngineConnection({ override: `unix://${sock}`, retryMinMs: 100, retryMaxMs: 300, healthCheckMs: 1000 });
    conns.push(conn);
    conn.start();
    const next = await berth(conn);
    await next.reopenLeftovers();
    expect(conn.status.up).toBe(false);
    expect(next.supervisor.list()).toEqual([]);

    const recovered = new Promise<RecoveryReport>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no recovery within 30 s of the engine answering')), 30_000);
      const sub = next.supervisor.on('recovery', (r) => {
        clearTimeout(t);
        sub.dispose();
        resolve(r);
      });
    });
    await startProxy(sock);
    const report = await recovered;
    expect(report.adopted.map((a) => a.containerId)).toEqual([keepId]);
    expect(report.removed.map((r) => r.containerId)).toEqual([staleId]);
    await expect(docker.getContainer(staleId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const adopted = next.supervisor.list().find((d) => d.containerId === keepId);
    expect(adopted).toBeDefined();
    await waitForState(adopted!, 'ready', 15_000);
    expect(fs.existsSync(sock)).toBe(true);
  });
});
