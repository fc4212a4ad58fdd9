import { useEffect, useMemo, useRef, useState } from 'react';
import type { BerthErrorShape, DeploymentDetail, DeploymentSummary } from '../../api/contract.js';
import { chatBody, examplePrompt, playgroundDefaults, type PlaygroundMode } from '../../lib/playgroundMode.js';
import { streamChat, HttpError, describeHttpError, type StreamStats } from '../../lib/streamFetch.js';
import { curlSnippet, jsSnippet, pythonSnippet } from '../../lib/snippets.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { formatDuration } from '../../lib/format.js';
import { takeReplay } from '../../state/replay.js';
import { Compare } from './Compare.js';

interface Msg { role: 'user' | 'assistant'; content: string }

const PREDICT = '/environments/production/predict';
const SYNC_ROUTE: Record<PlaygroundMode, string> = {
  chat: '/environments/production/sync/v1/chat/completions',
  embeddings: '/environments/production/sync/v1/embeddings',
  rerank: '/environments/production/sync/rerank',
  raw: PREDICT,
};
const MODE_LABEL: Record<PlaygroundMode, string> = { chat: 'Chat', embeddings: 'Embeddings', rerank: 'Rerank', raw: 'Raw JSON' };

export function Playground({ summary, detail }: { summary: DeploymentSummary; detail: DeploymentDetail | null }) {
  const defaults = useMemo(() => playgroundDefaults(detail?.configText, detail?.plan?.gateway.predictEndpoint), [detail?.configText, detail?.plan?.gateway.predictEndpoint]);
  // A request sent again from the Requests tab opens as raw JSON on its own route.
  const [replay] = useState(() => takeReplay(summary.id));
  const [mode, setMode] = useState<PlaygroundMode>(replay ? 'raw' : defaults.mode);
  const [route, setRoute] = useState(replay?.route ?? PREDICT);
  const [compare, setCompare] = useState(false);
  useEffect(() => { if (!replay) { setMode(defaults.mode); setRoute(PREDICT); } }, [defaults.mode, replay]);
  // The config's own kind of request goes to predict; other kinds reach the server through sync.
  const pickMode = (m: PlaygroundMode) => { setMode(m); setRoute(m === defaults.mode ? PREDICT : SYNC_ROUTE[m]); };
  const [apiKey, setApiKey] = useState('');
  const url = summary.gatewayUrl ? summary.gatewayUrl.replace(/\/$/, '') + route : null;
  const ready = summary.state.name === 'ready';

  return (
    <div className="playground stack">
      <div className="toolbar">
        <div className="seg" role="group" aria-label="Playground mode">
          {(['chat', 'embeddings', 'rerank', 'raw'] as const).map((m) => (
            <button key={m} type="button" className={mode === m && !compare ? 'on' : ''} aria-pressed={mode === m && !compare} onClick={() => { setCompare(false); pickMode(m); }}>{MODE_LABEL[m]}</button>
          ))}
          <button type="button" className={compare ? 'on' : ''} aria-pressed={compare} onClick={() => setCompare(true)}>Compare</button>
        </div>
        <label className="row tight">POST
          <input className="input sm mono route" aria-label="Route" value={route} onChange={(e) => setRoute(e.target.value)} />
        </label>
        <input className="input sm" type="password" autoComplete="off" placeholder="Gateway API key (if required)" aria-label="Gateway API key" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
      </div>
      {!ready && <div className="note warn" role="status"><div className="note-body"><strong>The model is not ready ({summary.state.reason || summary.state.name}).</strong><div className="hint">Start it and wait for Ready; requests sent now get 503 from the gateway.</div></div></div>}
      {compare ? <Compare summary={summary} headers={headersFor(apiKey)} prompt0={examplePrompt(defaults.example)} />
        : mode === 'chat'
        ? <ChatPanel key={`${summary.id}-chat`} url={url} apiKey={apiKey} example={defaults.example} />
        : <JsonPanel key={`${summary.id}-${mode}`} url={url} apiKey={apiKey} mode={mode} example={replay && mode === 'raw' ? replay.body : defaults.mode === mode || mode === 'raw' ? defaults.example : undefined} />}
    </div>
  );
}

function headersFor(apiKey: string): Record<string, string> {
  return apiKey ? { Authorization: `Api-Key ${apiKey}` } : {};
}

function toError(err: unknown): BerthErrorShape {
  if (err instanceof HttpError) return { code: 'CONTAINER_FAILED', ...describeHttpError(err.status, err.body) };
  if (err instanceof DOMException && err.name === 'AbortError') return { code: 'BAD_REQUEST', message: 'Request cancelled.' };
  return { code: 'CONTAINER_FAILED', message: 'The request did not reach the model gateway.', hint: 'Check the model is running (Overview) and the route is right. If it is Ready, the browser refused the cross-origin call: the gateway must allow this page\'s origin (CORS) and the page\'s policy must allow connecting to it.' };
}

