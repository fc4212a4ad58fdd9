import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client.js';
import type { BerthErrorShape, GpuInfo, GpuSample } from '../api/contract.js';
import { asErrorShape } from '../api/errors.js';
import { useStore } from '../lib/store.js';
import { gpuReportStore, gpuSamplesStore } from '../state/gpu.js';
import { deploymentsStore } from '../state/deployments.js';
import { Chart, type ChartSeries } from '../components/Chart.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { ProgressBar } from '../components/ProgressBar.js';

const UTIL_SERIES: ChartSeries[] = [{ label: 'Utilisation %', color: '#3fb950' }, { label: 'Memory %', color: '#58a6ff' }];
const TEMP_SERIES: ChartSeries[] = [{ label: 'Temperature °C', color: '#d29922' }];

export function Gpus() {
  const report = useStore(gpuReportStore);
  const [error, setError] = useState<BerthErrorShape | null>(null);
  const [loading, setLoading] = useState(false);
  const load = async (refresh = false) => {
    setLoading(true);
    try { gpuReportStore.set(await api.gpus.report(refresh ? { refresh: true } : undefined)); setError(null); } catch (err) { setError(asErrorShape(err)); } finally { setLoading(false); }
  };
  useEffect(() => { void load(); }, []);
  const cap = report?.capabilities;
  return (
    <div className="screen">
      <header className="screen-head">
        <h1 className="grow">GPUs</h1>
        {report && <span className="muted">Driver {report.driverVersion ?? '—'} · CUDA {report.cudaVersion ?? '—'}</span>}
        <button type="button" className="btn sm" onClick={() => load(true)} disabled={loading}>{loading ? 'Checking…' : 'Re-check'}</button>
      </header>
      <ErrorNote error={error} />
      {!report && !error && <p className="muted">Detecting GPUs…</p>}
      {report && report.gpus.length === 0 && (
        <section className="card panel-empty" role="status" data-testid="no-gpu-panel">
          <h2>No NVIDIA GPU found</h2>
          <p>{report.notFoundReason ?? 'nvidia-smi reported no devices.'}</p>
          <p className="hint">Install the NVIDIA driver so <code>nvidia-smi</code> works, then press Re-check. Models without an accelerator still run on the CPU.</p>
        </section>
      )}
      {cap && !cap.usable && (
        <section className="card panel-empty" role="status" data-testid="no-toolkit-panel">
          <h2>Containers cannot use GPUs yet</h2>
          <p>{cap.reason ?? 'The Docker engine has no NVIDIA runtime or CDI devices.'}</p>
          <p className="hint">{cap.hint ?? 'Install the NVIDIA Container Toolkit and run `sudo nvidia-ctk runtime configure --runtime=docker`, then restart Docker.'}</p>
        </section>
      )}
      {report && report.gpus.length > 0 && (
        <div className="stack">{report.gpus.map((g) => <GpuCard key={g.uuid} gpu={g} />)}</div>
      )}
    </div>
  );
}

function GpuCard({ gpu }: { gpu: GpuInfo }) {
  const samples = useStore(gpuSamplesStore);
  const deployments = Object.values(useStore(deploymentsStore));
  const holders = deployments.filter((d) => d.gpuDeviceIds.includes(String(gpu.index)) || d.gpuDeviceIds.includes(gpu.uuid));
  const latest = latestFor(samples, gpu.index) ?? gpu;
  const data = useMemo(() => {
    const xs: number[] = [], util: Array<number | null> = [], mem: Array<number | null> = [], temp: Array<number | null> = [];
    for (const s of samples) {
      const g = s.gpus.find((x) => x.index === gpu.index);
      if (!g) continue;
      xs.push(s.time / 1000);
      util.push(g.utilizationPct);
      mem.push(gpu.memoryTotalMiB ? (g.memoryUsedMiB / gpu.memoryTotalMiB) * 100 : null);
      temp.push(g.temperatureC);
    }
    return { util: [xs, util, mem] as never, temp: [xs, temp] as never, n: xs.length };
  }, [samples, gpu.index, gpu.memoryTotalMiB]);
  const memFrac = gpu.memoryTotalMiB ? latest.memoryUsedMiB / gpu.memoryTotalMiB : 0;
  return (
    <section className="card gpu" aria-label={`GPU ${gpu.index}: ${gpu.name}`}>
      <div className="row between">
        <h2>GPU {gpu.index} · {gpu.name}</h2>
        <span className="mono sub">{gpu.uuid}</span>
      </div>
      <div className="grid4 metrics">
        <div><div className="k">Memory</div><div className="v">{(latest.memoryUsedMiB / 1024).toFixed(1)} / {(gpu.memoryTotalMiB / 1024).toFixed(1)} GiB</div><ProgressBar value={memFrac} label={`GPU ${gpu.index} memory`} /></div>
        <div><div className="k">Utilisation</div><div className="v">{latest.utilizationPct ?? '—'}%</div></div>
        <div><div className="k">Temperature</div><div className="v">{latest.temperatureC ?? '—'} °C</div></div>
        <div><div className="k">Held by</div><div className="v">{holders.length ? holders.map((d) => <a key={d.id} href={`#/d/${encodeURIComponent(d.id)}/overview`}>{d.modelName}</a>) : <span className="muted">free</span>}</div></div>
      </div>
      {data.n > 1 ? (
        <div className="grid2">
          <Chart data={data.util} series={UTIL_SERIES} height={140} yRange={[0, 100]} ariaLabel={`GPU ${gpu.index} utilisation and memory`} />
          <Chart data={data.temp} series={TEMP_SERIES} height={140} ariaLabel={`GPU ${gpu.index} temperature`} />
        </div>
      ) : <p className="muted sub">Live charts fill in as samples arrive.</p>}
    </section>
  );
}

function latestFor(samples: GpuSample[], index: number) {
  for (let i = samples.length - 1; i >= 0; i--) {
    const g = samples[i].gpus.find((x) => x.index === index);
    if (g) return g;
  }
  return null;
}
