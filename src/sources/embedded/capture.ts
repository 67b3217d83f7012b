// Change capture of an embedded source, for any table: what SQL Server's CDC does with a capture
// instance per table. Each captured table has versions of its schema in `cdc_schemas` (declared
// column types, key columns); triggers write every change, in the writer's transaction, into
// `cdc_changes` with the id of the schema it was written under, so a change is published with the
// schema of its time even after an ALTER TABLE. DDL goes through addColumn / widenColumn, which
// change the table, record the new schema and re-create the triggers in one transaction.
import type { DatabaseSync } from 'node:sqlite';
import { ShoriError } from '../../errors.ts';
import type { EmbeddedColumn, EmbeddedTableDef } from './table-defs.ts';

export interface CapturedSchema {
  id: number;
  table: string;
  key: string[];
  columns: EmbeddedColumn[];
}

export const CAPTURE_DDL = `
CREATE TABLE IF NOT EXISTS cdc_schemas (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl         TEXT NOT NULL,
  key_columns TEXT NOT NULL,
  columns     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
-- The newest change row of each table that was purged: resuming below it would skip changes.
CREATE TABLE IF NOT EXISTS cdc_purged (
  tbl     TEXT PRIMARY KEY,
  max_lsn INTEGER NOT NULL
);
`;

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const text = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Adds what older source files lack (schema ids and origin LSNs on change rows, the per-table index). */
export function migrateCapture(db: DatabaseSync): void {
  db.exec(CAPTURE_DDL);
  for (const column of ['schema_id', 'origin_lsn']) {
    const columns = db.prepare('PRAGMA table_info(cdc_changes)').all() as Array<{ name: string }>;
    if (columns.some((c) => c.name === column)) continue;
    try {
      db.exec(`ALTER TABLE cdc_changes ADD COLUMN ${column} INTEGER`);
    } catch (error) {
      // Another process (the generator, the service) added it in between.
      if (!/duplicate column/i.test(String(error))) throw error;
    }
  }
  db.exec('CREATE INDEX IF NOT EXISTS cdc_changes_by_table ON cdc_changes (tbl, lsn)');
}

function rowToSchema(row: { id: number; tbl: string; key_columns: string; columns: string }): CapturedSchema {
  return { id: Number(row.id), table: row.tbl, key: JSON.parse(row.key_columns) as string[], columns: JSON.parse(row.columns) as EmbeddedColumn[] };
}

export function latestSchema(db: DatabaseSync, table: string): CapturedSchema | null {
  const row = db.prepare('SELECT id, tbl, key_columns, columns FROM cdc_schemas WHERE tbl = ? ORDER BY id DESC LIMIT 1').get(table);
  return row === undefined ? null : rowToSchema(row as never);
}

export function schemaById(db: DatabaseSync, id: number): CapturedSchema | null {
  const row = db.prepare('SELECT id, tbl, key_columns, columns FROM cdc_schemas WHERE id = ?').get(id);
  return row === undefined ? null : rowToSchema(row as never);
}

/** Captured tables, in the order they were first captured. */
export function capturedTables(db: DatabaseSync): string[] {
  return (db.prepare('SELECT tbl FROM cdc_schemas GROUP BY tbl ORDER BY min(id)').all() as Array<{ tbl: string }>).map((r) => r.tbl);
}

/** The SQLite storage class of a declared type (values keep their exact text where it matters). */
export function sqliteType(declared: string): 'INTEGER' | 'TEXT' {
  return /^(bigint|int|smallint|bit)$/.test(declared) ? 'INTEGER' : 'TEXT';
}

const OPS = [
  { suffix: 'insert', event: 'INSERT', op: 'c', before: null, after: 'NEW' },
  { suffix: 'update', event: 'UPDATE', op: 'u', before: 'OLD', after: 'NEW' },
  { suffix: 'delete', event: 'DELETE', op: 'd', before: 'OLD', after: null },
] as const;

function triggerName(table: string, suffix: string): string {
  return `cdc_${table.toLowerCase()}_${suffix}`;
}

function triggerSql(schema: CapturedSchema, op: (typeof OPS)[number]): string {
  const image = (alias: 'NEW' | 'OLD' | null) =>
    alias === null ? 'NULL' : `json_object(${schema.columns.map((c) => `${text(c.name)}, ${alias}.${ident(c.name)}`).join(', ')})`;
  return `CREATE TRIGGER ${triggerName(schema.table, op.suffix)} AFTER ${op.event} ON ${ident(schema.table)} BEGIN
  INSERT INTO cdc_changes (op, tbl, schema_id, before, after, commit_ts)
  VALUES ('${op.op}', ${text(schema.table)}, ${schema.id}, ${image(op.before)}, ${image(op.after)}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END`;
}

