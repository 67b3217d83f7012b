// The wire contract between the service and its clients (dashboard, tests, users' scripts).
// REST bodies are zod schemas: the service validates requests and serialises responses with them,
// serves their JSON Schema at GET /api/contracts, and the TypeScript types below are inferred from
// them, so types, validation and documentation come from one source. The dashboard imports types
// only (erased at build). SSE messages are plain types (they are written, never parsed, here).
import { z } from 'zod';

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

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  feed: z.enum(['embedded', 'kafka']),
  ui_consumer_alive: z.boolean(),
  lakehouse_alive: z.boolean(),
  lakehouse_running: z.boolean(),
  /** Records read that not every table holds yet (buffered, or in Bronze but not yet in Silver, history, ...): lag 0 and this false = caught up. */
  lakehouse_pending: z.boolean(),
  clients: z.number().int(),
  counters: z.object({
    events_received: z.number().int(),
    events_dropped: z.number().int(),
    batches_ok: z.number().int(),
    batches_failed: z.number().int(),
    last_batch_at: z.string().nullable(),
    /** The last pipeline error, paths relative to the lake, no stack trace. */
    /** Kept after recovery (`status` is back to ok once a batch succeeded), with its time. */
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
    decode_errors: z.number().int(),
    /** Events that could not be applied to a derived table, quarantined in `silver/_rejected`. */
    events_rejected: z.number().int(),
    /** Change events re-published by Debezium after a connector restart, recognised and skipped. */
    events_redelivered: z.number().int(),
  }),
  lag: z.array(z.object({ stream: z.string(), partition: z.number().int(), next: z.number().int(), end: z.number().int(), lag: z.number().int() })),
  /** The active knobs: secrets left out, credentials in connection strings masked. */
  knobs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  uptime_sec: z.number(),
  /** Conditions that do not stop the pipeline but need an operator (e.g. source schema drift). */
  warnings: z.array(z.string()),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

export const LayerSchema = z.enum(['bronze', 'silver', 'gold']);

export const TableInfoSchema = z.object({
  layer: LayerSchema,
  name: z.string(),
  version: z.number().int(),
  num_files: z.number().int(),
  /** From the Delta log's file statistics; -1 when a file carries none. */
  num_rows: z.number().int(),
  /** Silver tables: how many schema changes (added columns, widened types) the table has had. */
  schema_version: z.number().int().optional(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })),
});
export type TableInfo = z.infer<typeof TableInfoSchema>;

export const TablesResponseSchema = z.object({ tables: z.array(TableInfoSchema) });
export type TablesResponse = z.infer<typeof TablesResponseSchema>;

export const TableParamsSchema = z.object({ layer: LayerSchema, name: z.string().regex(/^[A-Za-z0-9_]{1,64}$/) });
export type TableParams = z.infer<typeof TableParamsSchema>;

/** limit: default 100 (or the cap if lower); its upper bound is TABLE_API_MAX_PAGE_SIZE (a knob). */
export const TableRowsQuerySchema = z.object({
  version: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  offset: z.coerce.number().int().min(0).default(0),
});
export type TableRowsQuery = z.infer<typeof TableRowsQuerySchema>;

export const TableRowsResponseSchema = z.object({
  layer: z.string(),
  name: z.string(),
  version: z.number().int(),
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  /** In a stable order: the table key, or else the data file and row position. */
  rows: z.array(z.record(z.string(), z.unknown())),
  /** Rows in the version: from the Delta log's statistics when every file has them, else counted. */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  /** The columns the rows are ordered by. */
  order_by: z.array(z.string()),
});
export type TableRowsResponse = z.infer<typeof TableRowsResponseSchema>;

/** Every mutating route takes a JSON object body (`{}` will do). */
export const EmptyBodySchema = z.object({}).strict();

export const RestartResponseSchema = z.object({ restarted: z.literal(true) });
export type RestartResponse = z.infer<typeof RestartResponseSchema>;

/** Every 4xx/5xx answer: a message for people, a stable code for programs. No paths, no stack. */
export const ErrorResponseSchema = z.object({ error: z.string(), code: z.string().optional() });
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
