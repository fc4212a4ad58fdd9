// The Benchmark tab: a run form (bounded sweep), the live progress, and stored runs: a
// metrics table with each definition beside its numbers and a throughput-vs-latency chart.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DeploymentDetail, DeploymentSummary } from '../../api/contract.js';
import { BENCH_DEFAULTS, METRIC_DEFINITIONS, type BenchLevel, type BenchOptions, type BenchProgress, type BenchRun, type BenchWorkload, type Dist } from '../../../../shared/bench.js';
import { api } from '../../api/client.js';
import { Chart } from '../../components/Chart.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useAction } from '../../components/useAction.js';
import { formatDateTime } from '../../lib/format.js';
import { downloadText } from '../../lib/download.js';
import { playgroundDefaults } from '../../lib/playgroundMode.js';

const WORKLOAD_OF: Record<string, BenchWorkload> = { chat: 'chat', embeddings: 'embeddings', rerank: 'rerank', raw: 'chat' };

export function Benchmark({ summary, detail }: { summary: DeploymentSummary; detail: DeploymentDetail | null }) {
  const defaults = useMemo(() => playgroundDefaults(detail?.configText, detail?.plan?.gateway.predictEndpoint), [detail?.configText, detail?.plan?.gateway.predictEndpoint]);
  const [workload, setWorkload] = useState<BenchWorkload>(WORKLOAD_OF[defaults.mode] ?? 'chat');
  const [levels, setLevels] = useState(BENCH_DEFAULTS.concurrency.join(','));
  const [requests, setRequests] = useState(String(BENCH_DEFAULTS.requests));
  const [duration, setDuration] = useState(String(BENCH_DEFAULTS.durationS));
  const [inTok, setInTok] = useState(String(BENCH_DEFAULTS.inputTokens));
  const [outTok, setOutTok] = useState(String(BENCH_DEFAULTS.outputTokens));
  const [useExample, setUseExample] = useState(false);
  const [ttftTarget, setTtftTarget] = useState('');
  const [tpotTarget, setTpotTarget] = useState('');
  const [progress, setProgress] = useState<BenchProgress | null>(null);
  const [runs, setRuns] = useState<BenchRun[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const ready = summary.state.name === 'ready';
  const running = progress?.state === 'running';
  const example = defaults.example && typeof defaults.example === 'object' && !Array.isArray(defaults.example) ? (defaults.example as Record<string, unknown>) : null;

  const loadRuns = useCallback(async () => setRuns(await api.bench.results({ id: summary.id })), [summary.id]);
  useEffect(() => { void run(loadRuns); void api.bench.status({ id: summary.id }).then(setProgress).catch(() => undefined); }, [loadRuns, run, summary.id]);
  useEffect(() => {
    if (!running) return;
    const t = setInterval(async () => {
      const p = await api.bench.status({ id: summary.id }).catch(() => null);
      setProgress(p);
      if (p && p.state !== 'running') { await loadRuns(); setShown(p.run.id); }
    }, 500);
    return () => clearInterval(t);
  }, [running, summary.id, loadRuns]);

  const start = () => run(async () => {
    const options: BenchOptions = {
      workload,
      concurrency: levels.split(',').map((s) => Number(s.trim())).filter((n) => n > 0),
      requests: Number(requests),
      durationS: Number(duration),
      inputTokens: Number(inTok),
      outputTokens: Number(outTok),
      body: useExample ? example : null,
      goodputTtftMs: ttftTarget ? Number(ttftTarget) : null,
      goodputTpotMs: tpotTarget ? Number(tpotTarget) : null,
    };
    setProgress(await api.bench.start({ id: summary.id, options }));
  });

  const current = runs.find((r) => r.id === shown) ?? runs[0] ?? null;
  return (
    <div className="stack benchmark">
      <section className="card" aria-label="Run a benchmark">
        <h3>Benchmark through the gateway</h3>
        <p className="muted">Sends real requests to {summary.gatewayUrl ?? 'the gateway'} at each concurrency level, at most the requests and seconds set here. predict_concurrency: <strong>{detail?.plan?.predictConcurrency ?? '?'}</strong> (requests beyond it wait in the gateway&apos;s queue; a full queue answers 429, counted apart).</p>
        <div className="bench-form">
          <label>Workload<select className="input sm" value={workload} onChange={(e) => setWorkload(e.target.value as BenchWorkload)}>
            <option value="chat">chat (streaming)</option><option value="completions">completions (streaming)</option><option value="embeddings">embeddings</option><option value="rerank">rerank</option>
          </select></label>
          <label>Concurrency<input className="input sm mono" aria-label="Concurrency levels" value={levels} onChange={(e) => setLevels(e.target.value)} /></label>
          <label>Requests / level<input className="input sm" type="number" min={1} aria-label="Requests per level" value={requests} onChange={(e) => setRequests(e.target.value)} /></label>
          <label>Max seconds / level<input className="input sm" type="number" min={1} aria-label="Seconds per level" value={duration} onChange={(e) => setDuration(e.target.value)} /></label>
          <label>Input tokens<input className="input sm" type="number" min={1} aria-label="Input tokens" value={inTok} onChange={(e) => setInTok(e.target.value)} disabled={useExample} /></label>
          <label>Output tokens<input className="input sm" type="number" min={1} aria-label="Output tokens" value={outTok} onChange={(e) => setOutTok(e.target.value)} /></label>
          <label>Goodput TTFT ≤ ms<input className="input sm" type="number" min={1} aria-label="Goodput TTFT target" value={ttftTarget} onChange={(e) => setTtftTarget(e.target.value)} /></label>
          <label>Goodput TPOT ≤ ms<input className="input sm" type="number" min={1} aria-label="Goodput TPOT target" value={tpotTarget} onChange={(e) => setTpotTarget(e.target.value)} /></label>
          <label className="row tight"><input type="checkbox" checked={useExample} disabled={!example} onChange={(e) => setUseExample(e.target.checked)} />example_model_input{example ? '' : ' (none in config)'}</label>
        </div>
        <div className="row tight">
          <button type="button" className="btn primary" disabled={!ready || running || busy} onClick={start}>Run benchmark</button>
          {running && progress && <button type="button" className="btn ghost" onClick={() => run(() => api.bench.cancel({ runId: progress.runId || progress.run.id }))}>Cancel</button>}
          {!ready && <span className="muted">Start the deployment and wait for Ready.</span>}
          {running && progress && <span role="status" data-testid="bench-progress">Level {progress.level + 1}/{progress.levels} (concurrency {progress.concurrency}): {progress.done} of at most {requests} requests done</span>}
        </div>
        <ErrorNote error={error} onDismiss={() => setError(null)} />
      </section>
      {runs.length > 0 && current && (
        <section className="card" aria-label="Benchmark results">
          <div className="row between">
            <label className="row tight">Run<select className="input sm" aria-label="Benchmark run" value={current.id} onChange={(e) => setShown(e.target.value)}>
              {runs.map((r) => <option key={r.id} value={r.id}>{formatDateTime(r.startedAt)} · {r.options.workload} · c={r.options.concurrency.join(',')} · {r.state}</option>)}
            </select></label>
            <div className="row tight">
              <button type="button" className="btn ghost sm" onClick={() => run(async () => { const x = await api.bench.export({ id: summary.id, runId: current.id, format: 'csv' }); downloadText(x.filename, x.text, 'text/csv'); })}>Export CSV</button>
              <button type="button" className="btn ghost sm" onClick={() => run(async () => { const x = await api.bench.export({ id: summary.id, runId: current.id, format: 'json' }); downloadText(x.filename, x.text, 'application/json'); })}>Export JSON</button>
            </div>
          </div>
          <RunView run={current} />
        </section>
      )}
    </div>
  );
}

const ms = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const distCells = (d: Dist | null) => (d ? `${ms(d.p50)} / ${ms(d.p90)} / ${ms(d.p99)}` : '—');

const ROWS: Array<{ key: string; label: string; cell: (l: BenchLevel) => string }> = [
  { key: 'ttft', label: 'TTFT ms p50/p90/p99', cell: (l) => distCells(l.ttftMs) },
  { key: 'tpot', label: 'TPOT ms p50/p90/p99', cell: (l) => distCells(l.tpotMs) },
  { key: 'itl', label: 'ITL ms p50/p90/p99', cell: (l) => distCells(l.itlMs) },
  { key: 'e2el', label: 'E2E ms p50/p90/p99', cell: (l) => distCells(l.e2elMs) },
  { key: 'outputThroughput', label: 'Output tokens/s', cell: (l) => (l.outputThroughput === null ? '—' : `${l.outputThroughput.toFixed(1)}${l.outputTokensSource === 'chunks' ? ' (counted chunks)' : ''}`) },
  { key: 'requestThroughput', label: 'Requests/s', cell: (l) => l.requestThroughput.toFixed(2) },
  { key: 'goodput', label: 'Goodput req/s', cell: (l) => (l.goodput === null ? 'no target' : l.goodput.toFixed(2)) },
  { key: 'rejected429', label: 'Completed / 429 / failed / cut', cell: (l) => `${l.completed} / ${l.rejected429} / ${l.failed} / ${l.cut}` },
];

function RunView({ run }: { run: BenchRun }) {
  // Throughput against latency, one point per level, sorted by throughput as uPlot wants x.
  // Points only: past saturation throughput stops growing (or drops) while latency climbs, so
  // a line joining them in x order would double back; each point carries its concurrency.
  const pts = run.levels.filter((l) => l.outputThroughput !== null || l.requestThroughput > 0).map((l) => ({ c: l.concurrency, x: l.outputThroughput ?? l.requestThroughput, ttft: l.ttftMs?.p50 ?? null, e2e: l.e2elMs.p50 })).sort((a, b) => a.x - b.x);
  const pointLabels = useMemo(() => pts.map((p) => `c = ${p.c}`), [run.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const tokens = run.levels.some((l) => l.outputThroughput !== null);
  const data = useMemo(() => [pts.map((p) => p.x), pts.map((p) => p.ttft), pts.map((p) => p.e2e)] as [number[], (number | null)[], number[]], [run.id]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="stack">
      <p className="muted">{run.context.modelName} · image {run.context.image ?? '?'} {run.context.imageDigest ? <span className="mono">({run.context.imageDigest.slice(0, 19)})</span> : null} · predict_concurrency {run.context.predictConcurrency ?? '?'} · GPUs {run.context.gpus.join(', ') || 'none'}</p>
      {run.changes.length > 0 ? <div className="note warn" data-testid="bench-changes"><div className="note-body"><strong>Changed since the previous run:</strong> {run.changes.join('; ')}</div></div> : <p className="muted" data-testid="bench-changes">Nothing changed since the previous run (image digest, start command, predict_concurrency, GPUs).</p>}
      {run.error && <p className="bad-text">{run.error}</p>}
      <table className="table bench-table" aria-label="Benchmark metrics">
        <thead><tr><th>Metric</th>{run.levels.map((l) => <th key={l.concurrency} className="num">c = {l.concurrency}</th>)}<th>Definition</th></tr></thead>
        <tbody>
          {ROWS.map((r) => (
            <tr key={r.key}><th scope="row">{r.label}</th>{run.levels.map((l) => <td key={l.concurrency} className="num mono">{r.cell(l)}</td>)}<td className="definition">{METRIC_DEFINITIONS[r.key]}</td></tr>
          ))}
          <tr><th scope="row">GPU util mean/max, memory max</th>{run.levels.map((l) => <td key={l.concurrency} className="num mono">{l.gpu ? `${l.gpu.utilMeanPct ?? '—'} / ${l.gpu.utilMaxPct ?? '—'} %, ${l.gpu.memoryMaxMiB ?? '—'} MiB` : 'no samples'}</td>)}<td className="definition">Sampled with nvidia-smi while the level ran (no samples: no NVIDIA GPU here).</td></tr>
        </tbody>
      </table>
      {run.levels.some((l) => l.firstError) && <p className="warn-text">First error: {run.levels.find((l) => l.firstError)?.firstError}</p>}
      <p className="hint">{METRIC_DEFINITIONS.percentiles}</p>
      {pts.length > 0 && (
        <div aria-label="Throughput against latency">
          <h4>Latency against throughput ({tokens ? 'output tokens/s' : 'requests/s'} on x, one point per concurrency level, labelled c = N)</h4>
          <Chart ariaLabel="Latency against throughput" xTime={false} xLabel={tokens ? 'output tokens/s' : 'requests/s'} yLabel="ms" height={200} data={data} pointLabels={pointLabels}
            series={[{ label: 'TTFT p50', color: '#4aa3ff', markersOnly: true }, { label: 'E2E p50', color: '#f2a541', markersOnly: true }]} />
        </div>
      )}
    </div>
  );
}
