// The pure parts of request history: SSE reassembly across arbitrary chunk splits, header
// and secret redaction, filters.
import { describe, expect, it } from 'vitest';
import { SseAssembler } from '../../../electron/engine/gateway/history/sse.js';
import { redactHeaders, redactText } from '../../../electron/engine/gateway/history/redact.js';
import { filterRecords } from '../../../electron/engine/gateway/history/request-log.js';
import { WsCapture, WS_KEPT_MESSAGES } from '../../../electron/engine/gateway/history/ws-capture.js';
import type { FinishedCapture } from '../../../electron/engine/gateway/history/capture.js';
import type { RequestRecord } from '../../../shared/requests.js';
import * as wsModule from 'ws';

// ws exports its frame writer (Sender) at runtime; @types/ws does not declare it.
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, o: { fin: boolean; opcode: number; mask: boolean; rsv1: boolean; readOnly: boolean }): Buffer[] } };

const stream = [
  { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
  { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: 'Hé' } }] },
  { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: 'llo' } }] },
  { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } },
]
  .map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`)
  .join('') + 'data: [DONE]\n\n';

describe('SseAssembler', () => {
  it('reassembles the same completion whatever the byte splits (multi-byte characters too)', () => {
    const bytes = Buffer.from(stream);
    for (const step of [1, 3, 7, 64, bytes.length]) {
      let firsts = 0;
      const a = new SseAssembler(true, 1000, () => firsts++);
      for (let i = 0; i < bytes.length; i += step) a.push(bytes.subarray(i, i + step));
      expect(JSON.parse(a.reassembled())).toEqual({ id: 'c1', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Héllo' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
      expect(a.contentChunks).toBe(2);
      expect(firsts).toBe(1);
    }
  });

  it('counts without keeping text when capture is off, and caps kept text', () => {
    const off = new SseAssembler(false, 1000, null);
    off.push(Buffer.from(stream));
    expect(off.contentChunks).toBe(2);
    expect(JSON.parse(off.reassembled()).choices).toEqual([]);
    const capped = new SseAssembler(true, 2, null);
    capped.push(Buffer.from(stream));
    expect(capped.truncated).toBe(true);
  });
});

describe('redaction', () => {
  it('redacts credential headers by name and secret values anywhere', () => {
    const h = redactHeaders(['Authorization', 'Api-Key abc', 'X-Api-Key', 'k', 'Cookie', 's=1', 'X-Hub-Token', 't', 'X-Note', 'pass sk-live-123456 on'], ['sk-live-123456']);
    expect(h).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]', 'x-hub-token': '[redacted]', 'x-note': 'pass [redacted] on' });
    expect(redactText('a abcdefgh b abcdefgh', ['abcdefgh', 'abc'])).toBe('a [redacted] b [redacted]');
  });
});

describe('filterRecords', () => {
  const r = (seq: number, status: number, route: string) => ({ seq, status, route }) as RequestRecord;
  const all = [r(1, 200, '/predict'), r(2, 429, '/predict'), r(3, 503, '/sync/v1/chat/completions'), r(4, 200, '/sync/v1/embeddings')];
  it('filters by status class or code, route and seq, newest kept by limit', () => {
    expect(filterRecords(all, { status: '2xx' }).map((x) => x.seq)).toEqual([1, 4]);
    expect(filterRecords(all, { status: '429' }).map((x) => x.seq)).toEqual([2]);
    expect(filterRecords(all, { route: 'chat' }).map((x) => x.seq)).toEqual([3]);
    expect(filterRecords(all, { afterSeq: 2, limit: 1 }).map((x) => x.seq)).toEqual([4]);
  });
  it('filters by kind: records without one are HTTP', () => {
    const mixed = [...all, { ...r(5, 101, '/environments/production/websocket'), kind: 'ws' as const }];
    expect(filterRecords(mixed, { kind: 'ws' }).map((x) => x.seq)).toEqual([5]);
    expect(filterRecords(mixed, { kind: 'http' }).map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });
});

// Frames as the ws library itself writes them (client frames masked, server frames not).
const frame = (data: string | Buffer, o: { opcode: number; fin?: boolean; mask: boolean; rsv1?: boolean }) =>
  Buffer.concat(Sender.frame(Buffer.from(data), { fin: o.fin ?? true, opcode: o.opcode, mask: o.mask, rsv1: o.rsv1 ?? false, readOnly: false }));

function session(keep: boolean, maxBody: number, clientBytes: Buffer, serverBytes: Buffer, step: number): FinishedCapture {
  let out: FinishedCapture | null = null;
  const c = new WsCapture({ finished: (f) => (out = f) }, 'd', performance.now(), '/environments/production/websocket', [], '127.0.0.1', keep, maxBody);
  for (let i = 0; i < clientBytes.length; i += step) c.clientData(clientBytes.subarray(i, i + step));
  for (let i = 0; i < serverBytes.length; i += step) c.serverData(serverBytes.subarray(i, i + step));
  c.finish(101);
  return out!;
}

describe('WsCapture', () => {
  const big = 'x'.repeat(70_000); // 64-bit length form
  const client = Buffer.concat([
    frame('héllo', { opcode: 1, mask: true }),
    frame('a'.repeat(300), { opcode: 1, mask: true }), // 16-bit length form
    frame('part1-', { opcode: 1, mask: true, fin: false }),
    frame('ping', { opcode: 9, mask: true }), // control frames may come between fragments
    frame('part2', { opcode: 0, mask: true }),
    frame(Buffer.from([1, 2, 3]), { opcode: 2, mask: true }),
    frame(Buffer.from([0x03, 0xe8]), { opcode: 8, mask: true }), // close 1000
  ]);
  const server = Buffer.concat([frame('héllo', { opcode: 1, mask: false }), frame('zip', { opcode: 1, mask: false, rsv1: true }), frame(big, { opcode: 1, mask: false }), frame('after the cap', { opcode: 1, mask: false })]);

  it('counts messages and bytes each way and reads the close code, whatever the byte splits', () => {
    for (const step of [1, 2, 5, 13, 1000, 1 << 20]) {
      const f = session(true, 1000, client, server, step);
      expect(f.record.kind).toBe('ws');
      expect(f.record.ws).toEqual({ messagesIn: 4, messagesOut: 4, closeCode: 1000 });
      expect(f.record.bytesIn).toBe(client.length);
      expect(f.record.bytesOut).toBe(server.length);
      const m = f.bodies!.messages!;
      expect(m.map((x) => [x.dir, x.binary, x.bytes])).toEqual([['in', false, 6], ['in', false, 300], ['in', false, 11], ['in', true, 3], ['out', false, 6], ['out', false, 3], ['out', false, 70_000]]);
      expect(m[0].data).toBe('héllo'); // unmasked
      expect(m[2].data).toBe('part1-part2'); // fragments joined, the ping not in it
      expect(m[3].data).toBe(Buffer.from([1, 2, 3]).toString('base64'));
      // One size cap across the session: 1000 bytes, then nothing more is kept.
      expect(m.reduce((n, x) => n + (x.data === null ? 0 : Buffer.from(x.data, x.binary ? 'base64' : 'utf8').length), 0)).toBeLessThanOrEqual(1000);
      expect(m[5]).toMatchObject({ compressed: true, data: null });
      expect(m[6].truncated).toBe(true);
    }
  });

  it('keeps no payload with capture off, and at most WS_KEPT_MESSAGES with it on', () => {
    const off = session(false, 1000, client, server, 7);
    expect(off.bodies).toBeNull();
    expect(off.record.ws!.messagesIn).toBe(4);
    const many = Buffer.concat(Array.from({ length: 20 }, (_, i) => frame(`m${i}`, { opcode: 1, mask: true })));
    const on = session(true, 100_000, many, Buffer.alloc(0), 3);
    expect(on.record.ws!.messagesIn).toBe(20);
    expect(on.bodies!.messages!.map((x) => x.data)).toEqual(Array.from({ length: WS_KEPT_MESSAGES }, (_, i) => `m${i}`));
  });

  it('stops parsing (bytes still counted) when the stream is not WebSocket frames', () => {
    const f = session(true, 1000, Buffer.concat([frame('ok', { opcode: 1, mask: true }), Buffer.from([0x83, 0x00]), frame('later', { opcode: 1, mask: true })]), Buffer.alloc(0), 4);
    expect(f.record.ws!.messagesIn).toBe(1);
    expect(f.record.bytesIn).toBeGreaterThan(10);
  });
});
