// The Delta tables of each captured table, opened (and created when absent): Silver, its deleted-key
// memory and, unless TABLES_CONFIG turns it off, its history; or, for a table without a key, the
// append-only history alone. At start-up: the hand-written specs (Tickets) and the generic tables an
// earlier run created (their specs read back from their own metadata, generic-specs.ts). At run time:
// a table found in a Bronze version, first caught up from the changes of it Bronze already holds
// (backfill-step.ts). A new history of a table whose Silver is ahead is caught up the same way.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { TABLE_OPTIONS } from '../engine.ts';
import type { TablesConfig } from '../../config/tables-config.ts';
import { appliedBronzeVersion, appliedTxn } from './applied-version.ts';
import { backfillTable, type BackfillResult, type BackfillTables } from './backfill-step.ts';
import type { Quarantine } from './rejected-step.ts';
import { withFiles } from './file-subset.ts';
import { specFromTable, type NewSpec } from './generic-specs.ts';
import { RESERVED_COLUMNS } from './schema/table-spec.ts';
import { deletedSchema, historySchema, silverSchema, type TableSpec } from './table-spec.ts';
import type { LakeTables } from './tables.ts';

export interface SpecTables {
  spec: TableSpec;
  silver: DeltaTable;
  /**
   * null: history is off for this table (TABLES_CONFIG `history: false`). Silver and the deleted-key
   * memory do not depend on it; a history table an earlier run wrote is left as it is.
   */
  history: DeltaTable | null;
  deleted: DeltaTable;
}

/** A table without a key (TableSpec.appendOnly): its append-only history is all it has. */
export interface AppendOnlyTables {
  spec: TableSpec;
  history: DeltaTable;
}

/**
 * Silver keeps a change feed, and takes updates and deletes as deletion vectors: a merge marks the
 * rows it replaces instead of rewriting every file its keys touch (CDC updates hit old rows all
 * over the table), and optimize purges the vectors once they delete 5% of a file. README
 * "Benchmarks" has the measurements behind this default. Applies to tables created from now on.
 */
const SILVER_PROPERTIES = { 'delta.enableChangeDataFeed': 'true', 'delta.enableDeletionVectors': 'true' };

/** Opens (creating what is absent) a keyed table's Silver, deleted-key memory and, when `history`, its history. */
export async function openSpecTables(lake: LakeTables, spec: TableSpec, properties: Record<string, string>, history = true): Promise<SpecTables> {
  return {
    spec,
    silver: await DeltaTable.createIfAbsent(
      lake.table('silver', spec.name),
      { schema: silverSchema(spec), name: spec.name, properties: { ...properties, ...SILVER_PROPERTIES } },
      TABLE_OPTIONS,
    ),
    history: history
      ? await DeltaTable.createIfAbsent(
          lake.table('silver', `${spec.name}_history`),
          { schema: historySchema(spec), name: `${spec.name}_history`, properties },
          TABLE_OPTIONS,
        )
      : null,
    deleted: await DeltaTable.createIfAbsent(
      lake.table('silver', `_${spec.name}_deleted`),
      { schema: deletedSchema(), name: `_${spec.name}_deleted`, properties },
      TABLE_OPTIONS,
    ),
  };
}

async function openAppendOnly(lake: LakeTables, spec: TableSpec, properties: Record<string, string>): Promise<AppendOnlyTables> {
  return {
    spec,
    history: await DeltaTable.createIfAbsent(
      lake.table('silver', `${spec.name}_history`),
      { schema: historySchema(spec), name: `${spec.name}_history`, properties },
      TABLE_OPTIONS,
    ),
  };
}

/** A hand-written spec (fixedColumns) with the columns schema evolution added to its Silver table before. */
function withAddedColumns(tables: SpecTables): SpecTables {
  const { spec } = tables;
  if (!spec.fixedColumns) return tables;
  const known = new Set(spec.columns.map((c) => c.name));
  const added = tables.silver.snapshot.schema.fields.filter((f) => !RESERVED_COLUMNS.has(f.name) && !known.has(f.name));
  return added.length === 0 ? tables : { ...tables, spec: { ...spec, columns: [...spec.columns, ...added] } };
}

/** Records `version` as applied by `table` (an empty commit with the txn), unless it applied it already. */
async function markApplied(conn: DuckDBConnection, table: DeltaTable, version: number): Promise<void> {
  if (appliedBronzeVersion(table) >= version) return;
  await table.append(conn, `SELECT * FROM ${await table.scan(withFiles(table.snapshot, []))} AS t WHERE false`, {
    txns: appliedTxn(version),
    operation: 'WRITE',
  });
}

/** What a catch-up did with the events it could not apply. */
function couldNot(done: BackfillResult): string {
  const held = done.rejected - done.quarantined;
  return `${done.rejected} could not be applied: in silver/_rejected${held > 0 ? `, ${held} of them there already` : ''}`;
}

/**
 * A new history of a Silver table that has applied Bronze versions already (history turned on in
 * TABLES_CONFIG for a table that had it off, or a history removed to be rebuilt) is caught up from
 * Bronze's snapshot up to the version Silver has applied, as a table found late is (backfill-step.ts;
 * only the history is written), rather than from each Bronze commit since (whose files compaction
 * and vacuum may have removed). A history that applied some version resumes from it, per commit,
 * as after a crash.
 */
