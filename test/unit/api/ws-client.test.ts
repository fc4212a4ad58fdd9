// Backpressure of one WebSocket subscriber. The socket is a small stand-in whose send
// buffer the test controls (a real slow network peer cannot be made deterministic here);
// the real socket path is covered by test/integration/server.
import { describe, expect, it } from 'vitest';
import { WsClient } from '../../../electron/engine/server/ws-client.js';
import type { LogLine } from '../../../shared/deployment.js';

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: any[] = [];
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
}

const line = (seq: number): LogLine => ({ seq, time: seq, stream: 'stdout', text: `line ${seq}` });
const limits = { highWaterBytes: 1000, maxQueuedLogLines: 50, maxQueued: 20, flushIntervalMs: 5 };

describe('WsClient backpressure', () => {
  it('sends at once while the socket keeps up', () => {
    const s = new FakeSocket();
    const c = new WsClient(s as never, limits);
    c.send('deployment.log', { id: 'a', lines: [line(1)], dropped: 0 });
    expect(s.sent).toHaveLength(1);
    expect(c.queued).toBe(0);
  });

  it('merges logs per deployment, keeps the newest lines and counts the dropped ones', async () => {
    const s = new FakeSocket();
    const c = new WsClient(s as never, limits);
    s.bufferedAmount = 5000;
    for (let i = 1; i <= 200; i++) c.send('deployment.log', { id: 'a', lines: [line(i)], dropped: 0 });
    c.send('deployment.log', { id: 'b', lines: [line(1)], dropped: 0 });
    expect(s.sent).toHaveLength(0);
    expect(c.queued).toBe(2);
    s.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 30));
    expect(s.sent).toHaveLength(2);
    const a = s.sent.find((m) => m.payload.id === 'a');
    expect(a.payload.lines).toHaveLength(50);
    expect(a.payload.lines[0].seq).toBe(151);
    expect(a.payload.lines.at(-1).seq).toBe(200);
    expect(a.payload.dropped).toBe(150);
    c.close();
  });

  it('keeps only the latest state-like event per deployment and bounds everything else', async () => {
    const s = new FakeSocket();
    const c = new WsClient(s as never, limits);
    s.bufferedAmount = 5000;
    for (let i = 0; i < 100; i++) c.send('deployment.metrics', { id: 'a', metrics: { time: i } as never });
    for (let i = 0; i < 100; i++) c.send('deployment.timeline', { id: 'a', event: { seq: i, time: i, state: 'starting', reason: '' } });
    expect(c.queued).toBe(limits.maxQueued + 1);
    s.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 30));
    const metrics = s.sent.filter((m) => m.channel === 'deployment.metrics');
    expect(metrics).toHaveLength(1);
    expect(metrics[0].payload.metrics.time).toBe(99);
    const timeline = s.sent.filter((m) => m.channel === 'deployment.timeline');
    expect(timeline.length).toBeLessThanOrEqual(limits.maxQueued);
    expect(timeline.at(-1).payload.event.time).toBe(99);
    c.close();
  });

  it('stops draining while the socket is still full, and resumes', async () => {
    const s = new FakeSocket();
    const c = new WsClient(s as never, limits);
    s.bufferedAmount = 5000;
    c.send('gpu.sample', { time: 1, gpus: [] });
    await new Promise((r) => setTimeout(r, 20));
    expect(s.sent).toHaveLength(0);
    s.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 20));
    expect(s.sent).toHaveLength(1);
    c.close();
  });

  it('drops everything for a closed socket', () => {
    const s = new FakeSocket();
    s.readyState = 3;
    const c = new WsClient(s as never, limits);
    c.send('gpu.sample', { time: 1, gpus: [] });
    expect(s.sent).toHaveLength(0);
    expect(c.queued).toBe(0);
  });
});
