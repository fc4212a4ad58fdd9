// Chooses the playground mode and starting request from the config's metadata.
import { parse } from 'yaml';

export type PlaygroundMode = 'chat' | 'embeddings' | 'rerank' | 'raw';

export interface PlaygroundDefaults { mode: PlaygroundMode; example: unknown; tags: string[] }

export function playgroundDefaults(configText: string | undefined, predictEndpoint: string | undefined): PlaygroundDefaults {
  let meta: { example_model_input?: unknown; tags?: unknown } = {};
  try {
    const doc = configText ? (parse(configText) as { model_metadata?: typeof meta } | null) : null;
    meta = doc?.model_metadata ?? {};
  } catch { /* broken YAML: fall back to raw */ }
  const tags = Array.isArray(meta.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [];
  const ep = (predictEndpoint ?? '').toLowerCase();
  const ex = meta.example_model_input as Record<string, unknown> | undefined;
  let mode: PlaygroundMode = 'raw';
  if (ep.endsWith('/chat/completions') || (ex && Array.isArray(ex.messages)) || tags.includes('openai-compatible') && ep.includes('chat')) mode = 'chat';
  else if (ep.endsWith('/embeddings') || ep.endsWith('/embed')) mode = 'embeddings';
  else if (ep.endsWith('/rerank')) mode = 'rerank';
  return { mode, example: meta.example_model_input ?? defaultBody(mode), tags };
}

export function defaultBody(mode: PlaygroundMode): unknown {
  switch (mode) {
    case 'chat': return { messages: [{ role: 'user', content: 'Hello!' }], stream: true, max_tokens: 256 };
    case 'embeddings': return { input: ['The quick brown fox'], model: 'default' };
    case 'rerank': return { query: 'What is Berth?', documents: ['Berth runs Truss models locally.', 'A berth is a place for a ship.'] };
    default: return {};
  }
}

/** The chat request: the example's settings with the conversation and streaming on. */
export function chatBody(example: unknown, messages: Array<{ role: string; content: string }>): Record<string, unknown> {
  const base = example && typeof example === 'object' && !Array.isArray(example) ? { ...(example as Record<string, unknown>) } : {};
  return { ...base, messages, stream: true };
}

/** First user text in an example's messages, to prefill the chat box. */
export function examplePrompt(example: unknown): string {
  const msgs = (example as { messages?: Array<{ role?: string; content?: unknown }> } | null)?.messages;
  const m = msgs?.find((x) => x.role === 'user');
  if (!m) return '';
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((c: { type?: string; text?: string }) => (c.type === 'text' ? c.text ?? '' : '')).join(' ').trim();
  return '';
}
