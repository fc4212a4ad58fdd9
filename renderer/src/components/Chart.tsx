// A small uPlot wrapper: data updates call setData without re-creating the plot.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries { label: string; color: string; points?: boolean; /** Draw markers only (no line), e.g. failures. */ markersOnly?: boolean }

export function Chart({ data, series, height = 160, yRange, ariaLabel, yLabel, xTime = true, xLabel }: {
  data: uPlot.AlignedData; series: ChartSeries[]; height?: number; yRange?: [number, number]; ariaLabel: string; yLabel?: string;
  /** false: x is a plain number (e.g. throughput), not time. */
  xTime?: boolean; xLabel?: string;
}) {
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
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: xLabel },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: yLabel, size: 50 },
      ],
      // Series share one x axis, so each has gaps where another kind was sampled: span them.
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.markersOnly ? 0 : 1.5, spanGaps: !s.markersOnly, points: { show: s.points ?? s.markersOnly ?? false, size: s.markersOnly ? 7 : 4, fill: s.color, stroke: s.color } }))],
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
