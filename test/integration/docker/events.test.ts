// Engine events through a unix-socket proxy to the real engine, so the test can cut the
// event stream (as an engine restart does) and check the watcher reconnects without losing
// the events that happened meanwhile.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../../shared/plan.js';
import { watchEngineEvents, type EngineEvent } from '../../../electron/engine/docker/events.js';
import { BUSYBOX_IMAGE, docker, removeContainersByLabel } from '../../helpers/docker.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-docker-events-'));
const sock = join(dir, 'proxy.sock');
const live = new Set<Socket>();
let connections = 0;
const proxy = createServer((client) => {
  connections++;
  const up = createConnection('/var/run/docker.sock');
  live.add(client);
  live.add(up);
  client.pipe(up).pipe(client);
  const drop = () => {
    client.destroy();
    up.destroy();
    live.delete(client);
    live.delete(up);
  };
  client.on('error', drop).on('close', drop);
  up.on('error', drop).on('close', drop);
});
const instance = `ev-${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  await removeContainersByLabel({ [LABELS.instance]: instance });
  for (const s of live) s.destroy();
  await new Promise((r) => proxy.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(events: EngineEvent[], pred: (e: EngineEvent) => boolean, ms = 10_000): Promise<EngineEvent> {
  const end = Date.now() + ms;
  for (;;) {
    const e = events.find(pred);
    if (e) return e;
    if (Date.now() > end) throw new Error(`event not seen; got ${events.map((x) => x.action).join(',')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('watchEngineEvents', () => {
  it('reports start, die with exit code, destroy for labelled containers and survives a cut stream', async () => {
    await new Promise<void>((r) => proxy.listen(sock, () => r()));
    const viaProxy = new Docker({ socketPath: sock });
    const events: EngineEvent[] = [];
    const w = watchEngineEvents(viaProxy, { labels: [`${LABELS.instance}=${instance}`], retryMaxMs: 300 }, (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 300));

    const labels = { [LABELS.managed]: 'true', [LABELS.instance]: instance, 'berth.test': 'engine-docker' };
    const c = await docker.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['sh', '-c', 'sleep 30'], Labels: labels, name: `engine-docker-ev-${instance}` });
    // An unlabelled container must not show up.
    const other = await docker.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['true'], Labels: { 'berth.test': 'engine-docker', [LABELS.instance]: `${instance}-other` } });
    await other.start();
    await c.start();
    await waitFor(events, (e) => e.action === 'start' && e.containerId === c.id);

    // Cut every proxied connection: the event stream ends as when dockerd restarts.
    const before = connections;
    expect(live.size).toBeGreaterThan(0);
    for (const s of live) s.destroy();
    await c.kill({ signal: 'SIGKILL' });
    const die = await waitFor(events, (e) => e.action === 'die' && e.containerId === c.id);
    expect(die.exitCode).toBe(137);
    expect(connections).toBeGreaterThan(before); // it was seen through a new connection
    expect(die.instanceId).toBe(instance);
    await c.remove({ force: true });
    await waitFor(events, (e) => e.action === 'destroy' && e.containerId === c.id);
    await other.remove({ force: true });
    w.stop();
    expect(events.every((e) => e.containerId === c.id)).toBe(true);
    expect(events.filter((e) => e.action === 'die').length).toBe(1); // no duplicates from the replay
  });
});
