// The decoded form of a Debezium message. Produced by `decodeMessage` (decode.ts) from the raw
// key/value bytes of a FeedRecord; consumed by the pipeline and the medallion.
import type { ConnectSchema } from './connect-schema.ts';

/** c create, u update, d delete, r snapshot read, t truncate. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't';

/**
 * A column value after logical-type decoding. Exactness first:
 * - decimals are strings of the exact value with the schema's scale ("12.30", "-0.005");
 * - timestamps (Timestamp, MicroTimestamp, NanoTimestamp, ZonedTimestamp, IsoTimestamp) are
 *   ISO-8601 UTC strings with the source precision ("2024-05-01T10:00:00.123456Z");
 * - dates "YYYY-MM-DD"; times "HH:MM:SS[.fffffffff]";
 * - int64 beyond Number.MAX_SAFE_INTEGER is a bigint; bytes are Buffers; uuid a string.
 */
export type CdcValue = string | number | bigint | boolean | Buffer | null | CdcValue[] | { [k: string]: CdcValue };
export type CdcRow = Record<string, CdcValue>;

/** Logical column types we can carry to Delta. */
export type CdcFieldType =
  | { kind: 'boolean' }
  | { kind: 'int'; bits: 8 | 16 | 32 | 64 }
  | { kind: 'float'; bits: 32 | 64 }
  | { kind: 'decimal'; precision: number | null; scale: number }
  | { kind: 'string' }
  | { kind: 'bytes' }
  | { kind: 'date' }
  | { kind: 'time' }
  | { kind: 'timestamp' }
  | { kind: 'other'; name: string };

export interface CdcField {
  name: string;
  type: CdcFieldType;
  optional: boolean;
}

export interface SourceInfo {
  connector: string; // sqlserver | postgresql | mysql | mariadb | embedded
  /** `topic.prefix`, the logical server name: identifies the source. */
  name: string;
  db: string;
  schema: string | null;
  table: string;
  /** Commit time at the source (ms). */
  tsMs: number;
  snapshot: boolean;
  /** The connector's raw position fields (change_lsn, commit_lsn, lsn, file, pos, ...). */
  position: Record<string, string | number | null>;
}

export interface ChangeEvent {
  kind: 'change';
  op: ChangeOp;
  key: CdcRow | null;
  before: CdcRow | null;
  after: CdcRow | null;
  source: SourceInfo;
  /** When the connector processed the change (ms); null if absent. */
  tsMs: number | null;
  /**
   * Total order of changes within one source, as a string that sorts lexicographically:
   * SQL Server (commit_lsn, change_lsn, event_serial_no), PostgreSQL (lsn), MySQL (file, pos, row),
   * embedded (lsn). Snapshot reads carry the snapshot's position, so they sort before later changes.
   */
  seq: string;
  /** Present when the message carried a schema envelope. */
  fields: CdcField[] | null;
  /**
   * The Connect schemas themselves (shared, frozen: read only), when the key and the value carried
   * them: the row struct (after's, else before's) and the key struct. Silver derives a table's Delta
   * schema and key from them.
   */
  rowSchema?: ConnectSchema | null;
  keySchema?: ConnectSchema | null;
  transactionId: string | null;
}

export interface TombstoneEvent {
  kind: 'tombstone';
  key: CdcRow | null;
}

export interface TransactionEvent {
  kind: 'transaction';
  status: 'BEGIN' | 'END';
  id: string;
  eventCount: number | null;
}

export interface HeartbeatEvent {
  kind: 'heartbeat';
  tsMs: number | null;
}

export interface SchemaChangeEvent {
  kind: 'schema_change';
  payload: unknown;
}

export type DecodedMessage = ChangeEvent | TombstoneEvent | TransactionEvent | HeartbeatEvent | SchemaChangeEvent;

export interface DecodeFailure {
  /** What was wrong, e.g. "field after.EstimatedCost: decimal without a scale". */
  message: string;
  /** Where: topic/partition/offset when known, the field path. */
  context: Record<string, unknown>;
}

export type DecodeResult = { ok: true; value: DecodedMessage } | { ok: false; error: DecodeFailure };
