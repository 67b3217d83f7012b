// Every captured table besides Tickets becomes a TableSpec at run time: from the Debezium key and row
// schemas of its first change event (schema/table-spec.ts: the Connect → Delta type mapping) and the
// tables configuration (include/exclude, keys, history). The spec is kept in the Silver table's own
// metadata (`shori.*` properties and the field metadata), so after a restart it is read back from
// Delta rather than remembered anywhere else.
import type { DeltaField, DeltaTable } from '@shori/delta';
import type { ChangeEvent } from '../../sources/debezium/types.ts';
import type { TablesConfig } from '../../config/tables-config.ts';
import { RESERVED_COLUMNS, specFromSchemas, type TableSpec as SchemaSpec } from './schema/table-spec.ts';
import { deltaFieldOf } from './schema/column-types.ts';
import type { TableSpec } from './table-spec.ts';

/** Table properties that carry the spec. */
export const SPEC_PROPERTIES = { sourceTable: 'shori.sourceTable', keyColumns: 'shori.keyColumns', keyMode: 'shori.keyMode' } as const;

/**
 * A spec matching changes of `sourceTable` (any case, any schema or database). `appendOnly`: no key
 * (a table without a primary key and without a configured one, or `appendOnly` in TABLES_CONFIG),
 * so no current state: only the append-only history.
 */
export function genericSpec(name: string, sourceTable: string, keyColumns: string[], columns: DeltaField[], appendOnly = false): TableSpec {
  const lower = sourceTable.toLowerCase();
  return { name, matches: (change) => change.source.table.toLowerCase() === lower, keyColumns, columns, scd2: !appendOnly, appendOnly };
}

export interface NewSpec {
  spec: TableSpec;
  /** Properties for the new Delta tables (so a restart reads the spec back). */
  properties: Record<string, string>;
  schemaSpec: SchemaSpec;
  /** Keep `silver/<table>_history` (TABLES_CONFIG `history`; always for an append-only table). */
  history: boolean;
}

/**
 * The spec of a table first seen in `change`, or a reason it gets none: excluded by TABLES_CONFIG,
 * or no schema in the message (schemaless converter). A table without a key gets the append-only
 * history unless TABLES_CONFIG gives it a key.
 */
export function specForChange(change: ChangeEvent, config: TablesConfig): NewSpec | string {
  const table = change.source.table;
  const choice = config.choose(table);
  if (!choice.included) return `table ${table} is excluded by TABLES_CONFIG`;
  if (!change.rowSchema) return `table ${table} arrives without a schema (JsonConverter schemas.enable=false): only Bronze keeps it`;
  const schemaSpec = specFromSchemas(table, change.keySchema ?? null, change.rowSchema, {
    history: choice.history,
    appendOnly: choice.appendOnly,
    ...(choice.key ? { key: choice.key } : {}),
  });
  const missing = schemaSpec.key.filter((k) => !schemaSpec.columns.some((c) => c.name === k));
  if (missing.length > 0) return `table ${table}: key column ${missing.join(', ')} is not a column of the table`;
  const keys = new Set(schemaSpec.key);
  const columns = schemaSpec.columns.map((c) => deltaFieldOf(c, keys.has(c.name)));
  return {
    spec: genericSpec(schemaSpec.table, table, schemaSpec.key, columns, schemaSpec.keyMode === 'none'),
    properties: {
      [SPEC_PROPERTIES.sourceTable]: table,
      [SPEC_PROPERTIES.keyColumns]: JSON.stringify(schemaSpec.key),
      [SPEC_PROPERTIES.keyMode]: schemaSpec.keyMode,
    },
    schemaSpec,
    history: schemaSpec.history,
  };
}

/**
 * The spec of an existing generic table, read back from the metadata of its Silver table (or of its
 * history, for an append-only table); null when it is not one.
 */
export function specFromTable(name: string, table: DeltaTable): TableSpec | null {
  const props = table.snapshot.properties;
  const sourceTable = props[SPEC_PROPERTIES.sourceTable];
  const keyText = props[SPEC_PROPERTIES.keyColumns];
  if (sourceTable === undefined || keyText === undefined) return null;
  const columns = table.snapshot.schema.fields.filter((f) => !RESERVED_COLUMNS.has(f.name));
  return genericSpec(name, sourceTable, JSON.parse(keyText) as string[], columns, props[SPEC_PROPERTIES.keyMode] === 'none');
}