function Stats({ stats, tokens = true }: { stats: StreamStats | null; tokens?: boolean }) {
  if (!stats) return null;
  return (
    <div className="stats" data-testid="request-stats" aria-label="Request stats">
      <span>Status <strong className={stats.status && stats.status < 300 ? 'ok-text' : 'bad-text'}>{stats.status ?? '—'}</strong></span>
      <span>Latency <strong>{stats.totalMs !== null ? formatDuration(stats.totalMs) : '…'}</strong></span>
      <span>{tokens ? 'TTFT' : 'First byte'} <strong>{stats.ttftMs !== null ? formatDuration(stats.ttftMs) : '—'}</strong></span>
      {tokens && <span>Tokens <strong>{stats.tokens}</strong></span>}
      {tokens && <span>Tokens/s <strong>{stats.tokensPerSec !== null ? stats.tokensPerSec.toFixed(1) : '—'}</strong></span>}
    </div>
  );
}

function Snippets({ url, body, apiKey, stream }: { url: string | null; body: unknown; apiKey: string; stream: boolean }) {
  if (!url) return null;
  // The key itself never goes into a copied snippet: a placeholder the user fills in.
  const input = { url, body, apiKey: apiKey ? '$BERTH_API_KEY' : null, stream };
  return (
    <div className="row tight snippets" aria-label="Copy request as">
      <span className="muted">Copy as</span>
      <CopyButton text={curlSnippet(input)} label="Copy as curl" display="curl" small />
      <CopyButton text={pythonSnippet(input)} label="Copy as Python" display="Python" small />
      <CopyButton text={jsSnippet(input)} label="Copy as JavaScript" display="JavaScript" small />
    </div>
  );
}

function ChatPanel({ url, apiKey, example }: { url: string | null; apiKey: string; example: unknown }) {
  const [messages, setMessages] = useState<Msg[]>([]);
  const prompt0 = examplePrompt(example);
  const [input, setInput] = useState(prompt0);
  const inputEdited = useRef(false);
  useEffect(() => { if (!inputEdited.current) setInput(prompt0); }, [prompt0]);
  const [stats, setStats] = useState<StreamStats | null>(null);
  const [error, setError] = useState<BerthErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const endRef = useRef<HTMLDivElement>(null);
  // Braces matter: Chromium's scrollIntoView may return a promise, which React would call as a cleanup.
  useEffect(() => { endRef.current?.scrollIntoView({ block: 'end' }); }, [messages]);

  const pending = [...messages.filter((m) => m.content), ...(input.trim() ? [{ role: 'user' as const, content: input.trim() }] : [])];
  const body = chatBody(example, pending);

  const send = async () => {
    if (!url || !input.trim() || busy) return;
    const convo: Msg[] = [...messages, { role: 'user', content: input.trim() }];
    setMessages([...convo, { role: 'assistant', content: '' }]);
    inputEdited.current = true;
    setInput('');
    setError(null);
    setBusy(true);
    setStats({ status: null, ttftMs: null, totalMs: null, tokens: 0, tokensPerSec: null });
    const ac = new AbortController();
    abort.current = ac;
    try {
      const final = await streamChat(url, chatBody(example, convo), headersFor(apiKey), (delta, s) => {
        setMessages((prev) => {
          const next = prev.slice();
          const last = next[next.length - 1];
          next[next.length - 1] = { ...last, content: last.content + delta };
          return next;
        });
        setStats(s);
      }, ac.signal);
      setStats(final);
    } catch (err) {
      setError(toError(err));
      setStats((s) => (err instanceof HttpError ? { ...(s ?? { ttftMs: null, totalMs: null, tokens: 0, tokensPerSec: null }), status: err.status } : s));
      setMessages((prev) => (prev[prev.length - 1]?.content === '' ? prev.slice(0, -1) : prev));
    } finally {
      setBusy(false);
      abort.current = null;
    }
  };

  return (
    <section className="card chat" aria-label="Chat">
      <div className="messages" role="log" aria-label="Conversation" aria-live="polite">
        {messages.length === 0 && <p className="empty">Send a message to chat with the model. Responses stream token by token.</p>}
        {messages.map((m, i) => (
          <div key={i} className={`msg ${m.role}`} data-testid={m.role === 'assistant' ? 'assistant-message' : 'user-message'}
            data-streaming={busy && i === messages.length - 1 ? 'true' : 'false'}>
            <div className="who">{m.role === 'user' ? 'You' : 'Model'}</div>
            <div className="text">{m.content || (busy ? '…' : '')}</div>
          </div>
        ))}
        <div ref={endRef} />
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
      <form className="composer" onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <textarea className="input grow" rows={2} aria-label="Message" placeholder="Type a message (Enter to send, Shift+Enter for a new line)" value={input}
          onChange={(e) => { inputEdited.current = true; setInput(e.target.value); }}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send(); } }} />
        {busy
          ? <button type="button" className="btn" onClick={() => abort.current?.abort()}>Stop</button>
          : <button type="submit" className="btn primary" disabled={!url || !input.trim()}>Send</button>}
        <button type="button" className="btn ghost" onClick={() => { setMessages([]); setStats(null); }} disabled={busy}>Clear</button>
      </form>
      <div className="row between"><Stats stats={stats} /><Snippets url={url} body={body} apiKey={apiKey} stream /></div>
    </section>
  );
}

