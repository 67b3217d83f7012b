// Headline numbers from the Gold layer: total tickets, open backlog, mean time to resolve.
import type { GoldState } from '../hooks/useGold.ts';
import { formatAge, formatDuration, formatInt, formatMoney } from '../lib/format.ts';
import { Panel } from './Panel.tsx';
import { Stat } from './Stat.tsx';

export function GoldKpis({ gold, now }: { gold: GoldState; now: number }) {
  const k = gold.kpis;
  return (
    <Panel title="Gold KPIs" wide testId="panel-kpis" actions={<span className="muted small-text">updated {formatAge(gold.fetchedAt, now)}</span>}>
      <div className="stats-row kpis">
        <Stat label="total tickets" value={formatInt(k.totalTickets)} testId="kpi-total-tickets" />
        <Stat
          label="open backlog"
          value={formatInt(k.openBacklog)}
          testId="kpi-open-backlog"
          hint={k.openEstimatedCost !== null ? `est. cost ${formatMoney(k.openEstimatedCost)}` : undefined}
        />
        <Stat
          label="mean time to resolve"
          value={k.mttrSec === null ? '–' : formatDuration(k.mttrSec * 1000)}
          testId="kpi-mttr"
          hint={k.resolvedTickets !== null ? `${formatInt(k.resolvedTickets)} resolved` : undefined}
        />
      </div>
      {gold.error ? <p className="error-text">Gold: {gold.error}</p> : null}
      {gold.loaded.size === 0 && !gold.error ? <p className="muted small-text">Waiting for the first Gold refresh…</p> : null}
    </Panel>
  );
}
