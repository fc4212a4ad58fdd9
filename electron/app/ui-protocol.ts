// Serves the built UI (dist/renderer) on berth://app. No Electron imports: main.ts hands the
// handler to `protocol.handle`, and the unit tests drive it with real files and Requests.
// A custom privileged scheme instead of file:// gives the UI a real origin (for the
// gateways' CORS and the IPC sender check), lets every response carry a CSP header, and
// confines what the window can load to the renderer folder.
import { promises as fsPromises } from 'node:fs';
import * as nodePath from 'node:path';
import { BERTH_UI_HOST, BERTH_UI_SCHEME } from '../../shared/ui-origin.js';
import { contentTypeFor } from '../engine/server/static-files.js';

/**
 * The window's policy. Styles allow 'unsafe-inline' because CodeMirror, xterm and uPlot set
 * inline styles and inject <style> elements; scripts never run inline. The Playground calls
 * deployment gateways on loopback with fetch, hence connect-src.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self' http://127.0.0.1:* http://localhost:*",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * Registered before app ready. standard: a real origin with host and relative URLs; secure:
 * treated like https (secure context); supportFetchAPI + corsEnabled: the UI's own fetches
 * and `crossorigin` module scripts work; stream: responses may be streamed.
 */
export const UI_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } as const;

export type UiResolution =
  /** Serve `file`; when it does not exist and `fallbackToIndex`, serve index.html instead. */
  | { kind: 'file'; file: string; fallbackToIndex: boolean }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'not-found'; reason: string };

type PathApi = Pick<typeof nodePath, 'resolve' | 'extname' | 'sep'>;

/**
 * Maps a berth:// URL to a file inside `rendererDir`, without touching the disk. Anything
 * that could name a file outside the folder is not found: the URL parser already removes
 * literal and %2e dot segments, so a `..` left after decoding (e.g. from an encoded slash)
 * or a backslash, colon or NUL can only be an attempt to escape, and the final containment
 * check catches whatever those rules miss. `pathApi` is for testing Windows path semantics.
 */
export function resolveUiRequest(rendererDir: string, url: string, pathApi: PathApi = nodePath): UiResolution {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: 'bad-request', reason: 'not a URL' };
  }
  if (u.protocol !== `${BERTH_UI_SCHEME}:` || u.host.toLowerCase() !== BERTH_UI_HOST) return { kind: 'not-found', reason: 'not the Berth UI host' };
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return { kind: 'bad-request', reason: 'malformed percent-encoding' };
  }
  if (/[\\:\0]/.test(rel)) return { kind: 'not-found', reason: 'illegal character in path' };
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { kind: 'not-found', reason: 'path escapes the UI folder' };
  const root = pathApi.resolve(rendererDir);
  if (segments.length === 0) return { kind: 'file', file: pathApi.resolve(root, 'index.html'), fallbackToIndex: false };
  const file = pathApi.resolve(root, ...segments);
  if (!file.startsWith(root.endsWith(pathApi.sep) ? root : root + pathApi.sep)) return { kind: 'not-found', reason: 'path escapes the UI folder' };
  // Extensionless paths are UI routes; a missing asset (anything with an extension) is a 404.
  return { kind: 'file', file, fallbackToIndex: pathApi.extname(segments[segments.length - 1]) === '' };
}

export interface UiRequestLike {
  url: string;
  method: string;
}

export type ReadFile = (path: string) => Promise<Uint8Array>;

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function isMissing(err: unknown): boolean {
  return MISSING.has((err as NodeJS.ErrnoException)?.code ?? '');
}

function textResponse(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': UI_CSP, 'x-content-type-options': 'nosniff', ...extra },
  });
}

// Looked up on `fs.promises` at call time: that is the object Electron patches to read
// inside app.asar.
const fsReadFile: ReadFile = (path) => fsPromises.readFile(path);

/**
 * The `protocol.handle('berth', …)` handler. `readFile` defaults to fs (which, in Electron,
 * reads inside app.asar); tests pass their own to simulate failures. Never throws: every
 * failure is a plain-text response that says what to do.
 */
export function createUiProtocolHandler(rendererDir: string, readFile: ReadFile = fsReadFile) {
  const indexFile = nodePath.resolve(rendererDir, 'index.html');
  return async function handleUiRequest(request: UiRequestLike): Promise<Response> {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return textResponse(405, 'Method not allowed.', { allow: 'GET, HEAD' });
    const r = resolveUiRequest(rendererDir, request.url);
    if (r.kind === 'bad-request') return textResponse(400, `Bad request (${r.reason}).`);
    if (r.kind === 'not-found') return textResponse(404, 'Not found.');
    let file = r.file;
    let body: Uint8Array;
    try {
      try {
        body = await readFile(file);
      } catch (err) {
        if (!r.fallbackToIndex || !isMissing(err)) throw err;
        file = indexFile;
        body = await readFile(file);
      }
    } catch (err) {
      if (isMissing(err) && file === indexFile) {
        return textResponse(503, `The Berth UI is not built (no ${indexFile}). Run 'npm run build', then start Berth again.`);
      }
      if (isMissing(err)) return textResponse(404, 'Not found.');
      return textResponse(500, `Berth could not read its UI file ${nodePath.basename(file)} (${(err as NodeJS.ErrnoException)?.code ?? 'read error'}). Reinstall Berth or rebuild it with 'npm run build'.`);
    }
    const immutable = file.includes(`${nodePath.sep}assets${nodePath.sep}`);
    const headers = {
      'content-type': contentTypeFor(file),
      'content-length': String(body.byteLength),
      'content-security-policy': UI_CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    return new Response(method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };
}
