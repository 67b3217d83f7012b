// The medallion writer: one micro-batch of feed records in, three Delta commits out (Bronze append,
// Silver merge + history append + tombstones), each carrying the batch's last position per
// (stream, partition) as a Delta `txn`. On restart every table skips what its own `txn` says it has,
// so a crash between two commits neither loses nor duplicates anything.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FeedRecord, PartitionPosition, StreamPartition } from '../../feeds/feed.ts';
import type { ChangeEvent, DecodeResult } from '../../sources/debezium/types.ts';
import { DeltaTable, type TxnVersion } from '../delta/index.ts';
import { decodeMessage } from '../../sources/debezium/decode.ts';
import { stageRows, type StageValue } from './staging.ts';
import { BRONZE_STAGE_COLUMNS, CHANGE_STAGE_COLUMNS, bronzeRow, changeRow, isTicketsTable } from './change-rows.ts';
import {
  BRONZE_EVENTS_SCHEMA,
  SILVER_HISTORY_SCHEMA,
  SILVER_TICKETS_SCHEMA,
  SILVER_TOMBSTONES_SCHEMA,
  TICKET_COLUMN_NAMES,
  tablePath,
  type Layer,
  type TableStorageFactory,
} from './tables.ts';
import { isoMicros } from '../../util/time.ts';
import { storageFor } from '../../faults/index.ts';
import { RedeliveryGuard, type HighWaterMark } from './redelivery-guard.ts';

export const txnAppId = (p: StreamPartition) => `shori:${p.stream}:${p.partition}`;

export interface BatchResult {
  records: number;
  /**
   * Newly seen differences between a source's Tickets columns and Silver's (a column added or
   * dropped at the source). Added columns are kept in Bronze's payload, not in Silver.
   */
  schemaDrift: string[];
  /** Change events recognised as Debezium re-publishing what Bronze already holds. */
  redelivered: number;
  changes: number;
  decodeErrors: number;
  silverRowsChanged: number;
  versions: Record<string, number>;
  positions: PartitionPosition[];
  freshnessMs: { min: number; max: number } | null;
}

const cols = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
const KNOWN_TICKET_COLUMNS: ReadonlySet<string> = new Set(TICKET_COLUMN_NAMES.map((c) => c.toLowerCase()));
const FLAGGED_CHANGE_COLUMNS = [...CHANGE_STAGE_COLUMNS, { name: '_for_silver', type: 'INTEGER' as const }, { name: '_for_history', type: 'INTEGER' as const }];
const sqlText = (value: string) => `'${value.replaceAll("'", "''")}'`;

export class Medallion {
  readonly dataDir: string;
  readonly bronze: DeltaTable;
  readonly silver: DeltaTable;
  readonly history: DeltaTable;
  readonly tombstones: DeltaTable;
  readonly #db: DuckDBInstance;
  readonly conn: DuckDBConnection;
  readonly #guard: RedeliveryGuard;
  /** Schema differences already reported (each is reported once per process). */
  readonly #driftSeen = new Set<string>();

  private constructor(dataDir: string, tables: DeltaTable[], db: DuckDBInstance, conn: DuckDBConnection) {
    this.dataDir = dataDir;
    [this.bronze, this.silver, this.history, this.tombstones] = tables;
    this.#db = db;
    this.conn = conn;
    this.#guard = new RedeliveryGuard((stream, partition) => this.#highWaterMark(stream, partition));
  }

  /** Notes columns a source has that Silver lacks, or lacks that Silver has (once each). */
  #checkDrift(change: ChangeEvent, out: string[]): void {
    const image = change.after ?? change.before;
    if (!image || change.op === 'd') return;
    const known = KNOWN_TICKET_COLUMNS;
    const seen = new Set(Object.keys(image).map((c) => c.toLowerCase()));
    const report = (message: string) => {
      if (this.#driftSeen.has(message)) return;
      this.#driftSeen.add(message);
      out.push(message);
    };
    for (const column of Object.keys(image)) {
      if (!known.has(column.toLowerCase())) report(`source ${change.source.name} has a column ${change.source.table}.${column} that Silver does not: it is kept in Bronze only`);
    }
    for (const column of TICKET_COLUMN_NAMES) {
      if (column !== 'source' && !seen.has(column.toLowerCase())) report(`source ${change.source.name} sends no column ${change.source.table}.${column}: Silver stores NULL for it`);
    }
  }

