import { useMemo } from 'react';
import type { DeploymentDetail, ProbeResult } from '../../api/contract.js';
import { useStore } from '../../lib/store.js';
import { liveStore, deploymentsStore } from '../../state/deployments.js';
import { Chart, type ChartSeries } from '../../components/Chart.js';
import { failingSince, lastProbe, probeChartData, secondsLeft, type ProbeKind } from '../../lib/probes.js';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useNow } from '../../lib/useNow.js';

const KINDS: ProbeKind[] = ['startup', 'readiness', 'liveness'];
const COLORS: Record<ProbeKind, string> = { startup: '#8b949e', readiness: '#3fb950', liveness: '#58a6ff' };

const SERIES: ChartSeries[] = KINDS.flatMap((k) => [
  { label: `${k} ms`, color: COLORS[k], points: true },
  { label: `${k} failed`, color: '#f85149', markersOnly: true },
]);

export function Health({ id, detail }: { id: string; detail: DeploymentDetail | null }) {
  const { probes } = useStore(liveStore(id));
  const summary = useStore(deploymentsStore)[id];
  const now = useNow(1000);
  const data = useMemo(() => probeChartData(probes, KINDS) as never, [probes]);
  const p = detail?.plan?.probes;
  const readyFail = failingSince(probes, 'readiness');
  const liveFail = failingSince(probes, 'liveness');
  const startedAt = summary && ['starting', 'waiting_for_startup'].includes(summary.state.name) ? summary.state.since : null;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="hc-h">
        <div className="row between">
          <h2 id="hc-h">Probe latency</h2>
          <span className="muted">{probes.length} probes · period {p ? formatDuration(p.periodMs) : '—'}</span>
        </div>
        {probes.length === 0 ? <p className="empty">No probes yet. They begin when the container starts.</p> : (
          <Chart data={data} series={SERIES} height={220} ariaLabel="Readiness and liveness probe history" yLabel="ms" />
        )}
      </section>
      <div className="grid3">
        <ProbeCard title="Startup" last={lastProbe(probes, 'startup')} path={p?.readinessPath}
          detail={p ? `Threshold ${p.startupThresholdS}s` : ''}
          countdown={startedAt && p ? `Gives up in ${formatDuration(secondsLeft(startedAt, p.startupThresholdS, now)! * 1000)}` : null} />
        <ProbeCard title="Readiness" last={lastProbe(probes, 'readiness')} path={p?.readinessPath}
          detail={p ? `Traffic stops after ${p.stopTrafficThresholdS}s failing` : ''}
          countdown={p && readyFail !== null ? `Failing for ${formatDuration(now - readyFail)} · traffic stops in ${formatDuration(secondsLeft(readyFail, p.stopTrafficThresholdS, now)! * 1000)}` : null} />
        <ProbeCard title="Liveness" last={lastProbe(probes, 'liveness')} path={p?.livenessPath}
          detail={p ? `Restart after ${p.restartThresholdS}s failing` : ''}
          countdown={p && liveFail !== null ? `Failing for ${formatDuration(now - liveFail)} · restart in ${formatDuration(secondsLeft(liveFail, p.restartThresholdS, now)! * 1000)}` : null} />
      </div>
    </div>
  );
}

function ProbeCard({ title, last, path, detail, countdown }: { title: string; last: ProbeResult | null; path?: string; detail: string; countdown: string | null }) {
  return (
    <section className="card probe-card" aria-label={`${title} probe`}>
      <div className="row between">
        <h3>{title}</h3>
        {last ? <span className={`badge tone-${last.ok ? 'ok' : 'bad'}`}><span className="dot" />{last.ok ? 'passing' : 'failing'}</span> : <span className="badge tone-idle"><span className="dot" />no data</span>}
      </div>
      {path && <div className="mono sub">GET {path}</div>}
      {last && <div className="sub">{formatTime(last.time)} · {last.status ?? 'no response'} · {Math.round(last.latencyMs)} ms{last.error ? ` · ${last.error}` : ''}</div>}
      <div className="sub">{detail}</div>
      {countdown && <div className="warn-text" role="timer">{countdown}</div>}
    </section>
  );
}
