import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';
import { isDark } from '../../lib/theme.js';
import type { LogLine } from '../../api/contract.js';
import { logStore } from '../../state/logs.js';
import { FrameBatcher, formatLine, passesFilter, type StreamFilter } from '../../lib/logBatch.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import type { BerthErrorShape } from '../../api/contract.js';

const SCROLLBACK = 50_000;

function termTheme() {
  const dark = isDark();
  return dark
    ? { background: '#0f1115', foreground: '#d6d9e0', cursor: '#0f1115', selectionBackground: '#3b4252' }
    : { background: '#fbfbfc', foreground: '#1f2328', cursor: '#fbfbfc', selectionBackground: '#c8d1e0', black: '#1f2328', white: '#6e7781', brightWhite: '#57606a', yellow: '#9a6700', brightYellow: '#7d4e00', cyan: '#0969da', green: '#1a7f37' };
}

export function Logs({ id }: { id: string }) {
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const [filter, setFilter] = useState<StreamFilter>('all');
  const [follow, setFollow] = useState(true);
  const followRef = useRef(follow);
  followRef.current = follow;
  const [query, setQuery] = useState('');
  const [count, setCount] = useState(0);
  const [missing, setMissing] = useState(0);
  const [error, setError] = useState<BerthErrorShape | null>(null);

  useEffect(() => {
    const store = logStore(id);
    const term = new Terminal({
      convertEol: false, disableStdin: true, scrollback: SCROLLBACK, fontSize: 12, lineHeight: 1.15,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      theme: termTheme(), cursorStyle: 'bar', cursorInactiveStyle: 'none',
      // Search match decorations are a "proposed" xterm API.
      allowProposedApi: true,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.open(host.current!);
    try { fit.fit(); } catch { /* zero-size while hidden */ }
    termRef.current = term;
    searchRef.current = search;
    let shown = 0;
    // A frame scheduled before unmount may fire after dispose: xterm must not be touched then.
    let disposed = false;
    const batcher = new FrameBatcher<LogLine>((batch) => {
      if (disposed) return;
      const text = batch.filter((l) => passesFilter(l, filter)).map(formatLine).join('\r\n');
      if (text) {
        term.write((shown > 0 ? '\r\n' : '') + text);
        shown += batch.length;
      }
      if (followRef.current) term.scrollToBottom();
      setCount(store.lines.length);
      setMissing(store.missing);
    });
    batcher.push(store.lines);
    const unsub = store.subscribe((lines) => batcher.push(lines));
    // Fill in what was logged before this view (or the app) opened.
    if (store.lastSeq < 0) void store.fill();
    const ro = new ResizeObserver(() => { if (!disposed) { try { fit.fit(); } catch { /* hidden */ } } });
    ro.observe(host.current!);
    return () => { disposed = true; unsub(); ro.disconnect(); term.dispose(); termRef.current = null; };
  }, [id, filter]);

  useEffect(() => { if (follow) termRef.current?.scrollToBottom(); }, [follow]);

  const find = (dir: 'next' | 'prev') => {
    if (!query) return;
    const opts = { caseSensitive: false, decorations: { matchOverviewRuler: '#d4a72c', activeMatchColorOverviewRuler: '#e5534b', matchBackground: '#6b5a1e', activeMatchBackground: '#b5831a' } };
    if (dir === 'next') searchRef.current?.findNext(query, opts); else searchRef.current?.findPrevious(query, opts);
    setFollow(false);
  };

  const download = () => {
    const lines = logStore(id).lines.filter((l) => passesFilter(l, filter));
    const text = lines.map((l) => `${new Date(l.time).toISOString()} ${l.stream} ${l.text.replace(/\n$/, '')}`).join('\n') + '\n';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    a.download = `${id}-logs.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  };

  return (
    <div className="logs">
      <div className="toolbar">
        <div className="seg" role="group" aria-label="Stream filter">
          {(['all', 'stdout', 'stderr'] as const).map((f) => (
            <button key={f} type="button" className={filter === f ? 'on' : ''} aria-pressed={filter === f} onClick={() => setFilter(f)}>{f === 'all' ? 'All' : f}</button>
          ))}
        </div>
        <label className="check"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow</label>
        <form className="row tight" role="search" onSubmit={(e) => { e.preventDefault(); find('next'); }}>
          <input className="input sm" type="search" placeholder="Search logs" aria-label="Search logs" value={query} onChange={(e) => setQuery(e.target.value)} />
          <button type="button" className="btn sm" aria-label="Previous match" onClick={() => find('prev')}>↑</button>
          <button type="submit" className="btn sm" aria-label="Next match">↓</button>
        </form>
        <span className="grow" />
        <span className="muted mono" data-testid="log-count" data-count={count} data-missing={missing}
          title={missing ? 'Lines that scrolled out of the buffer Berth keeps per model before this view could fetch them' : undefined}>
          {count.toLocaleString()} lines{missing ? ` · ${missing.toLocaleString()} not kept` : ''}</span>
        <button type="button" className="btn sm" onClick={() => termRef.current?.clear()}>Clear view</button>
        <button type="button" className="btn sm" onClick={download}>Download</button>
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
      <div className="term" ref={host} data-testid="log-terminal" aria-label="Log output" role="log" />
    </div>
  );
}
