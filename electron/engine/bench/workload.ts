// What each benchmark request sends: the route (through the gateway's sync route, or the
// server's own path when measuring it directly) and the body, synthetic or given.
import type { BenchOptions } from '../../../shared/bench.js';

// Common English words that are one token in the usual BPE vocabularies (Llama, GPT, Qwen),
// so N words is about N prompt tokens. The server's usage says the real count.
const WORDS = 'the of and to in is was for on that with as by at from his it an were are which this be or has had not but first one their its new after who they have her she two been other when there all during into school time may years more most only over city some world would where later up such used many can state about national out known university united then made'.split(' ');

/** A prompt of about `tokens` tokens, different per request (no shared prefix to cache). */
export function syntheticPrompt(tokens: number, seed: number): string {
  const out: string[] = [`${seed}:`];
  let x = (seed * 2654435761) >>> 0;
  for (let i = 1; i < tokens; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(WORDS[x % WORDS.length]);
  }
  return out.join(' ');
}

export interface BenchRequest {
  path: string;
  body: Record<string, unknown>;
  streaming: boolean;
}

/** The path on the target for a server path: gateways serve it under the sync route. */
export function targetPath(serverPath: string, viaGateway: boolean): string {
  return viaGateway ? `/environments/production/sync${serverPath}` : serverPath;
}

export function benchRequest(o: BenchOptions, model: string, i: number, viaGateway: boolean): BenchRequest {
  const prompt = syntheticPrompt(o.inputTokens, i + 1);
  const given = o.body ?? null;
  switch (o.workload) {
    case 'chat': {
      const base = given && Array.isArray(given.messages) ? given : { messages: [{ role: 'user', content: prompt }] };
      return {
        path: targetPath('/v1/chat/completions', viaGateway),
        body: { model, ...base, max_tokens: o.outputTokens, stream: true, stream_options: { include_usage: true }, ignore_eos: true },
        streaming: true,
      };
    }
    case 'completions': {
      const base = given && typeof given.prompt === 'string' ? given : { prompt };
      return {
        path: targetPath('/v1/completions', viaGateway),
        body: { model, ...base, max_tokens: o.outputTokens, stream: true, stream_options: { include_usage: true }, ignore_eos: true },
        streaming: true,
      };
    }
    case 'embeddings':
      return { path: targetPath('/v1/embeddings', viaGateway), body: { model, ...(given && given.input !== undefined ? given : { input: [prompt] }) }, streaming: false };
    case 'rerank':
      return {
        path: targetPath('/rerank', viaGateway),
        body: given && typeof given.query === 'string' ? given : { query: syntheticPrompt(8, i + 1), texts: [prompt, syntheticPrompt(o.inputTokens, i + 10_001)] },
        streaming: false,
      };
  }
}
