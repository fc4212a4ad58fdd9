// Small fetch helpers for tests (Node 20's global fetch, always with a timeout so a hung
// server fails the test instead of stalling the run).
//
//   await waitForHttp('http://127.0.0.1:P/health');          // until 200, bounded
//   const { status, body } = await getJson(url);
//   const { status, body } = await postJson(url, {...});
//   for await (const ev of sseEvents(res)) ...                // `data:` payloads

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

async function toJson<T>(res: Response): Promise<JsonResponse<T>> {
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text so the assertion shows it */
  }
  return { status: res.status, headers: res.headers, body };
}

export async function getJson<T = any>(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<JsonResponse<T>> {
  return toJson<T>(await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) }));
}

export async function postJson<T = any>(url: string, body: unknown, init: RequestInit = {}, timeoutMs = 30_000): Promise<JsonResponse<T>> {
  return toJson<T>(
    await fetch(url, {
      method: 'POST',
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
      body: JSON.stringify(body),
      signal: init.signal ?? AbortSignal.timeout(timeoutMs),
    }),
  );
}

/** Polls url until it answers `status` (default 200); throws after timeoutMs with the last result. */
export async function waitForHttp(url: string, opts: { status?: number; timeoutMs?: number; intervalMs?: number } = {}): Promise<Response> {
  const want = opts.status ?? 200;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === want) return res;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  throw new Error(`${url} did not answer ${want} within ${opts.timeoutMs ?? 30_000} ms (last: ${last})`);
}

/** Yields the `data:` payload of each server-sent event (strings; `[DONE]` included). */
export async function* sseEvents(res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let idx;
    while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
      const raw = buf.slice(0, idx);
      buf = buf.slice(idx).replace(/^\r?\n\r?\n/, '');
      const data = raw
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) yield data;
    }
  }
}

/** Collects all SSE data payloads of a response. */
export async function collectSse(res: Response): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseEvents(res)) out.push(d);
  return out;
}
