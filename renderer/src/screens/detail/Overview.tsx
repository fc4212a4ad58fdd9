import type { DeploymentDetail, DeploymentProgress, DeploymentSummary, GatewayMetrics, RunPlan, WeightsEntry, WeightsProgress } from '../../api/contract.js';
import type { DeploymentStateName } from '../../../../shared/deployment.js';
import { endpointExamples, unservedRoutes } from '../../../../shared/routes.js';
import { useStore } from '../../lib/store.js';
import { liveStore } from '../../state/deployments.js';
import { formatBytes, formatDuration, formatTime, isRunningState, STATE_LABEL, stateTone } from '../../lib/format.js';
import { ProgressBar } from '../../components/ProgressBar.js';
import { fileFraction, progressFraction, shortPath, stageKind, stageProgress, STAGE_LABEL, weightsFraction } from '../../lib/progress.js';
import { CopyButton } from '../../components/CopyButton.js';
import { useNow } from '../../lib/useNow.js';
import { api } from '../../api/client.js';
import { useAction } from '../../components/useAction.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { upsertSummary } from '../../state/deployments.js';
import { engineStore } from '../../state/connection.js';
import { KubernetesExport } from '../../components/KubernetesExport.js';
import { MemoryFit } from './MemoryFit.js';

export function Overview({ summary, detail }: { summary: DeploymentSummary; detail: DeploymentDetail | null }) {
  const live = useStore(liveStore(summary.id));
  const engine = useStore(engineStore);
  const now = useNow(1000);
  const plan = detail?.plan ?? null;
  const st = summary.state;
  return (
    <div className="grid2 overview">
      <section className="card" aria-labelledby="state-h">
        <h2 id="state-h">State</h2>
        <div className="state-line">
          <span className={`big tone-${stateTone(st.name)}`} data-testid="state-name">{STATE_LABEL[st.name]}</span>
          <span className="muted">{now - st.since < 1000 ? ' just now' : ` for ${formatDuration(now - st.since)}`}</span>
        </div>
        <p className="reason" data-testid="state-reason">{st.reason}</p>
        {st.name === 'crash_loop' && st.nextRestartAt && (
          <p className="warn-text">Next restart in {formatDuration(Math.max(0, st.nextRestartAt - now))} (restarted {st.restartCount ?? 0}×)</p>
        )}
        <ProgressView progress={live.progress} stateName={st.name} fraction={st.progress} />
        {engine && !engine.up && (
          // The model cannot run while the engine is away: say why here too, next to the state.
          <div className="note bad" role="alert" data-testid="engine-note">
            <div className="note-body">
              <strong>The Docker engine is unavailable, so this model cannot run.</strong>
              <div className="hint">{engine.hint ?? engine.reason ?? 'Start Docker; Berth reconnects by itself.'}</div>
            </div>
          </div>
        )}
        {detail && detail.secrets.some((s) => !s.present) && (
          <div className="note warn" role="alert">
            <div className="note-body">
              <strong>Missing secrets: {detail.secrets.filter((s) => !s.present).map((s) => s.name).join(', ')}</strong>
              <div className="hint">Set them on the <a href="#/secrets">Secrets</a> screen before starting.</div>
            </div>
          </div>
        )}
        <h3>Timeline</h3>
        <ol className="timeline" aria-label="Timeline">
          {[...live.timeline].reverse().slice(0, 50).map((e, i) => (
            <li key={`${e.time}-${i}`}>
              <span className={`dot tone-${stateTone(e.state)}`} aria-hidden="true" />
              <span className="mono muted">{formatTime(e.time)}</span>
              <strong>{STATE_LABEL[e.state]}</strong>
              <span className="muted">{e.reason}</span>
            </li>
          ))}
          {live.timeline.length === 0 && <li className="muted">Nothing yet. Press Start to run this model.</li>}
        </ol>
      </section>
      <div className="stack">
        <Endpoints summary={summary} plan={plan} />
        <Traffic metrics={live.metrics.at(-1) ?? null} />
        <Resources summary={summary} plan={plan} />
        {/* A config planned without a GPU (CPU model, or an explicit CPU run) has nothing to fit. */}
        {!(plan && plan.gpu === null) && <MemoryFit id={summary.id} configKey={detail?.configText ?? null} />}
        <WeightsView plan={plan} />
        <PlanView detail={detail} />
        <KubernetesExport id={summary.id} modelName={summary.modelName} />
      </div>
    </div>
  );
}

