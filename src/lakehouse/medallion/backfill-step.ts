// A table that becomes a Silver table after Bronze already holds changes of it (a table added to
// TABLES_CONFIG later, an excluded table included again, a Silver table removed to be rebuilt) is
// caught up from Bronze before the version it was found in is applied: its rows in Bronze as of the
// previous version, read in source order (per source by `seq`) in chunks, each going through the same
// schema, deleted-key, Silver and history steps as a Bronze version (history only when it is kept). Only the last chunk's commits
// record the applied Bronze version; a crash in between leaves the table with none, and catch-up
// then replays Bronze for it from the start (the recovery path). Every step is idempotent: Silver
// keeps the newest `_seq`, history drops changes it holds, the deleted-key memory keeps a maximum.
// Events that cannot be applied are quarantined in `silver/_rejected` before the chunk's commits
// (rejected-step.ts: quarantineCaughtUp, which skips an event it holds for the table already, so a
// catch-up run again after a crash, or a history caught up after its Silver table, adds none twice).
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral, type DeltaTable } from '@shori/delta';
import { isoMicros } from '../../util/time.ts';
import { bronzeEntryOf } from './bronze-range.ts';
import { prepareBatch } from './prepared-batch.ts';
import { applySchemaChanges, type EvolvingTables } from './schema-step.ts';
import { applyDeleted } from './deleted-step.ts';
import { applySilver } from './silver-step.ts';
import { applyHistory } from './history-step.ts';
import { quarantineCaughtUp, type Quarantine } from './rejected-step.ts';

export interface BackfillTables extends EvolvingTables {
  /**
   * null: neither the deleted-key memory nor Silver is written (an append-only table has none; a
   * history caught up alone, its Silver table already current, leaves them as they are).
   */
  deleted: DeltaTable | null;
}

export interface BackfillResult {
  /** Bronze events of the table applied. */
  events: number;
  /** Of those, events that could not be applied. */
  rejected: number;
  /** Of those, the ones this call added to the quarantine (the others it held already). */
  quarantined: number;
  /** Schema conflicts and the first reject's reason, for the log. */
  notes: string[];
}

const CHUNK = 5000;

export interface BackfillOptions {
  /** `silver/_rejected`, where events that cannot be applied go, or `fail`: they stop the catch-up. */
  quarantine: Quarantine;
  /** Bronze rows per chunk. */
  chunk?: number;
}

/**
 * Applies every change of `sourceTable` in Bronze as of version `through` to `tables` (whose spec
 * `tables.spec` evolves along), recording `through` as applied by the last commit of each table.
 */
export async function backfillTable(
  conn: DuckDBConnection,
  bronze: DeltaTable,
  tables: BackfillTables,
  sourceTable: string,
  through: number,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const chunk = options.chunk ?? CHUNK;
  const result: BackfillResult = { events: 0, rejected: 0, quarantined: 0, notes: [] };
  if (through < 0) return result;
  const scan = await bronze.scan(await bronze.snapshotAt(through));
  await conn.run(`CREATE OR REPLACE TEMP TABLE backfill_rows AS
    SELECT row_number() OVER (ORDER BY source_name, seq, topic, "partition", "offset") AS n, topic, "partition", "offset", key, payload
    FROM ${scan} AS b WHERE lower(source_table) = lower(${quoteLiteral(sourceTable)}) AND decode_error IS NULL`);
  const total = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM backfill_rows')).getRowObjectsJson()[0].n);
  for (let from = 1; from <= total; from += chunk) {
    const rows = (
      await conn.runAndReadAll(
        `SELECT topic, "partition", "offset", key, payload FROM backfill_rows WHERE n BETWEEN ${from} AND ${from + chunk - 1} ORDER BY n`,
      )
    ).getRowObjectsJson();
    const entries = rows.map(bronzeEntryOf);
    const changes = entries.flatMap((e) => (e.decoded.ok && e.decoded.value.kind === 'change' ? [e.decoded.value] : []));
    const evolved = await applySchemaChanges([tables], changes);
    result.notes.push(...evolved.conflicts);
    const batch = await prepareBatch(conn, [tables.spec], entries, through, evolved.blocked);
    result.events += entries.length;
    result.rejected += batch.rejects.length;
    if (batch.rejects.length > 0 && result.rejected === batch.rejects.length)
      result.notes.push(`an earlier change of ${sourceTable} cannot be applied: ${batch.rejects[0].reason}`);
    const version = from + chunk > total ? through : null;
    const now = isoMicros();
    result.quarantined += await quarantineCaughtUp(conn, options.quarantine, batch.rejects, through, now);
    const [prepared] = batch.tables;
    if (tables.silver && tables.deleted) {
      await applyDeleted(conn, tables.deleted, prepared, version, now);
      await tables.deleted.refresh();
      await applySilver(conn, tables.silver, tables.deleted, prepared, version, now);
      await tables.silver.refresh();
    }
    if (tables.history) {
      await applyHistory(conn, tables.history, prepared, version, now);
      await tables.history.refresh();
    }
  }
  await conn.run('DROP TABLE IF EXISTS backfill_rows');
  return result;
}
