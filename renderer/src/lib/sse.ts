// Incremental Server-Sent Events parser for streamed chat completions: feed it text chunks
// as they arrive (split anywhere, even mid-line) and it yields complete events.
export interface SseEvent { event: string; data: string; id?: string }

export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  push(chunk: string): SseEvent[] {
    this.buf += chunk;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buf.slice(0, nl);
      const sepLen = this.buf.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (this.buf[nl] === '\r' && nl + 1 === this.buf.length) break;
      this.buf = this.buf.slice(nl + sepLen);
      this.line(line, out);
    }
    return out;
  }

  /** Flushes a final event not followed by a blank line (servers that just close). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buf) { this.line(this.buf, out); this.buf = ''; }
    this.line('', out);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
      this.data = []; this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}

/** Text delta of one OpenAI-style chat/completions stream chunk; null for [DONE]/non-JSON. */
export function chatDelta(data: string): { text: string; done: boolean; usage?: { completion_tokens?: number } } {
  if (data.trim() === '[DONE]') return { text: '', done: true };
  try {
    const j = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown; reasoning_content?: unknown }; text?: unknown; finish_reason?: unknown }>; usage?: { completion_tokens?: number } };
    const c = j.choices?.[0];
    const content = c?.delta?.content ?? c?.text ?? '';
    return { text: typeof content === 'string' ? content : '', done: false, usage: j.usage ?? undefined };
  } catch {
    return { text: '', done: false };
  }
}
