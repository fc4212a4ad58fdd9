// A page the window shows instead of a blank one when the UI cannot work: the preload failed
// (no window.berth, so the UI could not reach Berth) or the UI is not built. A data: URL, so
// it needs neither the berth:// handler nor the preload; it runs no script.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function errorPageUrl(title: string, detail: string, whatToDo: string): string {
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>Berth: ${escapeHtml(title)}</title>
<style>body{font:15px system-ui,sans-serif;background:#111318;color:#e6e8ee;margin:0;padding:48px}h1{font-size:20px}pre{white-space:pre-wrap;background:#1b1e26;padding:12px;border-radius:6px;color:#f3b0b0}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(whatToDo)}</p><pre>${escapeHtml(detail)}</pre></body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

export function preloadErrorPageUrl(preloadPath: string, error: unknown): string {
  const msg = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return errorPageUrl(
    'Berth could not start its window',
    `The preload script ${preloadPath} failed:\n${msg}`,
    "The window's bridge to Berth (window.berth) did not load, so the UI cannot work. Reinstall Berth; in a development checkout run 'npm run build' and start again. If it persists, report this message.",
  );
}
