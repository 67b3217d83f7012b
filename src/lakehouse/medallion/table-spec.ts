// A captured table as the Silver and history steps see it: its name, its key columns, its Delta
// columns and how a decoded change event maps onto them. Everything the derived steps do for one
// table (stage, validate, merge, dedup) is written against this spec, so another captured table is
// one more spec, not more step code. Tickets is the first instance (tickets-spec.ts).
import type { DeltaField, DeltaSchema } from '@shori/delta';
import type { CdcRow, CdcValue, ChangeEvent } from '../../sources/debezium/types.ts';

export interface TableSpec {
  /** Silver table name: `silver/<name>`, `silver/<name>_history`, `silver/_<name>_deleted`. */
  readonly name: string;
  /** Whether a decoded change event is a change of this table. */
  matches(change: ChangeEvent): boolean;
  /** The primary key within one source (Silver's merge key is `source` + these). */
  readonly keyColumns: readonly string[];
  /** The captured columns (without `source` and the control columns `_seq`, `_op`, ...). */
  readonly columns: readonly DeltaField[];
  /** A column's value in a row image; by default the column of the same name, case-insensitively. */
  columnValue?(image: CdcRow, column: string): CdcValue | undefined;
  /**
   * History as SCD type 2: each version of a row with the interval it was current at the source
   * (`__valid_from` its change's source commit time, `__valid_to` the next change's, `__is_current`).
   */
  readonly scd2?: boolean;
  /**
   * No current state (no key): only `silver/<name>_history`, every change appended once (a change
   * is identified by its source position, op and row; a truncate is a row of NULLs with `_op` 't').
   */
  readonly appendOnly?: boolean;
  /**
   * Columns written by hand (Tickets: the Gold KPIs rely on their types). Schema evolution leaves
   * them as they are and appends the columns a source adds, typed from the Connect schema.
   */
  readonly fixedColumns?: readonly string[];
}

const field = (name: string, type: DeltaField['type'], nullable = true): DeltaField => ({ name, type, nullable, metadata: {} });

/** The captured columns, key columns not nullable, every other column nullable. */
function capturedFields(spec: TableSpec): DeltaField[] {
  const keys = new Set(spec.keyColumns);
  return [field('source', 'string', false), ...spec.columns.map((c) => ({ ...c, nullable: !keys.has(c.name) }))];
}

/** Silver current state: one row per (source, key); `_seq` is the source position it reflects. */
export function silverSchema(spec: TableSpec): DeltaSchema {
  return {
    type: 'struct',
    fields: [...capturedFields(spec), field('_seq', 'string', false), field('_source_ts', 'timestamp'), field('_committed_at', 'timestamp', false)],
  };
}

/** History: every source change once, identified by (source, `_seq`, key, `_op`); SCD 2 columns when the spec says so. */
export function historySchema(spec: TableSpec): DeltaSchema {
  const scd2 = spec.scd2 ? [field('__valid_from', 'timestamp'), field('__valid_to', 'timestamp'), field('__is_current', 'boolean', false)] : [];
  return {
    type: 'struct',
    fields: [
      ...capturedFields(spec),
      field('_op', 'string', false),
      field('_seq', 'string', false),
      field('_source_ts', 'timestamp'),
      ...scd2,
      field('_committed_at', 'timestamp', false),
    ],
  };
}

/**
 * The deleted-key memory: per (source, `_key`) the highest position of a delete (`_kind` 'd'), and
 * per source the highest truncate (`_kind` 't', `_key` ''). `_key` is the key columns as text.
 */
export function deletedSchema(): DeltaSchema {
  return {
    type: 'struct',
    fields: [
      field('source', 'string', false),
      field('_key', 'string', false),
      field('_kind', 'string', false),
      field('_seq', 'string', false),
      field('deleted_at', 'timestamp', false),
    ],
  };
}

export function lookupColumn(row: CdcRow, column: string): CdcValue | undefined {
  if (column in row) return row[column];
  const lower = column.toLowerCase();
  for (const key of Object.keys(row)) if (key.toLowerCase() === lower) return row[key];
  return undefined;
}
