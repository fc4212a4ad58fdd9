import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type Server } from 'node:net';
import { RecentStore, RECENT_MAX } from '../../../electron/engine/store/recent.js';
import { PortMemory, isPortFree } from '../../../electron/engine/store/port-memory.js';
import { freePortRange } from '../../helpers/ports.js';

let dir: string;
const servers: Server[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function occupy(port: number): Promise<void> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen({ port, host: '127.0.0.1' }, () => {
      servers.push(s);
      res();
    });
  });
}

const range = () => freePortRange(10);

describe('RecentStore', () => {
  it('keeps newest first, deduplicates by absolute path, and caps at 10', async () => {
    const r = new RecentStore({ file: join(dir, 'recent.json') });
    for (let i = 0; i < 12; i++) await r.add(join(dir, `m${i}`, 'config.yaml'));
    await r.add(join(dir, 'm5', 'config.yaml'));
    const list = await r.list();
    expect(list).toHaveLength(RECENT_MAX);
    expect(list[0].path).toBe(resolve(dir, 'm5', 'config.yaml'));
    expect(list[1].path).toBe(resolve(dir, 'm11', 'config.yaml'));
    expect(list.filter((e) => e.path.endsWith('m5/config.yaml'))).toHaveLength(1);
    await r.remove(join(dir, 'm5', 'config.yaml'));
    expect((await new RecentStore({ file: join(dir, 'recent.json') }).list())[0].path).toBe(resolve(dir, 'm11', 'config.yaml'));
    await r.clear();
    expect(await r.list()).toEqual([]);
  });
});

describe('PortMemory', () => {
  it('gives each deployment a stable port across restarts (new instances)', async () => {
    const rg = await range();
    const file = join(dir, 'ports.json');
    const a = await new PortMemory({ file, range: rg }).portFor('alpha');
    const b = await new PortMemory({ file, range: rg }).portFor('beta');
    expect(a).not.toBe(b);
    expect(await new PortMemory({ file, range: rg }).portFor('alpha')).toBe(a);
    expect(await new PortMemory({ file, range: rg }).get('beta')).toBe(b);
  });

  it('moves a deployment off its port when something else holds it, and remembers the new one', async () => {
    const rg = await range();
    const pm = new PortMemory({ file: join(dir, 'ports.json'), range: rg });
    const first = await pm.portFor('alpha');
    await occupy(first);
    expect(await isPortFree(first)).toBe(false);
    const second = await pm.portFor('alpha');
    expect(second).not.toBe(first);
    expect(await pm.get('alpha')).toBe(second);
  });

  it('never hands out a port another deployment remembers, honours a free preferred port', async () => {
    const rg = await range();
    const pm = new PortMemory({ file: join(dir, 'ports.json'), range: rg });
    await pm.remember('alpha', rg.start);
    expect(await pm.portFor('beta', { preferred: rg.start })).not.toBe(rg.start);
    expect(await pm.portFor('gamma', { preferred: rg.end })).toBe(rg.end);
    await pm.forget('alpha');
    expect(await pm.get('alpha')).toBeNull();
  });

  it('says PORT_IN_USE with a hint when the whole range is taken', async () => {
    const { start } = await freePortRange(2);
    await occupy(start);
    await occupy(start + 1);
    const pm = new PortMemory({ file: join(dir, 'ports.json'), range: { start, end: start + 1 } });
    await expect(pm.portFor('alpha')).rejects.toMatchObject({ code: 'PORT_IN_USE', hint: expect.stringMatching(/Stop other/) });
  });
});
