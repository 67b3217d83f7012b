// The lakehouse worker: batch counts (health), the last batch (lakehouse_update) and freshness.
import type { HealthResponse, LakehouseUpdateData } from '../../../src/contracts/api.ts';
import { formatAge, formatDuration, formatInt } from '../lib/format.ts';
import { toEpochMs } from '../lib/numbers.ts';
import { Panel } from './Panel.tsx';
import { Stat } from './Stat.tsx';

interface Props {
  health: HealthResponse | null;
  update: LakehouseUpdateData | null;
  now: number;
}

export function LakehousePanel({ health, update, now }: Props) {
  const c = health?.counters;
  const lastAt = toEpochMs(update?.batch_at ?? c?.last_batch_at ?? null);
  const fresh = update?.freshness_ms;
  return (
    <Panel title="Lakehouse" testId="panel-lakehouse">
      <div className="stats-grid">
        <Stat label="batches ok" value={formatInt(c?.batches_ok)} testId="batches-ok" tone="ok" />
        <Stat label="batches failed" value={formatInt(c?.batches_failed)} testId="batches-failed" tone={c && c.batches_failed > 0 ? 'bad' : undefined} />
        <Stat label="last batch" value={formatAge(lastAt, now)} testId="last-batch-at" hint={update ? `${formatInt(update.batch_size)} events` : undefined} />
        <Stat
          label="processed"
          value={formatInt(update?.processed)}
          testId="last-batch-processed"
          hint={update && update.failed > 0 ? `${formatInt(update.failed)} failed` : 'in last batch'}
        />
        <Stat
          label="freshness"
          value={fresh ? formatDuration(fresh.max) : '–'}
          testId="freshness"
          hint={fresh ? `newest ${formatDuration(fresh.min)}` : 'source commit → Silver'}
        />
      </div>
      {update?.summary ? (
        <p className="muted small-text summary" data-testid="last-batch-summary">
          {update.summary}
        </p>
      ) : null}
      {update && Object.keys(update.versions).length > 0 ? (
        <details className="versions">
          <summary>Table versions</summary>
          <ul className="kv">
            {Object.entries(update.versions).map(([k, v]) => (
              <li key={k}>
                <span>{k}</span>
                <span>{formatInt(v)}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </Panel>
  );
}
