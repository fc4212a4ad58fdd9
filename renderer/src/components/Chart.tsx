// A small uPlot wrapper: data updates call setData without re-creating the plot.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries { label: string; color: string; points?: boolean; /** Draw markers only (no line), e.g. failures. */ markersOnly?: boolean }

export function Chart({ data, series, height = 160, yRange, ariaLabel, yLabel, xTime = true, xLabel, pointLabels }: {
  data: uPlot.AlignedData; series: ChartSeries[]; height?: number; yRange?: [number, number]; ariaLabel: string; yLabel?: string;
  /** false: x is a plain number (e.g. throughput), not time. */
  xTime?: boolean; xLabel?: string;
  /** A label per x index, drawn beside its highest point and shown with x in the legend (e.g. "c = 4"). */
  pointLabels?: string[];
}) {
  const labels = useRef(pointLabels);
  labels.current = pointLabels;
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = ref.current!;
    const css = getComputedStyle(document.documentElement);
    const axis = css.getPropertyValue('--fg-muted').trim() || '#888';
    const grid = css.getPropertyValue('--border').trim() || '#333';
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: xTime }, y: yRange ? { range: yRange } : { auto: true } },
      hooks: { draw: [(u) => drawPointLabels(u, labels.current, axis)] },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: xLabel },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: yLabel, size: 50 },
      ],
      // Series share one x axis, so each has gaps where another kind was sampled: span them.
      // Markers only: no path at all (a zero line width is ignored by canvas, which would keep drawing one).
      series: [
        labels.current ? { label: xLabel, value: (_u: uPlot, v: number | null, _si: number, idx: number | null) => (v === null ? '—' : `${+v.toFixed(2)}${idx !== null && labels.current?.[idx] ? ` (${labels.current[idx]})` : ''}`) } : {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.markersOnly ? 0 : 1.5, spanGaps: !s.markersOnly, ...(s.markersOnly ? { paths: () => null } : {}), points: { show: s.points ?? s.markersOnly ?? false, size: s.markersOnly ? 7 : 4, fill: s.color, stroke: s.color } })),
      ],
    };
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.current?.destroy(); plot.current = null; };
    // Re-create only when the series shape changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series.map((s) => s.label).join('|'), height]);

  useEffect(() => { plot.current?.setData(data); }, [data]);

  return <div className="chart" ref={ref} role="img" aria-label={ariaLabel} />;
}

function drawPointLabels(u: uPlot, labels: string[] | undefined, color: string): void {
  if (!labels) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.fillStyle = color;
  ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`;
  ctx.textBaseline = 'bottom';
  const xs = u.data[0];
  for (let i = 0; i < xs.length; i++) {
    if (!labels[i]) continue;
    const ys = u.data.slice(1).map((d) => d[i]).filter((v): v is number => typeof v === 'number');
    if (ys.length === 0) continue;
    ctx.fillText(labels[i], u.valToPos(xs[i], 'x', true) + 6 * devicePixelRatio, u.valToPos(Math.max(...ys), 'y', true) - 4 * devicePixelRatio);
  }
  ctx.restore();
}
