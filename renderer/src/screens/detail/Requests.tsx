// The Requests tab: what the deployment's gateway answered (its request history), filtered,
// with details, replay into the Playground and copy as curl. Polls for new requests.
import { useEffect, useState } from 'react';
import type { DeploymentSummary } from '../../api/contract.js';
import type { RequestRecord } from '../../../../shared/requests.js';
import { api } from '../../api/client.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useAction } from '../../components/useAction.js';
import { formatBytes, formatDuration, formatTime } from '../../lib/format.js';
import { curlSnippet } from '../../lib/snippets.js';
import { downloadText } from '../../lib/download.js';
import { href, navigate } from '../../lib/route.js';
import { setReplay } from '../../state/replay.js';

const POLL_MS = 2000;

export function Requests({ summary }: { summary: DeploymentSummary }) {
  const [records, setRecords] = useState<RequestRecord[]>([]);
  const [status, setStatus] = useState('');
  const [route, setRoute] = useState('');
  const [kind, setKind] = useState<'' | 'http' | 'ws'>('');
  const [picked, setPicked] = useState<number | null>(null);
  const { error, setError, run } = useAction();

  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        const list = await api.requests.list({ id: summary.id, ...(status ? { status } : {}), ...(route ? { route } : {}), ...(kind ? { kind } : {}), limit: 500 });
        if (!stop) setRecords(list);
      } catch (err) {
        if (!stop) setError(err as never);
      }
    };
    void load();
    const t = setInterval(load, POLL_MS);
    return () => { stop = true; clearInterval(t); };
  }, [summary.id, status, route, kind, setError]);

  const sel = records.find((r) => r.seq === picked) ?? null;
  return (
    <div className="stack requests">
      <div className="toolbar">
        <label className="row tight">Status
          <select className="input sm" aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">all</option><option value="2xx">2xx</option><option value="4xx">4xx</option><option value="429">429</option><option value="5xx">5xx</option>
          </select>
        </label>
        <label className="row tight">Kind
          <select className="input sm" aria-label="Kind filter" value={kind} onChange={(e) => setKind(e.target.value as '' | 'http' | 'ws')}>
            <option value="">all</option><option value="http">http</option><option value="ws">ws</option>
          </select>
        </label>
        <input className="input sm" aria-label="Route filter" placeholder="route contains…" value={route} onChange={(e) => setRoute(e.target.value)} />
        <span className="muted grow">{records.length} request{records.length === 1 ? '' : 's'} · newest first · credentials and secret values are never recorded</span>
        <button type="button" className="btn ghost sm" onClick={() => run(async () => { const r = await api.requests.export({ id: summary.id }); downloadText(r.filename, r.jsonl, 'application/x-ndjson'); })}>Export JSONL</button>
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
      {records.length === 0 ? <p className="empty">No requests yet. Requests through this deployment&apos;s gateway (Playground, clients, benchmarks) show up here.</p> : (
        <div className="split">
          <div className="table-scroll">
          <table className="table requests-table" aria-label="Requests">
            <thead><tr><th>Time</th><th>Status</th><th>Method</th><th>Route</th><th className="num">Latency</th><th className="num">TTFT</th><th className="num">Tokens (msgs) in/out</th><th className="num">Bytes in/out</th><th>Client</th></tr></thead>
            <tbody>
              {[...records].reverse().map((r) => (
                <tr key={r.seq} className={r.seq === picked ? 'selected' : ''} onClick={() => setPicked(r.seq)} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && setPicked(r.seq)} data-testid="request-row">
                  <td className="mono nowrap">{formatTime(r.time)}</td>
                  <td><span className={r.status < 300 ? 'ok-text' : r.status === 429 ? 'warn-text' : 'bad-text'}>{r.status}</span></td>
                  <td className="mono">{r.kind === 'ws' ? <span className="chip small" title="WebSocket session, recorded when it ended">ws</span> : r.method}</td>
                  <td className="mono route-cell" title={r.route}><span className="ellipsis">{r.route}</span></td>
                  <td className="num">{formatDuration(r.latencyMs)}</td>
                  <td className="num">{r.ttftMs !== null ? formatDuration(r.ttftMs) : '—'}</td>
                  {r.kind === 'ws' ? <td className="num" title="WebSocket messages in / out">{r.ws ? `${r.ws.messagesIn} / ${r.ws.messagesOut} msgs` : '—'}</td> :
                  <td className="num" title={r.tokensSource === 'chunks' ? 'output counted from streamed chunks (no usage from the server)' : 'from the server\'s usage'}>{r.tokensOut !== null ? `${r.tokensIn ?? '?'} / ${r.tokensSource === 'chunks' ? '~' : ''}${r.tokensOut}` : '—'}</td>}
                  <td className="num">{formatBytes(r.bytesIn)} / {formatBytes(r.bytesOut)}</td>
                  <td className="mono">{r.client ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          {sel && <RequestDetail r={sel} summary={summary} />}
        </div>
      )}
    </div>
  );
}

function RequestDetail({ r, summary }: { r: RequestRecord; summary: DeploymentSummary }) {
  if (r.kind === 'ws') return <WsDetail r={r} />;
  const body = parse(r.bodies?.request ?? null);
  const url = summary.gatewayUrl ? summary.gatewayUrl.replace(/\/$/, '') + r.route : r.route;
  const curl = r.method === 'POST' && body !== undefined ? curlSnippet({ url, body, apiKey: null, stream: r.stream }) : `curl -sS -X ${r.method} '${url}'`;
  return (
    <section className="card request-detail" aria-label="Request details" data-testid="request-detail">
      <div className="row between">
        <h3>#{r.seq} {r.method} <span className="mono">{r.route}</span></h3>
        <div className="row tight">
          <button type="button" className="btn sm" disabled={body === undefined} title={body === undefined ? 'The body was not captured (capture off or too old)' : 'Open this request in the Playground'}
            onClick={() => { setReplay({ deploymentId: summary.id, route: r.route, body }); navigate({ name: 'deployment', id: summary.id, tab: 'playground' }); }}>Replay in Playground</button>
          <CopyButton text={curl} label="Copy as curl" small />
        </div>
      </div>
      <dl className="facts">
        <dt>Status</dt><dd>{r.status}{r.upstreamPath === null ? ' (answered by the gateway)' : ` from ${r.upstreamPath}`}</dd>
        <dt>Request id</dt><dd className="mono">{r.requestId ?? '—'}</dd>
        <dt>Latency</dt><dd>{formatDuration(r.latencyMs)} (headers after {r.ttfbMs !== null ? formatDuration(r.ttfbMs) : '—'}{r.ttftMs !== null ? `, first token after ${formatDuration(r.ttftMs)}` : ''})</dd>
        <dt>Tokens</dt><dd>{r.tokensOut !== null ? `${r.tokensIn ?? '?'} in, ${r.tokensOut} out (${r.tokensSource === 'usage' ? "server's usage" : 'counted chunks'})` : '—'}</dd>
        <dt>Client</dt><dd className="mono">{r.client ?? '—'}</dd>
      </dl>
      <details><summary>Request headers</summary><pre className="code">{Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre></details>
      {r.bodies ? (
        <>
          <h4>Request body{r.bodies.requestTruncated ? ' (truncated)' : ''}</h4>
          <pre className="code" data-testid="request-body">{pretty(r.bodies.request)}</pre>
          <h4>Response{r.bodies.reassembled ? ' (SSE stream reassembled)' : ''}{r.bodies.responseTruncated ? ' (truncated)' : ''}</h4>
          <pre className="code" data-testid="response-body">{pretty(r.bodies.response)}</pre>
        </>
      ) : <p className="muted">Bodies are kept for the latest requests only, while body capture is on (Settings).</p>}
      <p className="hint">Open <a href={href({ name: 'settings' })}>Settings</a> to turn body capture off.</p>
    </section>
  );
}

function WsDetail({ r }: { r: RequestRecord }) {
  const m = r.bodies?.messages ?? null;
  return (
    <section className="card request-detail" aria-label="Request details" data-testid="request-detail">
      <h3>#{r.seq} WebSocket <span className="mono">{r.route}</span></h3>
      <dl className="facts">
        <dt>Status</dt><dd>{r.status}{r.status === 101 ? ` (relayed to ${r.upstreamPath ?? '?'})` : r.upstreamPath === null ? ' (refused by the gateway)' : ` from ${r.upstreamPath}`}</dd>
        <dt>Request id</dt><dd className="mono">{r.requestId ?? '—'}</dd>
        <dt>Session</dt><dd>{formatDuration(r.latencyMs)} (handshake after {r.ttfbMs !== null ? formatDuration(r.ttfbMs) : '—'})</dd>
        <dt>Messages</dt><dd>{r.ws ? `${r.ws.messagesIn} in, ${r.ws.messagesOut} out${r.ws.closeCode !== null ? `, close code ${r.ws.closeCode}` : ', no close frame'}` : '—'}</dd>
        <dt>Bytes</dt><dd>{formatBytes(r.bytesIn)} in, {formatBytes(r.bytesOut)} out (frames after the handshake)</dd>
        <dt>Client</dt><dd className="mono">{r.client ?? '—'}</dd>
      </dl>
      <details><summary>Request headers</summary><pre className="code">{Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre></details>
      {m ? (
        <>
          <h4>First {m.length} message{m.length === 1 ? '' : 's'}</h4>
          <pre className="code" data-testid="ws-messages">{m.map((x) => `${x.dir === 'in' ? '→' : '←'} ${x.binary ? `binary ${x.bytes} B` : `${x.bytes} B`}${x.truncated ? ' (truncated)' : ''}: ${x.compressed ? '(compressed)' : x.binary ? `base64 ${x.data}` : x.data}`).join('\n') || '(none)'}</pre>
        </>
      ) : <p className="muted">Messages are kept for the latest sessions only, while body capture is on (Settings).</p>}
    </section>
  );
}

function parse(text: string | null): unknown {
  if (text === null) return undefined;
  try { return JSON.parse(text); } catch { return text; }
}

function pretty(text: string | null): string {
  if (text === null) return '(none)';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}
