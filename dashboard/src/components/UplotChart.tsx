// A thin React owner for one uPlot instance: builds it when the rebuild key changes (theme, series
// layout), feeds it new data without rebuilding, and follows its container's width.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface Props {
  /** Builds the options for a width; called on (re)build only. */
  options: (width: number) => uPlot.Options;
  data: uPlot.AlignedData;
  /** Rebuild the chart when this changes (e.g. the theme). */
  rebuildKey: string;
  className?: string;
  testId?: string;
  ariaLabel: string;
  extraAttributes?: Record<string, string | number>;
}

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function UplotChart({ options, data, rebuildKey, className, testId, ariaLabel, extraAttributes }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef({ options, data });
  latest.current = { options, data };

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const u = new uPlot(latest.current.options(width), latest.current.data, el);
    chart.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: u.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [rebuildKey]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return <div ref={container} className={className ?? 'chart'} data-testid={testId} role="img" aria-label={ariaLabel} {...extraAttributes} />;
}

/**
 * The x range from the data itself (uPlot's own guess for one or two points can span years):
 * `pad` seconds each side, and at least `minSpan` seconds ending at the newest point.
 */
export function xRange(xs: ArrayLike<number>, pad: number, minSpan: number): uPlot.Range.MinMax {
  if (xs.length === 0) {
    const now = Date.now() / 1000;
    return [now - Math.max(minSpan, 60), now];
  }
  const lo = xs[0];
  const hi = xs[xs.length - 1];
  return [Math.min(lo, hi - minSpan) - pad, hi + pad];
}

/** Time-axis labels as local clock times ("08:01:02", or "08:01" with seconds off). */
export function clockTicks(withSeconds: boolean): (u: uPlot, splits: number[]) => string[] {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (_u, splits) =>
    splits.map((s) => {
      const d = new Date(s * 1000);
      return `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`;
    });
}

/** Axis styling shared by the charts, from the theme's CSS variables. */
export function themedAxes(): Pick<uPlot.Axis, 'stroke' | 'grid' | 'ticks' | 'font'> {
  const muted = cssVar('--muted') || '#667';
  const grid = cssVar('--grid') || '#ddd';
  return { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
}
