// A Silver table's spec: its name, key, columns and options, derived from the Debezium key and row
// schemas of its first message and the tables configuration, then evolved (evolution.ts). From it
// come the Delta schemas of `silver/<table>` (current state) and `silver/<table>_history` (SCD 2).
import type { ConnectSchema } from '../../../sources/debezium/connect-schema.ts';
import type { DeltaField, DeltaSchema } from '@shori/delta';
import { columnsOf, deltaFieldOf, keyColumnsOf, type ColumnSpec } from './column-types.ts';

/**
 * source: the Debezium key schema's columns; configured: a key given in TABLES_CONFIG (tables
 * without a primary key); none: no key at all, so only the append-only history is kept.
 */
export type KeyMode = 'source' | 'configured' | 'none';

export interface TableSpec {
  /** The Silver table name: the source table name in lower case. */
  table: string;
  /** Key columns besides `source` ([] with keyMode none). */
  key: string[];
  keyMode: KeyMode;
  /** Source columns, first-seen order; added columns are appended. */
  columns: ColumnSpec[];
  /** Keep `silver/<table>_history`. */
  history: boolean;
  /** 0 at creation, one more per applied schema change. */
  schemaVersion: number;
}

/** What the tables configuration says about one table (config/tables-config.ts resolves it). */
export interface TableSettings {
  /** A key to use instead of the Debezium key (required for tables without a primary key). */
  key?: string[];
  /** Keep no current state, only the append-only history. */
  appendOnly?: boolean;
  history: boolean;
}

/** Columns Silver adds; a source column of the same name (any case) is a conflict. */
export const SILVER_CONTROL_COLUMNS = ['_seq', '_source_ts', '_committed_at'] as const;
export const HISTORY_CONTROL_COLUMNS = ['_op', '_seq', '_source_ts', '__valid_from', '__valid_to', '__is_current', '_committed_at'] as const;
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set(['source', ...SILVER_CONTROL_COLUMNS, ...HISTORY_CONTROL_COLUMNS]);

export function silverTableName(sourceTable: string): string {
  return sourceTable.toLowerCase();
}

/** The spec of a table first seen with these schemas (before any conflict check: see evolve). */
export function specFromSchemas(sourceTable: string, keySchema: ConnectSchema | null, rowSchema: ConnectSchema, settings: TableSettings): TableSpec {
  const columns = columnsOf(rowSchema);
  const debeziumKey = keyColumnsOf(keySchema);
  const canonical = (name: string) => columns.find((c) => c.name.toLowerCase() === name.toLowerCase())?.name ?? name;
  let keyMode: KeyMode;
  let key: string[];
  if (settings.appendOnly === true) [keyMode, key] = ['none', []];
  else if (settings.key !== undefined && settings.key.length > 0) [keyMode, key] = ['configured', settings.key.map(canonical)];
  else if (debeziumKey.length > 0) [keyMode, key] = ['source', debeziumKey.map(canonical)];
  else [keyMode, key] = ['none', []];
  return {
    table: silverTableName(sourceTable),
    key,
    keyMode,
    columns,
    // A keyless table keeps its history whatever the setting: it is the only table it has.
    history: settings.history || keyMode === 'none',
    schemaVersion: 0,
  };
}

/** Whether `silver/<table>` (current state) exists for this spec. */
export function hasCurrentState(spec: TableSpec): boolean {
  return spec.keyMode !== 'none';
}

const field = (name: string, type: DeltaField['type'], nullable = true): DeltaField => ({ name, type, nullable, metadata: {} });

function sourceColumns(spec: TableSpec): DeltaField[] {
  const keys = new Set(spec.key.map((k) => k.toLowerCase()));
  return spec.columns.map((c) => deltaFieldOf(c, keys.has(c.name.toLowerCase())));
}

/** `silver/<table>`: current state per (source, key...). */
export function silverSchema(spec: TableSpec): DeltaSchema {
  return {
    type: 'struct',
    fields: [
      field('source', 'string', false),
      ...sourceColumns(spec),
      field('_seq', 'string', false),
      field('_source_ts', 'timestamp'),
      field('_committed_at', 'timestamp', false),
    ],
  };
}

/**
 * `silver/<table>_history`: every change, with the interval during which each version of a row was
 * the current one at the source (SCD type 2): `__valid_from` is the change's source commit time,
 * `__valid_to` the commit time of the next change of the same key (NULL while current).
 */
export function historySchema(spec: TableSpec): DeltaSchema {
  return {
    type: 'struct',
    fields: [
      field('source', 'string', false),
      ...sourceColumns(spec).map((f) => ({ ...f, nullable: true })),
      field('_op', 'string', false),
      field('_seq', 'string', false),
      field('_source_ts', 'timestamp'),
      field('__valid_from', 'timestamp'),
      field('__valid_to', 'timestamp'),
      field('__is_current', 'boolean', false),
      field('_committed_at', 'timestamp', false),
    ],
  };
}
