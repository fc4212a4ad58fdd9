// Hub stand-in repos for the catalog's models, at the catalog's own pinned commits, and the
// catalog's configs with only their image swapped for the fixture stand-in. Each repo holds
// files its entry's patterns keep and files they must drop (made from the patterns
// themselves: `original/*` -> `original/x`); its config.json lists both under `berth_fixture`,
// so the stand-in server starts only when exactly the promised files arrived intact.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { RepoSpec } from '../fixtures/hub/server.mjs';
import { MODEL_SERVER_IMAGE } from './docker.js';

export const CATALOG_DIR = path.resolve(__dirname, '../../resources/catalog');

interface CacheEntry { repo_id: string; revision: string; allow_patterns?: string[]; ignore_patterns?: string[] }

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A small file that starts as a GGUF does (the stand-in checks the magic). */
const gguf = (seed: string) => Buffer.concat([Buffer.from('GGUF'), Buffer.from(seed.padEnd(60, '.'))]);

/** A repo for one model_cache entry: kept files, dropped files, and the promise in config.json. */
export function repoFor(e: CacheEntry, opts: { gated?: boolean; token?: string } = {}): RepoSpec {
  const keep: Record<string, Buffer> = {};
  const drop: Record<string, Buffer> = {};
  if (e.allow_patterns?.length) {
    for (const p of e.allow_patterns) keep[p] = p.endsWith('.gguf') ? gguf(p) : Buffer.from(`kept ${p}`);
    drop['other-quantization.gguf'] = gguf('dropped');
    drop['README.md'] = Buffer.from('# not allowed');
  } else {
    keep['model.safetensors'] = Buffer.from(`weights of ${e.repo_id}`);
    keep['tokenizer.json'] = Buffer.from('{"version":"1.0"}');
  }
  for (const p of e.ignore_patterns ?? []) drop[p.replace(/\*/g, 'x')] = Buffer.from(`dropped by ${p}`);
  const required = Object.fromEntries(Object.entries(keep).map(([p, b]) => [p, { size: b.length, sha256: sha256(b) }]));
  const files: Record<string, Buffer | string> = { ...keep, ...drop };
  // A GGUF-only entry fetches no config.json (its allow_patterns name the file alone).
  if (!e.allow_patterns?.length) files['config.json'] = JSON.stringify({ model_type: 'berth-fixture', berth_fixture: { required, absent: Object.keys(drop) } });
  // A 40-hex revision (a catalog pin) is served as that commit; a branch gets the stand-in's own sha.
  const sha = /^[0-9a-f]{40}$/.test(e.revision) ? { sha: e.revision } : {};
  return { id: e.repo_id, ...(opts.gated ? { gated: true, acceptedTokens: [opts.token!] } : {}), commits: [{ ...sha, files }] };
}

/** One repo per model the catalog names (entries sharing a repo and commit share it). */
export function catalogRepos(token: string): RepoSpec[] {
  const out = new Map<string, RepoSpec>();
  for (const name of fs.readdirSync(CATALOG_DIR)) {
    const file = path.join(CATALOG_DIR, name, 'config.yaml');
    if (!fs.existsSync(file)) continue;
    const doc = parseDocument(fs.readFileSync(file, 'utf8')).toJS() as { model_cache: CacheEntry[]; secrets?: Record<string, null> };
    const e = doc.model_cache[0];
    out.set(`${e.repo_id}@${e.revision}`, repoFor(e, { gated: !!doc.secrets && 'hf_access_token' in doc.secrets, token }));
  }
  return [...out.values()];
}

/** config.yaml text with base_image.image swapped for the fixture stand-in; nothing else changes. */
export function withFixtureImage(text: string): string {
  const doc = parseDocument(text);
  doc.setIn(['base_image', 'image'], MODEL_SERVER_IMAGE);
  return doc.toString({ lineWidth: 0 });
}

/** A copy of the catalog with every entry's image swapped (for `berth serve` with BERTH_CATALOG_DIR). */
export function swappedCatalog(dest: string): string {
  for (const name of fs.readdirSync(CATALOG_DIR)) {
    const src = path.join(CATALOG_DIR, name);
    if (!fs.statSync(src).isDirectory()) continue;
    fs.cpSync(src, path.join(dest, name), { recursive: true });
    const file = path.join(dest, name, 'config.yaml');
    fs.writeFileSync(file, withFixtureImage(fs.readFileSync(file, 'utf8')));
  }
  return dest;
}

/** Whether a predict answer is what the entry's server answers for its example input. */
export function checkAnswer(predictPath: string, body: string, example: { stream?: boolean }): string | null {
  if (predictPath.endsWith('/chat/completions')) {
    if (example.stream) return /data: \{.*"chat\.completion\.chunk"/.test(body) && body.includes('data: [DONE]') ? null : `not an SSE chat stream: ${body.slice(0, 200)}`;
    return JSON.parse(body).choices?.[0]?.message ? null : `no choices[0].message: ${body.slice(0, 200)}`;
  }
  if (predictPath.endsWith('embeddings')) return Array.isArray(JSON.parse(body).data?.[0]?.embedding) ? null : `no embeddings: ${body.slice(0, 200)}`;
  if (predictPath === '/rerank') {
    const j = JSON.parse(body);
    return (Array.isArray(j) ? j[0]?.score : j.results?.[0]?.relevance_score) !== undefined ? null : `no rerank scores: ${body.slice(0, 200)}`;
  }
  if (predictPath === '/predict') return JSON.parse(body).model_output !== undefined ? null : `no model_output: ${body.slice(0, 200)}`;
  return `no check for ${predictPath}`;
}
