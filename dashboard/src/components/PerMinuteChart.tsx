// Tickets created and resolved per minute (gold.tickets_per_minute), as paired bars.
import { useCallback, useMemo } from 'react';
import uPlot from 'uplot';
import type { MinuteRow } from '../lib/gold.ts';
import { clockTicks, cssVar, themedAxes, UplotChart, xRange } from './UplotChart.tsx';

interface Props {
  rows: MinuteRow[];
  theme: string;
  /** Show at most the newest N minutes. */
  window?: number;
}

export function PerMinuteChart({ rows, theme, window = 60 }: Props) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const recent = rows.slice(-window);
    return [recent.map((r) => r.minute / 1000), recent.map((r) => r.created), recent.map((r) => r.resolved)];
  }, [rows, window]);

  const options = useCallback((width: number): uPlot.Options => {
    const axes = themedAxes();
    const bars = uPlot.paths.bars;
    return {
      width,
      height: 180,
      padding: [8, 8, 0, 0],
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      // Half a minute of room each side, so the first and last pairs of bars are not cut.
      scales: { x: { time: true, range: (u) => xRange(u.data[0], 40, 0) }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      series: [
        {},
        { label: 'created', stroke: cssVar('--accent'), fill: cssVar('--accent'), paths: bars?.({ size: [0.4, 24], align: -1 }), points: { show: false } },
        { label: 'resolved', stroke: cssVar('--ok'), fill: cssVar('--ok'), paths: bars?.({ size: [0.4, 24], align: 1 }), points: { show: false } },
      ],
      // Whole minutes only: HH:MM labels never repeat.
      axes: [
        { ...axes, values: clockTicks(false), space: 50, incrs: [60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400] },
        { ...axes, size: 40 },
      ],
    };
  }, []);

  if (rows.length === 0) return <p className="muted empty">No tickets per minute yet.</p>;
  return <UplotChart options={options} data={data} rebuildKey={theme} testId="chart-per-minute" ariaLabel="Tickets created and resolved per minute" />;
}
