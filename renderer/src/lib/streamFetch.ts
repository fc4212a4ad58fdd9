// Streams a POST response and reports timing: status, time to first byte/token, total.
import { SseParser, chatDelta } from './sse.js';

export interface StreamStats { status: number | null; ttftMs: number | null; totalMs: number | null; tokens: number; tokensPerSec: number | null }

export async function streamChat(url: string, body: unknown, headers: Record<string, string>, onText: (delta: string, stats: StreamStats) => void, signal: AbortSignal): Promise<StreamStats> {
  const t0 = performance.now();
  const stats: StreamStats = { status: null, ttftMs: null, totalMs: null, tokens: 0, tokensPerSec: null };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers }, body: JSON.stringify(body), signal });
  stats.status = res.status;
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    throw new HttpError(res.status, text);
  }
  const ctype = res.headers.get('content-type') ?? '';
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  // A server that ignores stream:true returns one JSON body: show it as one chunk.
  if (!ctype.includes('event-stream')) {
    let all = '';
    for (;;) { const { done, value } = await reader.read(); if (done) break; all += dec.decode(value, { stream: true }); }
    stats.ttftMs = performance.now() - t0;
    let text = all;
    try { const j = JSON.parse(all); text = j.choices?.[0]?.message?.content ?? j.choices?.[0]?.text ?? all; stats.tokens = j.usage?.completion_tokens ?? 0; } catch { /* raw text */ }
    stats.totalMs = performance.now() - t0;
    onText(text, stats);
    return stats;
  }
  const parser = new SseParser();
  let usageTokens: number | null = null;
  const handle = (events: ReturnType<SseParser['push']>) => {
    for (const ev of events) {
      const d = chatDelta(ev.data);
      if (d.usage?.completion_tokens) usageTokens = d.usage.completion_tokens;
      if (!d.text) continue;
      if (stats.ttftMs === null) stats.ttftMs = performance.now() - t0;
      stats.tokens++;
      const genS = (performance.now() - t0 - stats.ttftMs) / 1000;
      stats.tokensPerSec = genS > 0 ? (stats.tokens - 1) / genS : null;
      onText(d.text, { ...stats });
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    handle(parser.push(dec.decode(value, { stream: true })));
  }
  handle(parser.end());
  stats.totalMs = performance.now() - t0;
  if (usageTokens) stats.tokens = usageTokens;
  if (stats.ttftMs !== null) {
    const genS = (stats.totalMs - stats.ttftMs) / 1000;
    stats.tokensPerSec = genS > 0 ? Math.max(0, stats.tokens - 1) / genS : null;
  }
  return stats;
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly body: string) { super(`HTTP ${status}`); }
}

/** A gateway error body (Berth's gateway answers JSON with message + hint) as message + hint. */
export function describeHttpError(status: number, body: string): { message: string; hint?: string } {
  try {
    const j = JSON.parse(body) as { error?: { message?: string; hint?: string } | string; message?: string; hint?: string; detail?: string };
    const e = typeof j.error === 'object' && j.error ? j.error : j;
    const msg = (e as { message?: string }).message ?? (typeof j.error === 'string' ? j.error : j.detail);
    if (msg) return { message: `HTTP ${status}: ${String(msg).split('\n')[0]}`, hint: (e as { hint?: string }).hint ?? hintFor(status) };
  } catch { /* not JSON */ }
  return { message: `HTTP ${status}${body ? `: ${body.slice(0, 200).split('\n')[0]}` : ''}`, hint: hintFor(status) };
}

function hintFor(status: number): string {
  if (status === 401 || status === 403) return 'Enter the gateway API key (Settings → Gateway) in the key field.';
  if (status === 404) return 'Check the route: predict goes to /environments/production/predict, other server paths to /environments/production/sync/<path>.';
  if (status === 503) return 'The model is not ready yet: wait for the Ready state (see Health).';
  if (status === 429) return 'Too many requests in flight for predict_concurrency; retry shortly.';
  return 'See the Logs tab for what the model server reported.';
}