function triggersCurrent(db: DatabaseSync, schema: CapturedSchema): boolean {
  return OPS.every((op) => {
    const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?").get(triggerName(schema.table, op.suffix)) as
      { sql: string } | undefined;
    return row?.sql === triggerSql(schema, op);
  });
}

function createTriggers(db: DatabaseSync, schema: CapturedSchema): void {
  for (const op of OPS) {
    db.exec(`DROP TRIGGER IF EXISTS ${triggerName(schema.table, op.suffix)}`);
    db.exec(triggerSql(schema, op));
  }
}

function register(db: DatabaseSync, table: string, key: string[], columns: EmbeddedColumn[]): CapturedSchema {
  const row = db
    .prepare('INSERT INTO cdc_schemas (tbl, key_columns, columns, created_at) VALUES (?, ?, ?, ?) RETURNING id')
    .get(table, JSON.stringify(key), JSON.stringify(columns), new Date().toISOString()) as { id: number };
  const schema = { id: Number(row.id), table, key, columns };
  createTriggers(db, schema);
  return schema;
}

/** Runs `fn` in a write transaction (the generator and the service may both be at it). */
export function inWriteTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** Captures a table (created already) if it is not; brings old-style triggers up to date. */
export function ensureCaptured(db: DatabaseSync, def: Pick<EmbeddedTableDef, 'name' | 'key' | 'columns'>): CapturedSchema {
  return inWriteTransaction(db, () => {
    const latest = latestSchema(db, def.name);
    if (latest === null) return register(db, def.name, def.key, def.columns);
    if (!triggersCurrent(db, latest)) createTriggers(db, latest);
    return latest;
  });
}

/** Creates a table and captures it: "a new table in the source" (the feed discovers it). */
export function createCapturedTable(db: DatabaseSync, def: EmbeddedTableDef): CapturedSchema {
  db.exec(def.ddl);
  return ensureCaptured(db, def);
}

function mustHave(db: DatabaseSync, table: string): CapturedSchema {
  const latest = latestSchema(db, table);
  if (latest === null) throw new ShoriError('SHORI_SOURCE_FAILED', `table ${table} is not captured`, { context: { table } });
  return latest;
}

/** ALTER TABLE ADD COLUMN (nullable) and a new captured schema; false when the column exists. */
export function addColumn(db: DatabaseSync, table: string, column: EmbeddedColumn): boolean {
  return inWriteTransaction(db, () => {
    const latest = mustHave(db, table);
    if (latest.columns.some((c) => c.name.toLowerCase() === column.name.toLowerCase())) return false;
    db.exec(`ALTER TABLE ${ident(table)} ADD COLUMN ${ident(column.name)} ${sqliteType(column.type)}`);
    register(db, table, latest.key, [...latest.columns, { ...column, nullable: true }]);
    return true;
  });
}

/**
 * TRUNCATE TABLE: every row goes, captured as one change (Debezium's `op: 't'`), not one delete per
 * row. It is stored as op 'd' without row images (the CHECK of existing source files allows only
 * c/u/d); the capture reader publishes it as a truncate. Returns the number of rows removed.
 */
export function truncateTable(db: DatabaseSync, table: string): number {
  return inWriteTransaction(db, () => {
    const latest = mustHave(db, table);
    db.prepare(
      `INSERT INTO cdc_changes (op, tbl, schema_id, before, after, commit_ts) VALUES ('d', ?, ?, NULL, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
    ).run(table, latest.id);
    db.exec(`DROP TRIGGER IF EXISTS ${triggerName(table, 'delete')}`);
    const removed = Number(db.prepare(`DELETE FROM ${ident(table)}`).run().changes);
    createTriggers(db, latest);
    return removed;
  });
}

/**
 * Changes a column's declared type (SQLite's values are untyped, so only the catalogue changes,
 * as ALTER COLUMN would on SQL Server); false when it already has that type.
 */
export function changeColumnType(db: DatabaseSync, table: string, column: string, type: string): boolean {
  return inWriteTransaction(db, () => {
    const latest = mustHave(db, table);
    const at = latest.columns.findIndex((c) => c.name.toLowerCase() === column.toLowerCase());
    if (at < 0) throw new ShoriError('SHORI_SOURCE_FAILED', `table ${table} has no column ${column}`, { context: { table, column } });
    if (latest.columns[at].type === type) return false;
    if (sqliteType(latest.columns[at].type) !== sqliteType(type)) {
      throw new ShoriError('SHORI_SOURCE_FAILED', `column ${table}.${column} cannot change from ${latest.columns[at].type} to ${type} in place`, {
        context: { table, column, type },
      });
    }
    const columns = latest.columns.map((c, i) => (i === at ? { ...c, type } : c));
    register(db, table, latest.key, columns);
    return true;
  });
}
