// The dashboard: one SSE stream and a few REST polls feed the panels. State that several panels
// share lives here; each panel is a component of its own and the logic sits in lib/.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { CdcStatsData, LakehouseUpdateData, SseEnvelope } from '../../src/contracts/api.ts';
import { ConnectionBadge } from './components/ConnectionBadge.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { GapNotice } from './components/GapNotice.tsx';
import { BarList } from './components/BarList.tsx';
import { GoldKpis } from './components/GoldKpis.tsx';
import { HealthPanel } from './components/HealthPanel.tsx';
import { LakehousePanel } from './components/LakehousePanel.tsx';
import { Panel } from './components/Panel.tsx';
import { PerMinuteChart } from './components/PerMinuteChart.tsx';
import { RawFeed } from './components/RawFeed.tsx';
import { SourcesPanel } from './components/SourcesPanel.tsx';
import { StreamPanel } from './components/StreamPanel.tsx';
import { TableBrowser } from './components/TableBrowser.tsx';
import { ThemeToggle } from './components/ThemeToggle.tsx';
import { useEventStream } from './hooks/useEventStream.ts';
import { useGold } from './hooks/useGold.ts';
import { useHealth } from './hooks/useHealth.ts';
import { useNow } from './hooks/useNow.ts';
import { useTheme } from './hooks/useTheme.ts';
import { createApi } from './lib/api-client.ts';
import { staleAfterMs } from './lib/connection.ts';
import { bannerReducer } from './lib/error-banner.ts';
import { toEpochMs } from './lib/numbers.ts';
import { RateSeries } from './lib/rate-series.ts';
import { initialRawFeed, rawFeedReducer } from './lib/raw-feed.ts';

const API_BASE: string = import.meta.env.VITE_API_BASE_URL ?? '';

export function App() {
  const api = useMemo(() => createApi(API_BASE), []);
  const { preference, theme, cycle } = useTheme();
  const now = useNow(1000);

  const [stats, setStats] = useState<CdcStatsData | null>(null);
  const series = useRef(new RateSeries(300));
  const [columns, setColumns] = useState<[number[], Array<number | null>]>(() => series.current.columns());
  const [update, setUpdate] = useState<LakehouseUpdateData | null>(null);
  const [goldTrigger, setGoldTrigger] = useState(0);
  const [healthTrigger, setHealthTrigger] = useState(0);
  const [banner, dispatchBanner] = useReducer(bannerReducer, null);
  const [raw, dispatchRaw] = useReducer(rawFeedReducer, undefined, () => initialRawFeed(200));
  const [knobs, setKnobs] = useState<Record<string, string | number | boolean> | undefined>(undefined);

  const onEnvelope = useCallback((env: SseEnvelope) => {
    const at = Date.now();
    switch (env.type) {
      case 'cdc_stats': {
        const data = env.data as CdcStatsData;
        setStats(data);
        const t = toEpochMs(env.ts) ?? at;
        if (typeof data.events_per_sec === 'number' && series.current.add(t / 1000, data.events_per_sec)) setColumns(series.current.columns());
        break;
      }
      case 'cdc_raw':
        dispatchRaw({ type: 'message', ts: env.ts, data: env.data as SseEnvelope<'cdc_raw'>['data'] });
        break;
      case 'lakehouse_update': {
        const data = env.data as LakehouseUpdateData;
        setUpdate(data);
        setHealthTrigger((n) => n + 1);
        if (data.gold_recomputed !== false) setGoldTrigger((n) => n + 1);
        break;
      }
      case 'pipeline_error':
        dispatchBanner({ type: 'pipeline_error', at, data: env.data as SseEnvelope<'pipeline_error'>['data'] });
        setHealthTrigger((n) => n + 1);
        break;
      case 'heartbeat':
        break;
    }
  }, []);

  const [conn, dispatchConn] = useEventStream(api.streamUrl(), staleAfterMs(knobs), onEnvelope);

  // A lost stream breaks the chart line; a new connection refetches what may have changed meanwhile.
  useEffect(() => {
    if (conn.status === 'reconnecting') {
      series.current.markGap();
      setColumns(series.current.columns());
    }
  }, [conn.status]);

  const health = useHealth(api, `${conn.openCount}:${healthTrigger}`, 5000, (h, at) => {
    dispatchBanner({ type: 'health', at, health: h });
    dispatchConn({ type: 'server-started', startedAt: at - h.uptime_sec * 1000 });
    setKnobs(h.knobs);
  });
  const gold = useGold(api, `${conn.openCount}:${goldTrigger}`);
  const emitRaw = knobs && 'SSE_EMIT_CDC_RAW' in knobs ? knobs.SSE_EMIT_CDC_RAW === true || knobs.SSE_EMIT_CDC_RAW === 'true' : null;

  return (
    <div className="app">
      <header className="top">
        <h1>
          shori<span className="accent">·</span>realtime
        </h1>
        <span className="muted small-text hide-narrow">CDC → Delta Lake medallion, live</span>
        <span className="spacer" />
        <ConnectionBadge conn={conn} now={now} />
        <ThemeToggle preference={preference} onCycle={cycle} />
      </header>
      <ErrorBanner error={banner} now={now} />
      <GapNotice conn={conn} now={now} />
      <main className="grid">
        <StreamPanel stats={stats} columns={columns} theme={theme} />
        <LakehousePanel health={health.health} update={update} now={now} />
        <SourcesPanel stats={stats} />
        <GoldKpis gold={gold} now={now} />
        <Panel title="Tickets by status" testId="panel-by-status">
          <BarList items={gold.view.byStatus} testId="chart-by-status" />
        </Panel>
        <Panel title="Tickets by priority" testId="panel-by-priority">
          <BarList items={gold.view.byPriority} testId="chart-by-priority" />
        </Panel>
        <Panel title="Created / resolved per minute" wide testId="panel-per-minute">
          <PerMinuteChart rows={gold.view.perMinute} theme={theme} />
        </Panel>
        <Panel title="Tickets by source" testId="panel-by-source">
          <BarList
            items={gold.view.bySource.map((s) => ({ label: s.source, count: s.tickets ?? 0, secondary: `· ${s.open ?? '–'} open` }))}
            testId="chart-by-source"
          />
        </Panel>
        <HealthPanel health={health.health} fetchedAt={health.fetchedAt} error={health.error} now={now} />
        <RawFeed feed={raw} dispatch={dispatchRaw} emitRaw={emitRaw} />
        <TableBrowser api={api} refreshKey={`${conn.openCount}:${healthTrigger}`} />
      </main>
      <footer className="muted small-text foot">
        Numbers come from the service only; anything that happened while this page was disconnected is not drawn.
      </footer>
    </div>
  );
}
