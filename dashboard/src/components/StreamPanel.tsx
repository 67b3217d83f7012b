// Live CDC stream: totals received and dropped, the current events/s and its chart.
import type { CdcStatsData } from '../../../src/contracts/api.ts';
import { formatInt, formatRate } from '../lib/format.ts';
import { EventsChart } from './EventsChart.tsx';
import { Panel } from './Panel.tsx';
import { Stat } from './Stat.tsx';

interface Props {
  stats: CdcStatsData | null;
  columns: [number[], Array<number | null>];
  theme: string;
}

export function StreamPanel({ stats, columns, theme }: Props) {
  return (
    <Panel title="CDC stream" wide testId="panel-stream">
      <div className="stats-row">
        <Stat label="events/s" value={formatRate(stats?.events_per_sec)} testId="events-per-sec" />
        <Stat label="received" value={formatInt(stats?.total_received)} testId="events-received" />
        <Stat label="dropped" value={formatInt(stats?.total_dropped)} testId="events-dropped" tone={stats && stats.total_dropped > 0 ? 'warn' : undefined} />
      </div>
      <EventsChart columns={columns} theme={theme} />
    </Panel>
  );
}