  /** Which of these records' coordinates Bronze holds, as `stream/partition/position`. */
  async #bronzeOffsets(records: FeedRecord[]): Promise<Set<string>> {
    const ranges = new Map<string, { stream: string; partition: number; min: number; max: number }>();
    for (const r of records) {
      const k = `${r.stream}/${r.partition}`;
      const range = ranges.get(k) ?? { stream: r.stream, partition: r.partition, min: r.position, max: r.position };
      range.min = Math.min(range.min, r.position);
      range.max = Math.max(range.max, r.position);
      ranges.set(k, range);
    }
    const where = [...ranges.values()]
      .map((x) => `(topic = ${sqlText(x.stream)} AND "partition" = ${Number(x.partition)} AND "offset" BETWEEN ${Number(x.min)} AND ${Number(x.max)})`)
      .join(' OR ');
    const rows = (await this.conn.runAndReadAll(`SELECT topic, "partition", "offset" FROM ${await this.bronze.scan()} AS t WHERE ${where}`)).getRowObjectsJson();
    return new Set(rows.map((r) => `${r.topic}/${r.partition}/${r.offset}`));
  }

  /** The newest change Bronze holds for a partition, and the (op, key) pairs at that order key. */
  async #highWaterMark(stream: string, partition: number): Promise<HighWaterMark | null> {
    await this.bronze.refresh();
    const where = `topic = ${sqlText(stream)} AND "partition" = ${Number(partition)} AND seq IS NOT NULL AND op IS NOT NULL`;
    const rows = (
      await this.conn.runAndReadAll(`WITH b AS (SELECT seq, op, key FROM ${await this.bronze.scan()} AS t WHERE ${where})
        SELECT seq, op, key FROM b WHERE seq = (SELECT max(seq) FROM b)`)
    ).getRowObjectsJson() as Array<{ seq: string; op: string; key: string | null }>;
    if (rows.length === 0) return null;
    return { seq: rows[0].seq, ids: new Set(rows.map((r) => `${r.op}|${r.key ?? ''}`)) };
  }

  static async open(dataDir: string, options: { checkpointInterval?: number; tableStorage?: TableStorageFactory } = {}): Promise<Medallion> {
    const storage = options.tableStorage ?? ((layer: Layer, name: string) => storageFor(tablePath(dataDir, layer, name)));
    const common = { 'delta.checkpointInterval': String(options.checkpointInterval ?? 10) };
    const silverProps = { ...common, 'delta.enableChangeDataFeed': 'true' };
    const tables = [
      await DeltaTable.createIfAbsent(storage('bronze', 'cdc_events'), { schema: BRONZE_EVENTS_SCHEMA, name: 'cdc_events', properties: common }),
      await DeltaTable.createIfAbsent(storage('silver', 'tickets'), { schema: SILVER_TICKETS_SCHEMA, name: 'tickets', properties: silverProps }),
      await DeltaTable.createIfAbsent(storage('silver', 'tickets_history'), { schema: SILVER_HISTORY_SCHEMA, name: 'tickets_history', properties: common }),
      await DeltaTable.createIfAbsent(storage('silver', '_tickets_tombstones'), { schema: SILVER_TOMBSTONES_SCHEMA, name: '_tickets_tombstones', properties: common }),
    ];
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new Medallion(dataDir, tables, db, conn);
  }

  tables(): DeltaTable[] {
    return [this.bronze, this.silver, this.history, this.tombstones];
  }

  /**
   * Where each partition must resume: after the lowest position all tables have committed. A table
   * that has never seen the partition leaves the decision to the feed's committed position.
   */
  async resumePositions(partitions: StreamPartition[]): Promise<PartitionPosition[]> {
    // Assigned (again): another instance may have written these partitions meanwhile.
    this.#guard.forget(partitions);
    for (const t of this.tables()) await t.refresh();
    const out: PartitionPosition[] = [];
    for (const p of partitions) {
      const versions = this.tables().map((t) => t.snapshot.txnVersion(txnAppId(p)));
      if (versions.some((v) => v === undefined)) continue;
      out.push({ ...p, next: Math.min(...(versions as number[])) + 1 });
    }
    return out;
  }

  async writeBatch(records: FeedRecord[]): Promise<BatchResult> {
    const ingestTs = isoMicros();
    const decoded: DecodeResult[] = records.map((r) =>
      r.value === null && r.key === null
        ? { ok: false, error: { message: 'record with neither key nor value', context: {} } }
        : decodeMessage(r.key, r.value, { topic: r.stream, partition: r.partition, offset: r.position }),
    );
    const last = new Map<string, PartitionPosition>();
    for (const r of records) last.set(`${r.stream}/${r.partition}`, { stream: r.stream, partition: r.partition, next: r.position + 1 });
    const positions = [...last.values()];
    const txns: TxnVersion[] = positions.map((p) => ({ appId: txnAppId(p), version: p.next - 1 }));
    const versions: Record<string, number> = {};

    // Each table skips records its own txn says it already holds (a crash between commits).
    const fresh = (table: DeltaTable) => (r: FeedRecord) => {
      const done = table.snapshot.txnVersion(txnAppId(r));
      return done === undefined || r.position > done;
    };

    // Bronze: every record, decoded or not (bad input is kept, with its error, never lost), except
    // events Debezium re-published after a connector restart.
    await this.bronze.refresh();
    const bronzeFresh = fresh(this.bronze);
    const guard = await this.#guard.plan(records, decoded);
    // Records Bronze already holds (a crash or a failure between two commits of this batch): whether
    // each was new or a Debezium replay was decided when Bronze took it, and Bronze's rows say so.
    const replayed = records.filter((r) => !bronzeFresh(r));
    if (replayed.length > 0) {
      const held = await this.#bronzeOffsets(replayed);
      records.forEach((r, i) => {
        if (!bronzeFresh(r)) guard.isNew[i] = held.has(`${r.stream}/${r.partition}/${r.position}`);
      });
    }
    const bronzeRows = records.flatMap((r, i) => (bronzeFresh(r) && guard.isNew[i] ? [bronzeRow(r, decoded[i], ingestTs)] : []));
    await stageRows(this.conn, 'stage_bronze', [...BRONZE_STAGE_COLUMNS], bronzeRows);
    versions['bronze.cdc_events'] = (await this.bronze.append(this.conn, 'SELECT * FROM stage_bronze', { txns, operation: 'WRITE' })).version;

    // Silver: changes in source order; the newest change per key wins.
    const committedAt = isoMicros();
    await this.silver.refresh();
    await this.history.refresh();
    await this.tombstones.refresh();
    const silverFresh = fresh(this.silver);
    const historyFresh = fresh(this.history);
    // Each change row is staged once, flagged with the tables that still need it.
    const changeRows: StageValue[][] = [];
    const sourceTimes: number[] = [];
    const truncates: Array<{ record: FeedRecord; source: string; seq: string }> = [];
    const drift: string[] = [];
    let truncatedRows = 0;
    for (let i = 0; i < records.length; i++) {
      const d = decoded[i];
      if (!d.ok || d.value.kind !== 'change') continue;
      if (isTicketsTable(d.value.source.table)) {
        this.#checkDrift(d.value, drift);
        if (d.value.op === 't') {
          truncates.push({ record: records[i], source: d.value.source.name, seq: d.value.seq });
          continue;
        }
      }
      const row = changeRow(records[i], d, committedAt);
      if (!row) continue;
      const forSilver = silverFresh(records[i]);
      const forHistory = historyFresh(records[i]) && guard.isNew[i];
      if (!forSilver && !forHistory) continue;
      changeRows.push([...row, forSilver ? 1 : 0, forHistory ? 1 : 0]);
      sourceTimes.push(d.value.source.tsMs);
    }
    await stageRows(this.conn, 'stage_changes', FLAGGED_CHANGE_COLUMNS, changeRows);
    const historyCols = SILVER_HISTORY_SCHEMA.fields.map((x) => x.name);
    versions['silver.tickets_history'] = (
      await this.history.append(this.conn, `SELECT ${cols(historyCols)} FROM stage_changes WHERE _for_history = 1 ORDER BY "source", "_seq"`, { txns, operation: 'WRITE' })
    ).version;

    // The newest change per key, minus those a tombstone shows to be stale (older than the delete).
    await this.conn.run(`
      CREATE OR REPLACE TEMP TABLE batch_latest AS
      SELECT * FROM stage_changes WHERE _for_silver = 1
      QUALIFY row_number() OVER (PARTITION BY "source", "TicketID" ORDER BY "_seq" DESC) = 1`);
    await this.conn.run(`
      DELETE FROM batch_latest b USING (SELECT "source", CAST("TicketID" AS VARCHAR) AS tid, "_seq" FROM ${await this.tombstones.scan()}) tb
      WHERE b."source" = tb."source" AND b."TicketID" = tb.tid AND b."_seq" <= tb."_seq"`);
    // Truncates (PostgreSQL `op: t`): every row of that source older than the truncate is gone. The
    // truncate becomes a delete, at its own order key, of each such row, so the same merge removes
    // them from Silver and records their tombstones (a replayed older event cannot bring one back).
    // Later changes of the same batch survive in batch_latest.
    for (const t of truncates.filter((x) => silverFresh(x.record))) {
      const source = sqlText(t.source);
      const seq = sqlText(t.seq);
      await this.conn.run(`DELETE FROM batch_latest WHERE "source" = ${source} AND "_seq" <= ${seq}`);
      const inserted = await this.conn.run(`
        INSERT INTO batch_latest ("source", "TicketID", "_op", "_seq", "_source_ts", "_committed_at")
        SELECT s."source", CAST(s."TicketID" AS VARCHAR), 'd', ${seq}, NULL, ${sqlText(committedAt)}
        FROM ${await this.silver.scan()} AS s
        WHERE s."source" = ${source} AND s."_seq" < ${seq}
          AND CAST(s."TicketID" AS VARCHAR) NOT IN (SELECT "TicketID" FROM batch_latest WHERE "source" = ${source})`);
      truncatedRows += Number(inserted.rowsChanged);
    }
    const silverCols = SILVER_TICKETS_SCHEMA.fields.map((x) => x.name);
    const silverResult = await this.silver.merge(
      this.conn,
      {
        sourceSql: `SELECT ${cols([...silverCols, '_op'])} FROM batch_latest`,
        on: ['source', 'TicketID'],
        whenMatched: [
          { condition: `s."_seq" > t."_seq" AND s."_op" = 'd'`, action: 'delete' },
          { condition: `s."_seq" > t."_seq"`, action: 'update' },
        ],
        whenNotMatched: [{ condition: `s."_op" <> 'd'`, action: 'insert' }],
      },
      { txns, operation: 'MERGE' },
    );
    versions['silver.tickets'] = silverResult.version;
    // Freshness: from the source's commit to the Silver commit that made the change visible.
    const silverCommittedMs = Date.now();
    let freshness: BatchResult['freshnessMs'] = null;
    if (sourceTimes.length > 0) {
      let oldest = Infinity;
      let newest = -Infinity;
      for (const t of sourceTimes) (oldest = Math.min(oldest, t)), (newest = Math.max(newest, t));
      freshness = { min: silverCommittedMs - newest, max: silverCommittedMs - oldest };
    }
    versions['silver._tickets_tombstones'] = (
      await this.tombstones.merge(
        this.conn,
        {
          sourceSql: `SELECT "source", "TicketID", "_seq", "_committed_at" AS deleted_at, "_op" FROM batch_latest`,
          on: ['source', 'TicketID'],
          whenMatched: [
            { condition: `s."_op" <> 'd' AND s."_seq" > t."_seq"`, action: 'delete' },
            { condition: `s."_op" = 'd' AND s."_seq" > t."_seq"`, action: 'update' },
          ],
          whenNotMatched: [{ condition: `s."_op" = 'd'`, action: 'insert' }],
        },
        { txns, operation: 'MERGE' },
      )
    ).version;

    guard.commit();
    return {
      schemaDrift: drift,
      redelivered: guard.duplicates,
      records: records.length,
      changes: changeRows.length,
      decodeErrors: decoded.filter((d) => !d.ok).length,
      silverRowsChanged: (silverResult.rowsInserted ?? 0) + (silverResult.rowsUpdated ?? 0) + (silverResult.rowsDeleted ?? 0) + truncatedRows,
      versions,
      positions,
      freshnessMs: freshness,
    };
  }

  /**
   * Compacts the small files micro-batches leave (a commit with dataChange=false, so streaming
   * readers skip it) and, when asked, vacuums files no version within the retention needs.
   */
  async maintain(options: { vacuum: boolean }): Promise<{ optimized: string[]; vacuumedFiles: number }> {
    const optimized: string[] = [];
    let vacuumedFiles = 0;
    for (const table of this.tables()) {
      await table.refresh();
      const result = await table.optimize(this.conn);
      if (result.committed) optimized.push(table.location);
      if (options.vacuum) vacuumedFiles += (await table.vacuum()).files.length;
    }
    return { optimized, vacuumedFiles };
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.#db.closeSync();
  }
}

