// Schema evolution of the generic Silver tables, before a Bronze version is applied: each change
// event's row schema is compared with its table's (schema/evolution.ts). Safe changes (an added
// column, a widened type) become a metaData commit on Silver and on history, recorded in commitInfo
// (operation ADD COLUMNS / CHANGE COLUMN, the changes and the schema version), so the event lands
// with all its columns. A conflict (a type no column can hold without loss, a changed key) is
// reported once, and every event of that schema is quarantined instead of coerced. Data files are
// never rewritten: older files read NULL for an added column and are cast to a widened type.
import type { DeltaField, DeltaPrimitiveType, DeltaTable } from '@shori/delta';
import type { ConnectSchema } from '../../sources/debezium/connect-schema.ts';
import type { ChangeEvent } from '../../sources/debezium/types.ts';
import { CHAR_VARCHAR_METADATA, CONNECT_TYPE_METADATA, columnsOf, deltaFieldOf, keyColumnsOf, type ColumnSpec } from './schema/column-types.ts';
import { describeChange, evolve } from './schema/evolution.ts';
import { RESERVED_COLUMNS, type KeyMode, type TableSpec as SchemaSpec } from './schema/table-spec.ts';
import { SPEC_PROPERTIES } from './generic-specs.ts';
import { historySchema, silverSchema, type TableSpec } from './table-spec.ts';
import { ShoriError } from '../../errors.ts';

export interface EvolvingTables {
  spec: TableSpec;
  /** null for an append-only table: its history is then the table whose schema leads. */
  silver: DeltaTable | null;
  /** null when history is off (TABLES_CONFIG `history: false`); never both null. */
  history: DeltaTable | null;
}

/** The table whose schema leads: Silver, or the history of a table without a current state. */
function leadTable(t: EvolvingTables): DeltaTable {
  const lead = t.silver ?? t.history;
  if (!lead)
    throw new ShoriError('SHORI_LAKEHOUSE_FAILED', `silver/${t.spec.name} has neither a Silver nor a history table`, { context: { table: t.spec.name } });
  return lead;
}

export interface SchemaStepResult {
  /** One line per applied change set (for the log). */
  applied: string[];
  /** One line per conflict (health warnings, pipeline_error, log). */
  conflicts: string[];
  /** Why an event is quarantined (its schema conflicts with its table's), or null. */
  blocked: (change: ChangeEvent) => string | null;
}

/** A Silver column back as the ColumnSpec it was made from (field metadata keeps what the type cannot). */
export function columnOfField(f: DeltaField): ColumnSpec {
  const column: ColumnSpec = { name: f.name, type: f.type as DeltaPrimitiveType, connect: String(f.metadata?.[CONNECT_TYPE_METADATA] ?? f.type) };
  const char = /^(char|varchar)\((\d+)\)$/.exec(String(f.metadata?.[CHAR_VARCHAR_METADATA] ?? ''));
  if (char) column.char = { kind: char[1] as 'char' | 'varchar', length: Number(char[2]) };
  return column;
}

function schemaSpecOf(t: EvolvingTables): SchemaSpec {
  const lead = leadTable(t);
  const props = lead.snapshot.properties;
  return {
    table: t.spec.name,
    key: [...t.spec.keyColumns],
    keyMode: (props[SPEC_PROPERTIES.keyMode] ?? 'source') as KeyMode,
    columns: lead.snapshot.schema.fields.filter((f) => !RESERVED_COLUMNS.has(f.name)).map(columnOfField),
    history: true,
    schemaVersion: Number(props['shori.schemaVersion'] ?? 0),
  };
}

/**
 * History gets every column Silver has (a crash between the two metaData commits, an older table,
 * or a history turned on again after it was off). Nothing to do without a history.
 */
async function alignHistory(t: EvolvingTables): Promise<void> {
  const { history } = t;
  if (!history) return;
  const have = new Set(history.snapshot.schema.fields.map((f) => f.name));
  const target = historySchema(t.spec);
  const differs =
    target.fields.some((f) => !have.has(f.name)) ||
    target.fields.some((f) => JSON.stringify(history.snapshot.schema.fields.find((h) => h.name === f.name)?.type) !== JSON.stringify(f.type));
  if (differs) await history.changeSchema(target, { operation: 'ALTER SCHEMA', operationParameters: { reason: 'aligned with silver' } });
}

/**
 * Evolves the tables for the changes of one Bronze version: the generic tables, and the columns
 * of a hand-written spec (Tickets) other than its fixedColumns.
 */
export async function applySchemaChanges(tables: EvolvingTables[], changes: ChangeEvent[]): Promise<SchemaStepResult> {
  const applied: string[] = [];
  const conflicts: string[] = [];
  const blockedSchemas = new Map<ConnectSchema, string>();
  const seen = new Set<ConnectSchema>();
  for (const t of tables) await alignHistory(t);
  for (const change of changes) {
    const schema = change.rowSchema;
    // A truncate carries no key schema: nothing to compare.
    if (!schema || change.op === 't' || seen.has(schema)) continue;
    seen.add(schema);
    const t = tables.find((x) => x.spec.matches(change));
    if (!t) continue;
    // Hand-written columns (fixedColumns) keep their types: only the other columns evolve.
    const fixed = new Set((t.spec.fixedColumns ?? []).map((c) => c.toLowerCase()));
    const free = (columns: ColumnSpec[]) => columns.filter((c) => !fixed.has(c.name.toLowerCase()));
    const current = schemaSpecOf(t);
    current.columns = free(current.columns);
    const evolution = evolve(current, { columns: free(columnsOf(schema)), key: keyColumnsOf(change.keySchema ?? null) });
    if (evolution.conflicts.length > 0) {
      const reason = evolution.conflicts.map((c) => c.message).join('; ');
      blockedSchemas.set(schema, `schema conflict: ${reason}`);
      conflicts.push(
        `silver/${t.spec.name}: a change of ${change.source.name} cannot be applied without loss (${reason}); its events are quarantined in silver/_rejected`,
      );
      continue;
    }
    if (evolution.changes.length === 0) continue;
    const next = evolution.spec;
    const keys = new Set(next.key);
    const pinned = t.spec.columns.filter((c) => fixed.has(c.name.toLowerCase()));
    const spec: TableSpec = { ...t.spec, keyColumns: next.key, columns: [...pinned, ...next.columns.map((c) => deltaFieldOf(c, keys.has(c.name)))] };
    const lines = evolution.changes.map(describeChange);
    const operation = evolution.changes.every((c) => c.kind === 'add_column') ? 'ADD COLUMNS' : 'CHANGE COLUMN';
    const commit = {
      operation,
      operationParameters: { changes: lines, schemaVersion: next.schemaVersion, source: change.source.name },
      properties: { 'shori.schemaVersion': String(next.schemaVersion) },
    };
    if (t.silver) await t.silver.changeSchema(silverSchema(spec), commit);
    else await leadTable(t).changeSchema(historySchema(spec), commit);
    t.spec = spec;
    await alignHistory(t);
    applied.push(`silver/${t.spec.name} schema version ${next.schemaVersion}: ${lines.join(', ')} (from ${change.source.name})`);
  }
  return { applied, conflicts, blocked: (change) => (change.rowSchema ? (blockedSchemas.get(change.rowSchema) ?? null) : null) };
}
