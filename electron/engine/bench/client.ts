// One benchmark request over real HTTP (an undici Pool per run: keep-alive connections, one
// per concurrent request, so connection setup is not in the numbers after the first).
// Timestamps come as bytes arrive: TTFT at the first chunk with generated content, ITL
// between content chunks, E2E at the end of the body.
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { Pool } from 'undici';
import type { BenchRequest } from './workload.js';
import type { Sample } from './stats.js';

export function benchPool(origin: string, connections: number): Pool {
  // No timeouts of its own: the run's time limit aborts what is still in flight.
  return new Pool(origin, { connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 10_000 });
}

export async function sendOne(pool: Pool, req: BenchRequest, headers: Record<string, string>, signal: AbortSignal): Promise<Sample> {
  const t0 = performance.now();
  const s: Sample = { status: 0, ok: false, cut: false, error: null, e2elMs: 0, ttftMs: null, itlMs: [], inputTokens: null, outputTokens: null, outputSource: null };
  try {
    const res = await pool.request({ method: 'POST', path: req.path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(req.body), signal });
    s.status = res.statusCode;
    const sse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await res.body.text();
      s.error = `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
      s.e2elMs = performance.now() - t0;
      return s;
    }
    if (sse) await readStream(res.body as AsyncIterable<Buffer>, t0, s);
    else {
      const text = await res.body.text();
      try {
        const usage = (JSON.parse(text) as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
        if (typeof usage?.prompt_tokens === 'number') s.inputTokens = usage.prompt_tokens;
        if (typeof usage?.completion_tokens === 'number') {
          s.outputTokens = usage.completion_tokens;
          s.outputSource = 'usage';
        }
      } catch {
        // Not JSON (a raw predict answer): timed, no token counts.
      }
    }
    s.e2elMs = performance.now() - t0;
    s.ok = true;
  } catch (err) {
    s.e2elMs = performance.now() - t0;
    if (signal.aborted) s.cut = true;
    else s.error = (err as Error).message || String(err);
  }
  return s;
}

async function readStream(body: AsyncIterable<Buffer>, t0: number, s: Sample): Promise<void> {
  const dec = new StringDecoder('utf8');
  let partial = '';
  let last = 0;
  let chunks = 0;
  for await (const buf of body) {
    const now = performance.now();
    const text = partial + dec.write(buf);
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trimEnd();
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]' || data === '') continue;
      let ev: { choices?: Array<{ delta?: { content?: string; reasoning_content?: string }; text?: string }>; usage?: { prompt_tokens?: number; completion_tokens?: number } };
      try {
        ev = JSON.parse(data);
      } catch {
        continue;
      }
      if (ev.usage) {
        if (typeof ev.usage.prompt_tokens === 'number') s.inputTokens = ev.usage.prompt_tokens;
        if (typeof ev.usage.completion_tokens === 'number') {
          s.outputTokens = ev.usage.completion_tokens;
          s.outputSource = 'usage';
        }
      }
      const c = ev.choices?.[0];
      const piece = c?.delta?.content || c?.delta?.reasoning_content || c?.text || '';
      if (!piece) continue;
      chunks++;
      if (s.ttftMs === null) s.ttftMs = now - t0;
      else s.itlMs.push(now - last);
      last = now;
    }
  }
  if (s.outputSource === null && chunks > 0) {
    s.outputTokens = chunks;
    s.outputSource = 'chunks';
  }
}
