// A page names the machine it shows on the event WebSocket (?machine=): the server then sends
// it only that machine's relayed machine.event messages (a remote's logs can be heavy), while
// every other event, and every event for clients that name none, goes through unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBerthServer, type RunningServer } from '../../../electron/engine/server/berth-server.js';
import { EventBus } from '../../../electron/engine/service/event-bus.js';

const events = new EventBus();
let server: RunningServer;

beforeAll(async () => {
  // Only the event stream is under test: commands are never called here.
  server = await startBerthServer({ service: { events, handle: async () => ({ ok: true, result: null }) }, host: '127.0.0.1', port: 0, staticDir: null, token: 'scope-test-token', version: 't' });
});
afterAll(async () => server?.close());

async function client(query: string): Promise<{ got: Array<{ channel: string; payload: unknown }>; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events${query}`, { headers: { authorization: 'Bearer scope-test-token' } });
  const got: Array<{ channel: string; payload: unknown }> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { type: string; channel: string; payload: unknown };
    if (m.type === 'event') got.push({ channel: m.channel, payload: m.payload });
  });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  return { got, ws };
}

describe('event stream scoped to the machine a page shows', () => {
  it('sends a machine its own relayed events only; other events and unscoped clients get everything', async () => {
    const gpu1 = await client('?machine=gpu1');
    const local = await client('?machine=local');
    const all = await client('');
    events.emit('machine.event', { machine: 'gpu1', channel: 'deployment.log', payload: { id: 'a', lines: [] } });
    events.emit('machine.event', { machine: 'gpu2', channel: 'deployment.log', payload: { id: 'b', lines: [] } });
    events.emit('machine.status', { name: 'gpu1', url: 'ssh://x', command: null, state: 'connected', reason: null, hint: null, remoteVersion: null, remoteApiVersion: null, warnings: [], retryAt: null });
    await new Promise((r) => setTimeout(r, 300));
    const machinesOf = (got: Array<{ channel: string; payload: unknown }>) => got.filter((e) => e.channel === 'machine.event').map((e) => (e.payload as { machine: string }).machine);
    expect(machinesOf(gpu1.got)).toEqual(['gpu1']);
    expect(machinesOf(local.got)).toEqual([]);
    expect(machinesOf(all.got)).toEqual(['gpu1', 'gpu2']);
    for (const c of [gpu1, local, all]) expect(c.got.filter((e) => e.channel === 'machine.status')).toHaveLength(1);
    for (const c of [gpu1, local, all]) c.ws.close();
  });
});
