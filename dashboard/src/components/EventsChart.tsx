// The live events-per-second line, fed by cdc_stats. Gaps (lost connection) are null points, drawn
// as breaks: the chart never interpolates across time the page did not see.
import { useCallback } from 'react';
import type uPlot from 'uplot';
import { clockTicks, cssVar, themedAxes, UplotChart, xRange } from './UplotChart.tsx';

interface Props {
  columns: [number[], Array<number | null>];
  theme: string;
}

export function EventsChart({ columns, theme }: Props) {
  const options = useCallback((width: number): uPlot.Options => {
    const accent = cssVar('--accent') || '#2f7de1';
    const axes = themedAxes();
    return {
      width,
      height: 180,
      padding: [8, 8, 0, 0],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      // At least a two-minute window, so a fresh page does not stretch a few seconds across the chart.
      scales: { x: { time: true, range: (u) => xRange(u.data[0], 0, 120) }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      series: [
        {},
        { label: 'events/s', stroke: accent, fill: cssVar('--accent-fill') || 'rgba(47,125,225,0.15)', width: 2, spanGaps: false, points: { show: false } },
      ],
      axes: [
        { ...axes, values: clockTicks(true), space: 70 },
        { ...axes, size: 44 },
      ],
    };
  }, []);
  const points = columns[1].filter((v) => v !== null).length;
  const last = columns[1].length ? columns[1][columns[1].length - 1] : null;
  return (
    <UplotChart
      options={options}
      data={columns}
      rebuildKey={theme}
      testId="events-chart"
      ariaLabel="Events per second over time"
      extraAttributes={{ 'data-points': points, 'data-last': last === null ? '' : last }}
    />
  );
}
