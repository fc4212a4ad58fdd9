// Serves the built UI (dist/renderer). Hashed assets are immutable; index.html is never
// cached so a new build is picked up. Unknown non-asset paths fall back to index.html
// (client-side routes). Paths are confined to the root.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

async function fileAt(path: string): Promise<{ size: number; mtime: Date } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

export function createStaticHandler(rootDir: string) {
  const root = resolve(rootDir);
  return async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed.\n');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Bad path.\n');
      return;
    }
    let file = resolve(join(root, normalize(rel)));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n');
      return;
    }
    let info = file === root ? null : await fileAt(file);
    if (!info) {
      // Missing assets are real 404s; anything else is a UI route.
      if (extname(rel) && rel.startsWith('/assets/')) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n');
        return;
      }
      file = join(root, 'index.html');
      info = await fileAt(file);
      if (!info) {
        res
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`The Berth UI is not built (no ${file}).\nRun 'npm run build', then reload. The API at /api/ works without it.\n`);
        return;
      }
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    const headers: Record<string, string | number> = {
      'content-type': contentTypeFor(file),
      'content-length': info.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'last-modified': info.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
    };
    if (file.endsWith('index.html')) {
      headers['content-security-policy'] = "default-src 'self'; connect-src 'self' ws: wss: http://127.0.0.1:* http://localhost:*; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
      headers['x-frame-options'] = 'DENY';
    }
    const since = req.headers['if-modified-since'];
    if (since && !Number.isNaN(Date.parse(since)) && Math.floor(info.mtime.getTime() / 1000) <= Math.floor(Date.parse(since) / 1000)) {
      res.writeHead(304, { 'cache-control': headers['cache-control'] as string, 'last-modified': headers['last-modified'] as string }).end();
      return;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}