function ProgressView({ progress, stateName, fraction }: { progress: DeploymentProgress | null; stateName: DeploymentStateName; fraction?: number }) {
  const kind = stageKind(stateName);
  if (!kind) return null;
  const p = stageProgress(stateName, progress);
  if (p?.kind === 'pull') {
    const pull = p.pull;
    return (
      <div className="progress-block" data-testid="pull-progress">
        <div className="row between"><span>Pulling <code>{pull.image}</code></span><span className="mono">{pull.bytesTotal ? `${formatBytes(pull.bytesDone)} / ${formatBytes(pull.bytesTotal)}` : ''}</span></div>
        <ProgressBar value={progressFraction(p)} label={`Pulling ${pull.image}`} />
        <div className="sub">{pull.layers.length} layer{pull.layers.length === 1 ? '' : 's'}{pull.digest ? ` · ${pull.digest}` : ''}</div>
      </div>
    );
  }
  if (p?.kind === 'build') {
    const b = p.build;
    return (
      <div className="progress-block" data-testid="build-progress">
        <div className="row between"><span>Building: {b.message}</span><span className="mono">step {b.step}/{b.steps}</span></div>
        <ProgressBar value={progressFraction(p)} label="Building image" />
        {b.line && <div className="sub mono ellipsis">{b.line}</div>}
      </div>
    );
  }
  if (p?.kind === 'weights') return <WeightsProgressView w={p.weights} />;
  return <div className="progress-block"><ProgressBar value={fraction ?? null} label={STAGE_LABEL[kind]} /></div>;
}

