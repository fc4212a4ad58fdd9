// The berth:// handler, driven with real files in a temp renderer folder and real
// Request/Response objects (the same ones Electron's protocol.handle passes and expects).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BERTH_UI_ENTRY_URL, BERTH_UI_ORIGIN, isBerthUiUrl } from '../../../shared/ui-origin.js';
import { createUiProtocolHandler, resolveUiRequest, UI_CSP } from '../../../electron/app/ui-protocol.js';

const base = mkdtempSync(join(tmpdir(), 'berth-ui-protocol-'));
const dir = join(base, 'renderer');
mkdirSync(join(dir, 'assets'), { recursive: true });
const INDEX = '<!doctype html><title>Berth</title><script type="module" src="./assets/index-abc.js"></script>';
writeFileSync(join(dir, 'index.html'), INDEX);
writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(dir, 'assets', 'index-abc.css'), 'body{}');
writeFileSync(join(dir, 'assets', 'logo.svg'), '<svg/>');
writeFileSync(join(dir, 'assets', 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
writeFileSync(join(dir, 'assets', 'mod.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
writeFileSync(join(dir, 'assets', 'data.json'), '{}');
// Beside the renderer folder: what a traversal would be after.
const SECRET = 'TOP-SECRET-NOT-UI';
writeFileSync(join(base, 'secret.txt'), SECRET);
writeFileSync(join(base, 'renderer-evil.js'), SECRET);

const handler = createUiProtocolHandler(dir);
const get = (path: string, method = 'GET') => handler({ url: `berth://app${path}`, method });

describe('ui origin', () => {
  it('names berth://app and recognises only its URLs', () => {
    expect(BERTH_UI_ORIGIN).toBe('berth://app');
    expect(BERTH_UI_ENTRY_URL).toBe('berth://app/index.html');
    expect(isBerthUiUrl('berth://app/index.html#/x')).toBe(true);
    expect(isBerthUiUrl('berth://APP/')).toBe(true);
    for (const u of ['berth://app:1/', 'berth://a@app/', 'berth://apps/', 'berthx://app/', 'file:///app/index.html', 'http://app/', '', null, undefined, '::']) {
      expect(isBerthUiUrl(u), String(u)).toBe(false);
    }
  });
});

describe('resolveUiRequest', () => {
  const root = resolve(dir);
  it('maps / and files inside the folder', () => {
    expect(resolveUiRequest(dir, 'berth://app/')).toEqual({ kind: 'file', file: join(root, 'index.html'), fallbackToIndex: false });
    expect(resolveUiRequest(dir, 'berth://app')).toEqual({ kind: 'file', file: join(root, 'index.html'), fallbackToIndex: false });
    expect(resolveUiRequest(dir, 'berth://app/assets/index-abc.js?v=1#x')).toEqual({ kind: 'file', file: join(root, 'assets', 'index-abc.js'), fallbackToIndex: false });
    expect(resolveUiRequest(dir, 'berth://app/deployments/abc')).toEqual({ kind: 'file', file: join(root, 'deployments', 'abc'), fallbackToIndex: true });
    expect(resolveUiRequest(dir, 'berth://app/a%20b.js')).toMatchObject({ file: join(root, 'a b.js') });
  });

  it('refuses every way out of the folder', () => {
    for (const url of [
      'berth://app/..%2fsecret.txt',
      'berth://app/%2e%2e%2fsecret.txt',
      'berth://app/assets/..%2f..%2fsecret.txt',
      'berth://app/assets%2f..%2f..%2fsecret.txt',
      'berth://app/..%5csecret.txt',
      'berth://app/assets%5c..%5c..%5csecret.txt',
      'berth://app/C:/Windows/win.ini',
      'berth://app/C%3A%5CWindows%5Cwin.ini',
      'berth://app/index.html%00.js',
    ]) {
      expect(resolveUiRequest(dir, url).kind, url).toBe('not-found');
    }
  });

  it('keeps literal dot segments and absolute-looking paths inside the folder', () => {
    // The URL parser removes ../ and %2e%2e/ before the handler sees them; what is left
    // is a path under the folder, never the file beside it.
    for (const url of ['berth://app/../secret.txt', 'berth://app/%2e%2e/%2e%2e/secret.txt', 'berth://app/assets/./../../secret.txt', 'berth://app//secret.txt', 'berth://app/%2e%2e/renderer-evil.js']) {
      const r = resolveUiRequest(dir, url);
      if (r.kind === 'file') expect(r.file.startsWith(root + '/'), url).toBe(true);
      else expect(r.kind, url).toBe('not-found');
    }
    expect(resolveUiRequest(dir, 'berth://app//etc/passwd')).toEqual({ kind: 'file', file: join(root, 'etc', 'passwd'), fallbackToIndex: true });
    expect(resolveUiRequest(dir, 'berth://app/%2Fetc%2Fpasswd')).toEqual({ kind: 'file', file: join(root, 'etc', 'passwd'), fallbackToIndex: true });
  });

  it('confines paths with Windows semantics too', () => {
    const winRoot = 'C:\\Program Files\\Berth\\resources\\app.asar\\dist\\renderer';
    expect(resolveUiRequest(winRoot, 'berth://app/assets/x.js', win32)).toEqual({ kind: 'file', file: `${winRoot}\\assets\\x.js`, fallbackToIndex: false });
    for (const url of ['berth://app/..%5C..%5Csecret.txt', 'berth://app/D:%5Csecret.txt', 'berth://app/%5C%5Cserver%5Cshare', 'berth://app/..%2Fsecret.txt']) {
      expect(resolveUiRequest(winRoot, url, win32).kind, url).toBe('not-found');
    }
  });

  it('refuses other hosts and schemes, and malformed encoding', () => {
    expect(resolveUiRequest(dir, 'berth://evil/index.html').kind).toBe('not-found');
    expect(resolveUiRequest(dir, 'berth://app:99/index.html').kind).toBe('not-found');
    expect(resolveUiRequest(dir, 'file:///index.html').kind).toBe('not-found');
    expect(resolveUiRequest(dir, 'berth://app/%E0%A4%A').kind).toBe('bad-request');
    expect(resolveUiRequest(dir, 'not a url').kind).toBe('bad-request');
  });
});

describe('protocol handler', () => {
  it('serves index.html for / with the CSP and no caching', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self' http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
    );
    expect(await r.text()).toBe(INDEX);
  });

  it('serves assets with their content types and long caching', async () => {
    const cases: Array<[string, string]> = [
      ['/assets/index-abc.js', 'text/javascript; charset=utf-8'],
      ['/assets/index-abc.css', 'text/css; charset=utf-8'],
      ['/assets/logo.svg', 'image/svg+xml'],
      ['/assets/font.woff2', 'font/woff2'],
      ['/assets/mod.wasm', 'application/wasm'],
      ['/assets/data.json', 'application/json; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
    ];
    for (const [path, type] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe(type);
      expect(r.headers.get('content-security-policy'), path).toBe(UI_CSP);
      const body = Buffer.from(await r.arrayBuffer());
      expect(body.equals(readFileSync(join(dir, path))), path).toBe(true);
      expect(r.headers.get('content-length'), path).toBe(String(body.length));
    }
    expect((await get('/assets/index-abc.js')).headers.get('cache-control')).toContain('immutable');
  });

  it('falls back to index.html only for extensionless routes', async () => {
    for (const path of ['/deployments/abc', '/settings', '/assets', '//etc/passwd', '/%2Fetc%2Fpasswd']) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(await r.text(), path).toBe(INDEX);
    }
    for (const path of ['/assets/missing.js', '/missing.png', '/deployments/abc.json']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-security-policy'), path).toBe(UI_CSP);
    }
  });

  it('never serves a file outside the folder', async () => {
    for (const path of ['/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/../secret.txt', '/%2e%2e/secret.txt', '/../renderer-evil.js', '/%2e%2e%2frenderer-evil.js']) {
      const r = await get(path);
      expect(r.status, path).not.toBe(500);
      expect(await r.text(), path).not.toContain(SECRET);
    }
    expect((await get('/..%2fsecret.txt')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    const other = await handler({ url: 'berth://evil/index.html', method: 'GET' });
    expect(other.status).toBe(404);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/assets/index-abc.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
    expect(await head.text()).toBe('');
    const post = await get('/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says what to do when the UI is not built or cannot be read', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'berth-ui-empty-'));
    const r = await createUiProtocolHandler(empty)({ url: 'berth://app/index.html', method: 'GET' });
    expect(r.status).toBe(503);
    expect(await r.text()).toMatch(/not built.*npm run build/);
    const route = await createUiProtocolHandler(empty)({ url: 'berth://app/settings', method: 'GET' });
    expect(route.status).toBe(503);
    const denied = createUiProtocolHandler(dir, async () => {
      throw Object.assign(new Error('EACCES: permission denied, open /x'), { code: 'EACCES' });
    });
    const d = await denied({ url: 'berth://app/assets/index-abc.js', method: 'GET' });
    expect(d.status).toBe(500);
    const text = await d.text();
    expect(text).toMatch(/could not read.*index-abc\.js.*EACCES.*Reinstall Berth/);
    expect(text).not.toMatch(/\n\s+at /);
  });
});

describe('renderer page fits the CSP', () => {
  it('has no inline scripts or inline event handlers (script-src is self only)', () => {
    const html = readFileSync(resolve(__dirname, '../../../renderer/index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});
