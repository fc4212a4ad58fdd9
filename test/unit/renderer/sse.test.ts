import { describe, expect, it } from 'vitest';
import { SseParser, chatDelta } from '../../../renderer/src/lib/sse.js';

describe('SseParser', () => {
  it('yields events split across arbitrary chunk boundaries', () => {
    const stream = 'data: {"a":1}\n\ndata: {"a":2}\r\n\r\n: comment\nevent: x\ndata: line1\ndata: line2\n\n';
    for (let size = 1; size <= stream.length; size += 3) {
      const p = new SseParser();
      const out = [];
      for (let i = 0; i < stream.length; i += size) out.push(...p.push(stream.slice(i, i + size)));
      out.push(...p.end());
      expect(out).toEqual([
        { event: 'message', data: '{"a":1}' },
        { event: 'message', data: '{"a":2}' },
        { event: 'x', data: 'line1\nline2' },
      ]);
    }
  });

  it('flushes a last event without a trailing blank line at end()', () => {
    const p = new SseParser();
    expect(p.push('data: [DONE]')).toEqual([]);
    expect(p.end()).toEqual([{ event: 'message', data: '[DONE]' }]);
  });

  it('does not treat a lone trailing CR as a line end until the next chunk', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a' }]);
  });
});

describe('chatDelta', () => {
  it('reads OpenAI chat and completion chunks, [DONE] and usage', () => {
    expect(chatDelta('{"choices":[{"delta":{"content":"Hel"}}]}')).toEqual({ text: 'Hel', done: false, usage: undefined });
    expect(chatDelta('{"choices":[{"text":"lo"}]}').text).toBe('lo');
    expect(chatDelta(' [DONE] ')).toEqual({ text: '', done: true });
    expect(chatDelta('{"choices":[],"usage":{"completion_tokens":7}}').usage).toEqual({ completion_tokens: 7 });
    expect(chatDelta('not json')).toEqual({ text: '', done: false });
  });
});
