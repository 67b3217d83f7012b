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

/** Axis styling shared by the charts, from the theme's CSS variables. */
export function themedAxes(): Pick<uPlot.Axis, 'stroke' | 'grid' | 'ticks' | 'font'> {
  const muted = cssVar('--muted') || '#667';
  const grid = cssVar('--grid') || '#ddd';
  return { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
}