function JsonPanel({ url, apiKey, mode, example }: { url: string | null; apiKey: string; mode: PlaygroundMode; example: unknown }) {
  const exampleText = JSON.stringify(example ?? {}, null, 2);
  const [text, setText] = useState(exampleText);
  // The example arrives with the deployment's detail, which may load after this panel: take it
  // until the user types (a remote machine's detail comes through the tunnel, later still).
  const edited = useRef(false);
  useEffect(() => { if (!edited.current) setText(exampleText); }, [exampleText]);
  const [response, setResponse] = useState<string>('');
  const [stats, setStats] = useState<StreamStats | null>(null);
  const [error, setError] = useState<BerthErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  let parsed: unknown = undefined;
  let parseError: string | null = null;
  try { parsed = JSON.parse(text); } catch (e) { parseError = (e as Error).message; }

  const send = async () => {
    if (!url || parseError) return;
    setBusy(true); setError(null); setResponse('');
    const t0 = performance.now();
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headersFor(apiKey) }, body: JSON.stringify(parsed) });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let all = '';
      let ttft: number | null = null;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (ttft === null) ttft = performance.now() - t0;
        all += dec.decode(value, { stream: true });
        setResponse(all);
      }
      const total = performance.now() - t0;
      setStats({ status: res.status, ttftMs: ttft, totalMs: total, tokens: 0, tokensPerSec: null });
      if (!res.ok) { setError({ code: 'CONTAINER_FAILED', ...describeHttpError(res.status, all) }); }
      try { setResponse(JSON.stringify(JSON.parse(all), null, 2)); } catch { /* not JSON: keep raw */ }
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card json-panel" aria-label={`${mode} request`}>
      <div className="grid2">
        <div className="stack">
          <label htmlFor="req-body" className="label">Request body (JSON)</label>
          <textarea id="req-body" className="input mono code-input" rows={14} value={text} onChange={(e) => { edited.current = true; setText(e.target.value); }} spellCheck={false} />
          {parseError && <div className="bad-text sub" role="alert">Invalid JSON: {parseError}</div>}
          <div className="row tight">
            <button type="button" className="btn primary" onClick={send} disabled={!url || !!parseError || busy}>{busy ? 'Sending…' : 'Send'}</button>
            <Snippets url={url} body={parsed ?? {}} apiKey={apiKey} stream={false} />
          </div>
        </div>
        <div className="stack">
          <span className="label">Response</span>
          <ErrorNote error={error} onDismiss={() => setError(null)} />
          <ResponseSummary mode={mode} text={response} />
          <pre className="code response" data-testid="json-response">{response || '—'}</pre>
          <Stats stats={stats} tokens={false} />
        </div>
      </div>
    </section>
  );
}

function ResponseSummary({ mode, text }: { mode: PlaygroundMode; text: string }) {
  let j: unknown;
  try { j = JSON.parse(text); } catch { return null; }
  if (mode === 'embeddings') {
    const data = (j as { data?: Array<{ embedding?: unknown[] }> }).data;
    if (Array.isArray(data)) return <div className="ok-text sub">{data.length} embedding{data.length === 1 ? '' : 's'} · {data[0]?.embedding?.length ?? 0} dimensions</div>;
  }
  if (mode === 'rerank') {
    const arr = Array.isArray(j) ? j : (j as { results?: unknown[] }).results;
    if (Array.isArray(arr)) {
      return (
        <ol className="sub rerank">
          {arr.slice(0, 10).map((r, i) => { const o = r as { index?: number; score?: number; relevance_score?: number }; return <li key={i}>doc {o.index} · score {(o.relevance_score ?? o.score ?? 0).toFixed(4)}</li>; })}
        </ol>
      );
    }
  }
  return null;
}
