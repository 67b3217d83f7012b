// The wire contract between the service and its clients (dashboard, tests, users' scripts).
// Types only: imported by the service and by the dashboard, so the two cannot drift.

export type SseEventType = 'cdc_stats' | 'cdc_raw' | 'lakehouse_update' | 'pipeline_error' | 'heartbeat';

/** Every SSE message is `event: <type>\ndata: <JSON of SseEnvelope>\n\n`. */
export interface SseEnvelope<T extends SseEventType = SseEventType> {
  type: T;
  /** ISO-8601 UTC with microseconds, e.g. 2026-11-24T08:00:00.123456Z */
  ts: string;
  data: SseData[T];
}

export interface CdcStatsData {
  events_in_interval: number;
  interval_sec: number;
  events_per_sec: number;
  total_received: number;
  total_dropped: number;
  /** Events received per source (`source.name`), since start. */
  per_source: Record<string, number>;
}

export interface CdcRawData {
  topic: string;
  partition: number;
  offset: number;
  /** The decoded JSON value of the message (null for a tombstone). */
  payload: unknown;
}

export interface LakehouseUpdateData {
  summary: string;
  processed: number;
  failed: number;
  gold_recomputed: boolean;
  batch_size: number;
  batch_at: string;
  /** Per layer table versions after this batch, e.g. {"bronze.cdc_events": 12}. */
  versions: Record<string, number>;
  /** Source commit (source.ts_ms) to Silver commit, ms: newest and oldest event in the batch. */
  freshness_ms: { min: number; max: number } | null;
}

export interface PipelineErrorData {
  message: string;
  fatal: boolean;
  code?: string;
  /** true when the condition that raised an earlier error has cleared. */
  cleared?: boolean;
}

export type HeartbeatData = Record<string, never>;

export interface SseData {
  cdc_stats: CdcStatsData;
  cdc_raw: CdcRawData;
  lakehouse_update: LakehouseUpdateData;
  pipeline_error: PipelineErrorData;
  heartbeat: HeartbeatData;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  feed: 'embedded' | 'kafka';
  ui_consumer_alive: boolean;
  lakehouse_alive: boolean;
  lakehouse_running: boolean;
  /** Bronze holds records the derived tables (Silver, history, ...) have not applied yet: lag 0 and this false = caught up. */
  lakehouse_pending?: boolean;
  clients: number;
  counters: {
    events_received: number;
    events_dropped: number;
    batches_ok: number;
    batches_failed: number;
    last_batch_at: string | null;
    /** The last error, kept after recovery (`status` is back to ok once a batch succeeded). */
    last_error: string | null;
    last_error_at: string | null;
    decode_errors: number;
    /** Events that could not be applied to a derived table, quarantined in `silver/_rejected`. */
    events_rejected: number;
    /** Change events re-published by Debezium after a connector restart, recognised and skipped. */
    events_redelivered: number;
  };
  lag: Array<{ stream: string; partition: number; next: number; end: number; lag: number }>;
  knobs: Record<string, string | number | boolean>;
  uptime_sec: number;
  /** Conditions that do not stop the pipeline but need an operator (e.g. source schema drift). */
  warnings: string[];
}

export interface TableInfo {
  layer: 'bronze' | 'silver' | 'gold';
  name: string;
  version: number;
  num_files: number;
  num_rows: number;
  columns: Array<{ name: string; type: string; nullable: boolean }>;
}

export interface TablesResponse {
  tables: TableInfo[];
}

export interface TableRowsResponse {
  layer: string;
  name: string;
  version: number;
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
  total: number;
  limit: number;
  offset: number;
}