export async function catchUpHistory(conn: DuckDBConnection, bronze: DeltaTable, quarantine: Quarantine, tables: SpecTables): Promise<string[]> {
  const { history, silver, spec } = tables;
  const through = appliedBronzeVersion(silver);
  if (!history || appliedBronzeVersion(history) !== -1 || through < 0) return [];
  const done = await backfillTable(conn, bronze, { spec, silver, history, deleted: null }, spec.name, through, { quarantine });
  await history.refresh();
  await markApplied(conn, history, through);
  const rejected = done.rejected > 0 ? ` (${couldNot(done)})` : '';
  return [`silver/${spec.name}_history created and caught up from Bronze: ${done.events} events up to Bronze version ${through}${rejected}`, ...done.notes];
}

/**
 * Generic tables of earlier runs in the lake: Silver tables with their deleted-key siblings (and a
 * history unless it was off), and histories without a Silver table (append-only candidates).
 */
async function genericTableNames(lake: LakeTables): Promise<{ keyed: string[]; historyOnly: string[] }> {
  const names = new Set(await lake.tableNames('silver'));
  const plain = [...names].filter((n) => !n.startsWith('_') && !n.endsWith('_history'));
  const historyOnly = [...names]
    .filter((n) => !n.startsWith('_') && n.endsWith('_history') && !names.has(n.slice(0, -'_history'.length)))
    .map((n) => n.slice(0, -'_history'.length));
  return { keyed: plain.filter((n) => names.has(`_${n}_deleted`)).sort(), historyOnly: historyOnly.sort() };
}

export interface CapturedTables {
  specTables: SpecTables[];
  appendOnly: AppendOnlyTables[];
  /** Names of the generic tables among specTables (their schemas evolve). */
  generic: string[];
}

/**
 * The captured tables at start-up: each hand-written spec's, and with a tables configuration the
 * generic tables an earlier run created. History per table as `config` says now (a table's name is
 * its source table's, in lower case); without a configuration every table keeps it.
 */
export async function openCapturedTables(
  lake: LakeTables,
  specs: readonly TableSpec[],
  config: TablesConfig | undefined,
  properties: Record<string, string>,
): Promise<CapturedTables> {
  const history = (spec: TableSpec) => config?.choose(spec.name).history ?? true;
  const out: CapturedTables = { specTables: [], appendOnly: [], generic: [] };
  for (const spec of specs) out.specTables.push(withAddedColumns(await openSpecTables(lake, spec, properties, history(spec))));
  if (!config) return out;
  const found = await genericTableNames(lake);
  for (const name of found.keyed) {
    if (out.specTables.some((t) => t.spec.name === name)) continue;
    const silver = await DeltaTable.open(lake.table('silver', name)).catch(() => null);
    const spec = silver && specFromTable(name, silver);
    if (!spec) continue;
    out.specTables.push(await openSpecTables(lake, spec, properties, history(spec)));
    out.generic.push(name);
  }
  for (const name of found.historyOnly) {
    const table = await DeltaTable.open(lake.table('silver', `${name}_history`)).catch(() => null);
    const spec = table && specFromTable(name, table);
    if (table && spec?.appendOnly) out.appendOnly.push({ spec, history: table });
  }
  return out;
}

export type FoundTables = { keyed: SpecTables; appendOnly?: never } | { appendOnly: AppendOnlyTables; keyed?: never };

/**
 * The tables of `sourceTable`, first seen in Bronze version `v` (its spec `made`): created, caught
 * up from the changes of it that earlier versions hold, if any (a table included in TABLES_CONFIG
 * later, a Silver table removed to be rebuilt), and marked as having applied v - 1. Returns the
 * tables and the messages for the log (the catch-up's, then one saying what was found).
 */
export async function openFoundTable(
  conn: DuckDBConnection,
  bronze: DeltaTable,
  quarantine: Quarantine,
  lake: LakeTables,
  made: NewSpec,
  sourceTable: string,
  properties: Record<string, string>,
  v: number,
): Promise<{ found: FoundTables; notes: string[] }> {
  const notes: string[] = [];
  const caughtUp = async (tables: BackfillTables) => {
    const done = await backfillTable(conn, bronze, tables, sourceTable, v - 1, { quarantine });
    notes.push(...done.notes);
    return done.events === 0 ? '' : `; ${done.events} earlier changes caught up from Bronze${done.rejected > 0 ? ` (${couldNot(done)})` : ''}`;
  };
  const { spec } = made;
  if (spec.appendOnly) {
    const tables = await openAppendOnly(lake, spec, properties);
    const target = { ...tables, silver: null, deleted: null };
    const earlier = await caughtUp(target);
    tables.spec = target.spec;
    await markApplied(conn, tables.history, v - 1);
    notes.push(`table ${sourceTable} discovered: silver/${spec.name}_history (no key: append-only history, no current state)${earlier}`);
    return { found: { appendOnly: tables }, notes };
  }
  const tables = await openSpecTables(lake, spec, properties, made.history);
  const earlier = await caughtUp(tables);
  for (const t of [tables.deleted, tables.silver, tables.history]) if (t) await markApplied(conn, t, v - 1);
  const history = tables.history ? `silver/${spec.name}_history` : 'no history (TABLES_CONFIG history: false)';
  notes.push(`table ${sourceTable} discovered: silver/${spec.name} (key ${spec.keyColumns.join(', ')}), ${history}${earlier}`);
  return { found: { keyed: tables }, notes };
}
