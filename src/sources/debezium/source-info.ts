// The `source` block of a change event → SourceInfo. Common fields are named by Debezium's
// SourceInfo schema (version, connector, name, ts_ms/us/ns, snapshot, db, schema, table); everything
// else is the connector's position (SQL Server change_lsn/commit_lsn/event_serial_no, PostgreSQL
// sequence/txId/lsn/xmin, MySQL server_id/gtid/file/pos/row/thread), kept raw, except MySQL's
// `query` (statement text, not a position).
import type { SourceInfo } from './types.ts';
import { decodeError, isPlainObject } from './connect-schema.ts';
import { JsonNumberText } from './json.ts';

const COMMON = new Set(['version', 'connector', 'name', 'ts_ms', 'ts_us', 'ts_ns', 'snapshot', 'db', 'schema', 'table', 'query']);

function requiredString(source: Record<string, unknown>, field: string): string {
  const value = source[field];
  if (typeof value !== 'string') throw decodeError(`source.${field}`, `expects a string, got ${JSON.stringify(value ?? null)}`);
  return value;
}

/** Debezium 2.x+ writes a string enum ("true", "first", "last", "incremental", …, "false"); 1.x/docs a boolean. */
export function snapshotFlag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value !== 'false';
  throw decodeError('source.snapshot', `expects a string or boolean, got ${JSON.stringify(value)}`);
}

function positionValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof JsonNumberText) return value.text;
  return JSON.stringify(value);
}

export function decodeSourceInfo(raw: unknown): SourceInfo {
  if (!isPlainObject(raw)) throw decodeError('source', 'change event without a source block');
  const tsMs = raw.ts_ms;
  if (typeof tsMs !== 'number' || !Number.isInteger(tsMs)) throw decodeError('source.ts_ms', `expects an integer, got ${JSON.stringify(String(tsMs))}`);
  const schema = raw.schema;
  if (schema !== undefined && schema !== null && typeof schema !== 'string') throw decodeError('source.schema', 'expects a string');
  const position: Record<string, string | number | null> = {};
  for (const [field, value] of Object.entries(raw)) if (!COMMON.has(field)) position[field] = positionValue(value);
  return {
    connector: requiredString(raw, 'connector'),
    name: requiredString(raw, 'name'),
    db: requiredString(raw, 'db'),
    schema: typeof schema === 'string' ? schema : null,
    table: requiredString(raw, 'table'),
    tsMs,
    snapshot: snapshotFlag(raw.snapshot),
    position,
  };
}