function WeightsProgressView({ w }: { w: WeightsProgress }) {
  const f = weightsFraction(w);
  const left = w.totalBytes - w.doneBytes;
  const eta = left <= 0 ? 'done' : w.etaS !== null ? `${formatDuration(w.etaS * 1000)} left` : 'time left unknown';
  return (
    <div className="progress-block" data-testid="weights-progress">
      <div className="row between">
        <span>Fetching weights</span>
        <span className="mono" data-testid="weights-bytes">{formatBytes(w.doneBytes)} / {formatBytes(w.totalBytes)} · {Math.floor(f * 100)}%</span>
      </div>
      <ProgressBar value={f} label="Fetching weights" />
      <div className="weights-stats sub">
        <span data-testid="weights-rate"><span className="mono">{w.rate > 0 ? `${formatBytes(w.rate)}/s` : '—'}</span></span>
        <span data-testid="weights-eta">{eta}</span>
        <span data-testid="weights-files"><span className="mono">{w.filesDone}/{w.filesTotal}</span> files</span>
        <span data-testid="weights-cached">{w.filesCached} already cached</span>
      </div>
      {w.active.length > 0 && (
        <ul className="weights-active" aria-label="Files in flight">
          {w.active.map((a) => (
            <li key={`${a.repo}/${a.path}`}>
              <span className="mono ellipsis" title={`${a.repo}/${a.path}`}>{shortPath(a.path)}</span>
              <ProgressBar value={fileFraction(a)} label={`Downloading ${a.path}`} />
              <span className="mono num">{formatBytes(a.done)} / {formatBytes(a.size)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The plan's model_cache / weights entries: what is fetched before the container starts. */
function WeightsView({ plan }: { plan: RunPlan | null }) {
  if (!plan || plan.weights.length === 0) return null;
  return (
    <section className="card" aria-labelledby="weights-h">
      <div className="row between"><h2 id="weights-h">Weights</h2><a className="sub" href="#/weights">Cache</a></div>
      <ul className="weights-entries" aria-label="Weights entries">
        {plan.weights.map((e) => <WeightsEntryRow key={`${e.key}-${e.index}`} e={e} />)}
      </ul>
      <p className="sub weights-note">Fetched into the host's Hugging Face cache before the container starts; files already there are not downloaded again.</p>
    </section>
  );
}

function WeightsEntryRow({ e }: { e: WeightsEntry }) {
  const patterns = e.allowPatterns.length > 0 || e.ignorePatterns.length > 0;
  return (
    <li data-testid="weights-entry">
      <div className="row between">
        <code className="ellipsis grow" title={`${e.repoId}@${e.revision}`}><strong>{e.repoId}</strong>@{e.revision}</code>
        <span className="sub mono">{e.key}[{e.index}]</span>
      </div>
      <ul className="kv">
        <li><span className="k">In the container</span>{e.target ? <code className="v ellipsis" title={e.target}>{e.target}</code> : <span className="v muted">Hugging Face cache only</span>}</li>
        {patterns && (
          <li>
            <span className="k">Patterns ({e.dialect === 'glob' ? 'globs' : 'truss rules'})</span>
            <span className="v patterns">
              {e.allowPatterns.map((p) => <code key={`a-${p}`} className="chip">{p}</code>)}
              {e.ignorePatterns.map((p) => <code key={`i-${p}`} className="chip ignore" title="ignored">not {p}</code>)}
            </span>
          </li>
        )}
        <li><span className="k">Secret</span>{e.secretName ? <code className="v">{e.secretName}</code> : <span className="v muted">none (anonymous)</span>}</li>
      </ul>
    </li>
  );
}

function Endpoints({ summary, plan }: { summary: DeploymentSummary; plan: RunPlan | null }) {
  const base = summary.gatewayUrl;
  // From the one route table (shared/routes.ts), like the gateway's router and `berth plan`.
  const gw = plan?.gateway ?? { predictEndpoint: '/', transport: 'http' as const };
  const routes = base ? endpointExamples(base, gw).map((e) => ({ label: e.label, url: e.url.replace(/<path>$/, '') })) : [];
  const unserved = plan ? unservedRoutes(plan.gateway) : [];
  return (
    <section className="card" aria-labelledby="ep-h">
      <h2 id="ep-h">Endpoints</h2>
      {!base ? <p className="muted">The local endpoint appears when the model runs.</p> : (
        <ul className="kv">
          {routes.map((r) => (
            <li key={r.label}><span className="k">{r.label}</span><code className="v ellipsis">{r.url}</code><CopyButton text={r.url} label={`Copy ${r.label} URL`} small /></li>
          ))}
        </ul>
      )}
      {base && unserved.length > 0 && <p className="sub">Not served locally: {unserved.map((u, i) => <span key={u}>{i ? '; ' : ''}<code>{u}</code></span>)}</p>}
      {plan && <p className="sub">Server: <code>{plan.gateway.predictEndpoint}</code> on port {plan.serverPort} · transport {plan.gateway.transport} · concurrency {plan.predictConcurrency}</p>}
    </section>
  );
}

function Traffic({ metrics }: { metrics: GatewayMetrics | null }) {
  if (!metrics) return null;
  const total = Object.values(metrics.requests).reduce((a, b) => a + b, 0);
  const errors = Object.entries(metrics.requests).filter(([k]) => /^[45]/.test(k)).reduce((a, [, v]) => a + v, 0);
  return (
    <section className="card" aria-labelledby="traffic-h">
      <h2 id="traffic-h">Traffic</h2>
      <div className="grid4 metrics-row">
        <div><div className="k">Requests</div><div className="v">{total.toLocaleString()}{errors ? <span className="bad-text sub"> · {errors} errors</span> : null}</div></div>
        <div><div className="k">In flight / queued</div><div className="v">{metrics.inFlight} / {metrics.queueDepth}</div></div>
        <div><div className="k">Latency p50 / p99</div><div className="v">{metrics.latencyMs ? `${formatDuration(metrics.latencyMs.p50)} / ${formatDuration(metrics.latencyMs.p99)}` : '—'}</div></div>
        <div><div className="k">Tokens/s</div><div className="v">{metrics.tokensPerSecond !== null ? metrics.tokensPerSecond.toFixed(1) : '—'}</div></div>
      </div>
    </section>
  );
}

function RepullButton({ summary }: { summary: DeploymentSummary }) {
  const { busy, error, setError, run } = useAction();
  const running = isRunningState(summary.state.name);
  return (
    <>
      <button type="button" className="btn sm" disabled={busy || running} title={running ? 'Stop the model first' : 'Pull the tag again, then start'}
        onClick={() => run(async () => upsertSummary(await api.deployments.start({ id: summary.id, repull: true })))}>Re-pull &amp; start</button>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </>
  );
}

function Resources({ summary, plan }: { summary: DeploymentSummary; plan: RunPlan | null }) {
  return (
    <section className="card" aria-labelledby="res-h">
      <h2 id="res-h">Resources</h2>
      <ul className="kv">
        <li><span className="k">Image</span><code className="v ellipsis" title={summary.image}>{summary.image}</code>{plan?.movingTag && <RepullButton summary={summary} />}</li>
        {summary.imageDigest && <li><span className="k">Digest</span><code className="v ellipsis">{summary.imageDigest}</code></li>}
        <li><span className="k">GPU</span><span className="v">{!plan ? 'not planned (fix the errors above)' : plan.gpu ? `${plan.gpu.count} × ${plan.gpu.accelerator ?? 'any'}` : 'none (CPU)'}{summary.gpuDeviceIds.length ? ` · devices ${summary.gpuDeviceIds.join(', ')}` : ''}</span></li>
        {plan && <li><span className="k">CPU</span><span className="v">{plan.nanoCpus ? `${plan.nanoCpus / 1e9} cores` : 'unlimited'}</span></li>}
        {plan && <li><span className="k">Memory</span><span className="v">{plan.memoryBytes ? formatBytes(plan.memoryBytes) : 'unlimited'} · shm {formatBytes(plan.shmSizeBytes)}</span></li>}
        {summary.containerId && <li><span className="k">Container</span><code className="v">{summary.containerId.slice(0, 12)}</code></li>}
      </ul>
      {plan && plan.warnings.length > 0 && (
        <ul className="warnings" aria-label="Plan warnings">{plan.warnings.map((w) => <li key={w} className="warn-text">⚠ {w}</li>)}</ul>
      )}
    </section>
  );
}

function PlanView({ detail }: { detail: DeploymentDetail | null }) {
  if (!detail) return null;
  return (
    <section className="card" aria-labelledby="plan-h">
      <div className="row between"><h2 id="plan-h">Run plan</h2>{detail.dockerRun && <CopyButton text={detail.dockerRun} label="Copy docker run" display="Copy docker run" small />}</div>
      {detail.dockerRun ? <pre className="code" data-testid="docker-run">{detail.dockerRun}</pre> : <p className="muted">Fix the config errors to see the plan.</p>}
      {detail.plan && (
        <details>
          <summary>Full plan (JSON)</summary>
          <pre className="code">{JSON.stringify(detail.plan, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}
