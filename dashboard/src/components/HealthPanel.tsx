// Service health: worker states, feed, clients, lag, uptime and the active knobs (health.knobs).
import type { HealthResponse } from '../../../src/contracts/api.ts';
import { formatAge, formatDuration, formatInt } from '../lib/format.ts';
import { Panel } from './Panel.tsx';

function Flag({ ok, label, testId }: { ok: boolean; label: string; testId: string }) {
  return (
    <li className={ok ? 'flag ok' : 'flag bad'} data-testid={testId} data-ok={ok}>
      <span className="dot" aria-hidden="true" />
      {label}: {ok ? 'yes' : 'no'}
    </li>
  );
}

interface Props {
  health: HealthResponse | null;
  fetchedAt: number | null;
  error: string | null;
  now: number;
}

export function HealthPanel({ health, fetchedAt, error, now }: Props) {
  return (
    <Panel
      title="Health"
      testId="panel-health"
      actions={
        health ? (
          <span className={`badge status-${health.status}`} data-testid="health-status">
            {health.status}
          </span>
        ) : null
      }
    >
      {error ? (
        <p className="error-text">
          Health check failed: {error}
          {health ? ' (showing the last answer)' : ''}
        </p>
      ) : null}
      {!health ? (
        <p className="muted">Waiting for /api/health…</p>
      ) : (
        <>
          <div className={error ? 'stale' : undefined}>
            <ul className="flags">
              <Flag ok={health.ui_consumer_alive} label="UI consumer alive" testId="health-ui-consumer" />
              <Flag ok={health.lakehouse_alive} label="lakehouse alive" testId="health-lakehouse-alive" />
              <Flag ok={health.lakehouse_running} label="lakehouse running" testId="health-lakehouse-running" />
            </ul>
            <ul className="kv">
              <li>
                <span>feed</span>
                <span>{health.feed}</span>
              </li>
              <li>
                <span>SSE clients</span>
                <span>{formatInt(health.clients)}</span>
              </li>
              <li>
                <span>uptime</span>
                <span>{formatDuration(health.uptime_sec * 1000)}</span>
              </li>
              <li>
                <span>decode errors</span>
                <span>{formatInt(health.counters.decode_errors)}</span>
              </li>
              <li>
                <span>redelivered, skipped</span>
                <span>{formatInt(health.counters.events_redelivered ?? 0)}</span>
              </li>
              <li>
                <span>checked</span>
                <span>{formatAge(fetchedAt, now)}</span>
              </li>
            </ul>
            {(health.warnings ?? []).length > 0 ? (
              <ul className="warnings" data-testid="health-warnings">
                {health.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            ) : null}
            {health.lag.length > 0 ? (
              <details>
                <summary>Lag ({formatInt(health.lag.reduce((a, l) => a + l.lag, 0))} behind)</summary>
                <ul className="kv">
                  {health.lag.map((l) => (
                    <li key={`${l.stream}/${l.partition}`}>
                      <span>
                        {l.stream} [{l.partition}]
                      </span>
                      <span>{formatInt(l.lag)}</span>
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
            <details data-testid="health-knobs">
              <summary>Knobs ({Object.keys(health.knobs).length})</summary>
              <ul className="kv knobs">
                {Object.entries(health.knobs)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([k, v]) => (
                    <li key={k}>
                      <span>{k}</span>
                      <span>{String(v)}</span>
                    </li>
                  ))}
              </ul>
            </details>
          </div>
        </>
      )}
    </Panel>
  );
}
