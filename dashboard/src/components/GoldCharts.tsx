// Gold breakdowns: tickets by status, by priority, by source and per minute.
import type { GoldState } from '../hooks/useGold.ts';
import { BarList } from './BarList.tsx';
import { Panel } from './Panel.tsx';
import { PerMinuteChart } from './PerMinuteChart.tsx';

export function GoldCharts({ gold, theme }: { gold: GoldState; theme: string }) {
  const v = gold.view;
  return (
    <>
      <Panel title="Tickets by status" testId="panel-by-status">
        <BarList items={v.byStatus} testId="chart-by-status" />
      </Panel>
      <Panel title="Tickets by priority" testId="panel-by-priority">
        <BarList items={v.byPriority} testId="chart-by-priority" />
      </Panel>
      <Panel title="Tickets by source" testId="panel-by-source">
        <BarList items={v.bySource.map((s) => ({ label: `${s.source} (${s.open ?? '–'} open)`, count: s.tickets ?? 0 }))} testId="chart-by-source" />
      </Panel>
      <Panel title="Created / resolved per minute" wide testId="panel-per-minute">
        <PerMinuteChart rows={v.perMinute} theme={theme} />
      </Panel>
    </>
  );
}
