// Events received per source (cdc_stats.per_source).
import type { CdcStatsData } from '../../../src/contracts/api.ts';
import { BarList } from './BarList.tsx';
import { Panel } from './Panel.tsx';

export function SourcesPanel({ stats }: { stats: CdcStatsData | null }) {
  const items = Object.entries(stats?.per_source ?? {})
    .map(([label, count]) => ({ label, count: typeof count === 'number' ? count : Number(count) || 0 }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return (
    <Panel title="Events per source" testId="panel-sources">
      <BarList items={items} testId="per-source" empty="No events from any source yet." />
    </Panel>
  );
}
