// Reassembles an OpenAI-style SSE stream as it passes: the generated text per choice, the
// chunks that carried content (a token count when the server sends no `usage`), the
// `usage` block when asked for (stream_options.include_usage), and the moment the first
// content arrived (TTFT). Parsing happens in the gateway only for event streams.
import { StringDecoder } from 'node:string_decoder';

interface Choice {
  index: number;
  role?: string;
  content: string;
  finish_reason?: string | null;
}

export class SseAssembler {
  /** Chunks that carried generated content. */
  contentChunks = 0;
  usage: { prompt_tokens?: number; completion_tokens?: number } | null = null;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly choices = new Map<number, Choice>();
  private id: string | undefined;
  private model: string | undefined;
  private object: string | undefined;
  private textLength = 0;

  /** `keepText` false: count and time only (body capture off). `onFirstContent` fires once. */
  constructor(
    private readonly keepText: boolean,
    private readonly maxText: number,
    private onFirstContent: (() => void) | null,
  ) {}

  get truncated(): boolean {
    return this.textLength > this.maxText;
  }

  push(buf: Buffer): void {
    const text = this.partial + this.decoder.write(buf);
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      this.line(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.partial = text.slice(start);
    // A server that never sends a newline must not grow this without bound.
    if (this.partial.length > 1 << 20) this.partial = '';
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith('data:')) return;
    const data = line.slice(line[5] === ' ' ? 6 : 5);
    if (data === '[DONE]' || data === '') return;
    let ev: { id?: string; model?: string; object?: string; choices?: Array<Record<string, unknown>>; usage?: SseAssembler['usage'] };
    try {
      ev = JSON.parse(data);
    } catch {
      return;
    }
    if (!ev || typeof ev !== 'object') return;
    this.id ??= ev.id;
    this.model ??= ev.model;
    this.object ??= ev.object;
    if (ev.usage && typeof ev.usage === 'object') this.usage = ev.usage;
    if (!Array.isArray(ev.choices)) return;
    let had = false;
    for (const c of ev.choices) {
      const delta = (c.delta ?? null) as { content?: unknown; role?: string; reasoning_content?: unknown } | null;
      const piece = typeof delta?.content === 'string' ? delta.content : typeof c.text === 'string' ? c.text : typeof delta?.reasoning_content === 'string' ? delta.reasoning_content : '';
      if (piece !== '') had = true;
      if (!this.keepText) continue;
      const index = typeof c.index === 'number' ? c.index : 0;
      let ch = this.choices.get(index);
      if (!ch) this.choices.set(index, (ch = { index, content: '' }));
      if (delta?.role) ch.role = delta.role;
      if (c.finish_reason != null) ch.finish_reason = c.finish_reason as string;
      if (piece !== '' && this.textLength <= this.maxText) ch.content += piece;
      this.textLength += piece.length;
    }
    if (!had) return;
    this.contentChunks++;
    const first = this.onFirstContent;
    if (first) {
      this.onFirstContent = null;
      first();
    }
  }

  /** The stream as one completion object (what a non-streaming call would have answered). */
  reassembled(): string {
    const chat = this.object === undefined || this.object.startsWith('chat');
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index).map((c) =>
      chat ? { index: c.index, message: { role: c.role ?? 'assistant', content: c.content }, finish_reason: c.finish_reason ?? null } : { index: c.index, text: c.content, finish_reason: c.finish_reason ?? null },
    );
    return JSON.stringify({ id: this.id, object: chat ? 'chat.completion' : 'text_completion', model: this.model, choices, usage: this.usage ?? undefined });
  }
}
