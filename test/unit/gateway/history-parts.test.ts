// The pure parts of request history: SSE reassembly across arbitrary chunk splits, header
// and secret redaction, filters.
import { describe, expect, it } from 'vitest';
import { SseAssembler } from '../../../electron/engine/gateway/history/sse.js';
import { redactHeaders, redactText } from '../../../electron/engine/gateway/history/redact.js';
import { filterRecords } from '../../../electron/engine/gateway/history/request-log.js';
import type { RequestRecord } from '../../../shared/requests.js';

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
});
