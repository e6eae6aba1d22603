/**
 * A small time-series chart (uPlot: a few kB, canvas, fast at thousands of points) for the status
 * and version timelines. Rebuilt when the series set changes; data updates reuse the plot.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useUi } from '../../stores/ui';

export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
}

export function TimelineChart({ title, times, series, height = 160 }: { title: string; times: number[]; series: ChartSeries[]; height?: number }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const shapeKey = series.map((s) => `${s.label}:${s.color}`).join('|');
  // Axis and grid colours come from the theme: a theme switch redraws the plot.
  const theme = useUi((s) => s.theme);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    // The theme's colours by name: the page's CSS variables switch in the shell's effect, after this one runs.
    const axisColor = theme === 'dark' ? '#9aa4b2' : '#667085';
    const grid = theme === 'dark' ? '#2b3342' : '#e4e7ec';
    const plot = new uPlot(
      {
        width: Math.max(240, host.clientWidth),
        height,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [
          // One short label per tick (uPlot's default stacks a date line under each, which overlaps in a narrow chart).
          {
            stroke: axisColor,
            grid: { stroke: grid, width: 0.5 },
            ticks: { stroke: grid, width: 0.5 },
            space: 70,
            values: (_u, splits) => splits.map((s) => timeLabel(s * 1000, splits)),
          },
          { stroke: axisColor, grid: { stroke: grid, width: 0.5 }, ticks: { stroke: grid, width: 0.5 }, size: 40 },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22`, points: { show: false } }))],
      },
      [times.map((t) => t / 1000), ...series.map((s) => s.values)],
      host,
    );
    plotRef.current = plot;
    // A render counter the benchmark waits on (how long a new window takes to draw).
    host.dataset.renders = String(Number(host.dataset.renders ?? 0) + 1);
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => plot.setSize({ width: Math.max(240, host.clientWidth), height }));
    observer?.observe(host);
    return () => {
      observer?.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // Data changes are applied below without rebuilding the plot.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shapeKey, height, theme]);

  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    plot.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)]);
    const host = hostRef.current;
    if (host) host.dataset.renders = String(Number(host.dataset.renders ?? 0) + 1);
  }, [times, series]);

  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={hostRef} className="chart-host" role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${s.values.at(-1) ?? 0}`).join(', ')}`} />
    </figure>
  );
}

function timeLabel(ms: number, splits: number[]): string {
  const span = ((splits.at(-1) ?? 0) - (splits[0] ?? 0)) * 1000;
  const date = new Date(ms);
  if (span > 2 * 86_400_000) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(span < 600_000 ? { second: '2-digit' } : {}) });
}
