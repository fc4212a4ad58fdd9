// The Hugging Face Hub API as the weights stage needs it: a revision resolved to its commit,
// and the file list at that commit. The tree listing (with its pagination) is
// @huggingface/hub's listFiles; every request goes through hubFetch, which sends the token
// to the hub's own host only and turns the Hub's X-Error-Code into an error that says what
// to do.
import { listFiles } from '@huggingface/hub';
import { BerthError } from '../../../shared/errors.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export function hubEndpoint(): string {
  const env = process.env.HF_ENDPOINT?.trim();
  return (env || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
}

export interface HubFile {
  path: string;
  size: number;
  /** The cache's blob name: sha256 for LFS files, git blob sha1 for the others. */
  etag: string;
  lfs: boolean;
}

export interface ResolvedRepo {
  repoId: string;
  revision: string;
  commit: string;
  files: HubFile[];
  gated: boolean;
}

export interface HubAuth {
  token: string | null;
  /** Where the token came from, for messages ("secret hf_access_token", "HF_TOKEN"). */
  source: string | null;
  /** The secret a config would use, named in hints. */
  secretName: string | null;
}

const COMMIT = /^[0-9a-f]{40}$/;

/** Error from a Hub response, typed by its X-Error-Code header. */
export async function hubError(res: Response, what: { repoId: string; revision?: string; path?: string }, auth: HubAuth, endpoint: string): Promise<BerthError> {
  const code = res.headers.get('x-error-code') ?? '';
  let detail = '';
  try {
    const body = (await res.json()) as { error?: string };
    detail = typeof body.error === 'string' ? body.error : '';
  } catch {
    /* not JSON */
  }
  const repoUrl = `${endpoint}/${what.repoId}`;
  const secret = auth.secretName ?? 'hf_access_token';
  if (code === 'GatedRepo' || ((res.status === 401 || res.status === 403) && !code)) {
    const why = auth.token ? `the token from ${auth.source} has no access to it (${res.status})` : 'no Hugging Face token was given';
    return new BerthError(
      'WEIGHTS_GATED',
      `${what.repoId} is a gated repo and ${why}.`,
      auth.token
        ? `Accept the license at ${repoUrl} with the account that owns the token, or set another token: \`berth secrets set ${secret}\`.`
        : `Accept the license at ${repoUrl} and set the secret ${secret}: \`berth secrets set ${secret}\` (a token from ${endpoint}/settings/tokens).`,
    );
  }
  if (code === 'RepoNotFound') {
    return new BerthError('WEIGHTS_NOT_FOUND', `Hugging Face repo ${what.repoId} was not found at ${endpoint}${auth.token ? '' : ' (a private repo also answers this without a token)'}.`, `Check the repo id in the config${auth.token ? '' : `, or set the secret ${secret} if the repo is private`}.`);
  }
  if (code === 'RevisionNotFound') {
    return new BerthError('WEIGHTS_NOT_FOUND', `Revision ${what.revision} of ${what.repoId} was not found.`, `Use a branch, tag or commit that exists (see ${repoUrl}/tree/main).`);
  }
  if (code === 'EntryNotFound') {
    return new BerthError('WEIGHTS_NOT_FOUND', `File ${what.path} was not found in ${what.repoId}@${what.revision}.`, 'The repo changed while Berth fetched it: start again.');
  }
  return new BerthError('WEIGHTS_FAILED', `The Hub answered ${res.status} for ${what.repoId}${what.path ? `/${what.path}` : ''}${detail ? `: ${detail}` : ''}.`, `Check ${endpoint} is reachable (HF_ENDPOINT), then start again.`);
}

export function unreachable(err: unknown, endpoint: string): BerthError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new BerthError('WEIGHTS_UNREACHABLE', `The Hugging Face Hub at ${endpoint} is unreachable (${why}).`, 'Check the network (or HF_ENDPOINT for a mirror); weights already in the cache are used without it.');
}

/**
 * fetch for Hub API calls: the token only to the endpoint's own origin, and redirects
 * followed by hand so a hop to another host never carries it.
 */
export function hubFetch(endpoint: string, token: string | null): typeof fetch {
  const origin = new URL(endpoint).origin;
  const f = async (input: string | URL | Request, init: RequestInit = {}, hops = 0): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers);
    if (url.origin === origin && token) headers.set('authorization', `Bearer ${token}`);
    else headers.delete('authorization');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location') && hops < 5) {
      await res.body?.cancel();
      return f(new URL(res.headers.get('location')!, url), { ...init, method: res.status === 303 ? 'GET' : init.method }, hops + 1);
    }
    return res;
  };
  return f as typeof fetch;
}

export class HubClient {
  private readonly fetch: typeof fetch;
  constructor(
    readonly endpoint: string,
    readonly auth: HubAuth,
  ) {
    this.fetch = hubFetch(endpoint, auth.token);
  }

  /** Resolves the revision to its commit (the pin) and lists the repo's files there. */
  async resolve(repoId: string, revision: string, signal?: AbortSignal): Promise<ResolvedRepo> {
    const info = await this.call(`${this.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`, { repoId, revision }, signal);
    const body = (await info.json()) as { sha?: string; gated?: unknown };
    const commit = body.sha;
    if (!commit || !COMMIT.test(commit)) throw new BerthError('WEIGHTS_FAILED', `The Hub gave no commit for ${repoId}@${revision}.`, `Check that ${this.endpoint} is a Hugging Face Hub (HF_ENDPOINT).`);
    const files: HubFile[] = [];
    // Listing at the commit, not the branch: a push between the two calls cannot mix revisions.
    const wrapped: typeof fetch = async (input, init) => {
      const res = await this.fetch(input, { ...init, signal });
      if (!res.ok) throw await hubError(res, { repoId, revision }, this.auth, this.endpoint);
      return res;
    };
    try {
      for await (const e of listFiles({ repo: { type: 'model', name: repoId }, revision: commit, recursive: true, hubUrl: this.endpoint, fetch: wrapped })) {
        if (e.type !== 'file') continue;
        const etag = e.lfs?.oid ?? e.oid;
        if (!etag) throw new BerthError('WEIGHTS_FAILED', `The Hub listed ${e.path} in ${repoId} without a hash.`, 'Start again; if it persists, the hub mirror is not compatible.');
        files.push({ path: e.path, size: e.lfs?.size ?? e.size, etag, lfs: !!e.lfs });
      }
    } catch (err) {
      throw this.rethrow(err, signal);
    }
    return { repoId, revision, commit, files, gated: body.gated !== false && body.gated !== undefined && body.gated !== null };
  }

  private async call(url: string, what: { repoId: string; revision?: string; path?: string }, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetch(url, { headers: { accept: 'application/json' }, signal });
    } catch (err) {
      throw this.rethrow(err, signal);
    }
    if (!res.ok) throw await hubError(res, what, this.auth, this.endpoint);
    return res;
  }

  private rethrow(err: unknown, signal?: AbortSignal): unknown {
    if (err instanceof BerthError || signal?.aborted) return err;
    return unreachable(err, this.endpoint);
  }
}
