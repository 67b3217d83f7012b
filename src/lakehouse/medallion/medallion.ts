// The medallion writer: Bronze is the log, every other table is a pure function of it.
//
//   appendBronze(records)  the batch appended to Bronze (bronze-step.ts); then the caller commits
//                          the feed positions.
//   catchUp()              each derived table applies the Bronze versions after the one its own
//                          `txn` records (applied-version.ts), in order: the quarantine
//                          (rejected-step.ts), then per captured table the deleted-key memory
//                          (deleted-step.ts), Silver (silver-step.ts) and history (history-step.ts).
//
// A version is taken from memory when it is the batch just appended (the fast path), otherwise read
// back from Bronze's commit (bronze-range.ts, the recovery path); both are prepared the same way
// (prepared-batch.ts). No table looks at another's progress and nothing is remembered in memory
// across batches, so a crash, a failure or another instance at any point leaves each table either
// at a version it will catch up from, or already done. Each captured table's Delta tables are opened,
// at start-up and when a table is found in Bronze, by spec-tables.ts.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FeedRecord, PartitionPosition, StreamPartition } from '../../feeds/feed.ts';
import { DeltaTable, isDeltaError } from '@shori/delta';
import { TABLE_OPTIONS } from '../engine.ts';
import { decodeAhead, decodeRecord } from './record-decoding.ts';
import type { DecodeResult } from '../../sources/debezium/types.ts';
import { ShoriError } from '../../errors.ts';
import { isoMicros } from '../../util/time.ts';
import { appendToBronze, bronzeResumePositions } from './bronze-step.ts';
import { readBronzeVersion } from './bronze-range.ts';
import { appliedBronzeVersion } from './applied-version.ts';
import { prepareBatch, type BronzeEntry, type PreparedBatch, type RejectRow } from './prepared-batch.ts';
import { applyRejected, badRecordError, type OnBadRecord, type Quarantine } from './rejected-step.ts';
import { applyDeleted } from './deleted-step.ts';
import { applySilver } from './silver-step.ts';
import { applyHistory } from './history-step.ts';
import { BRONZE_EVENTS_SCHEMA, REJECTED_SCHEMA, TABLE_SPECS, type LakeTables } from './tables.ts';
import { localLakeTables } from './local-lake.ts';
import { openWriterDb } from './writer-db.ts';
import type { TableSpec } from './table-spec.ts';
import { specForChange } from './generic-specs.ts';
import { applySchemaChanges } from './schema-step.ts';
import { catchUpHistory, openCapturedTables, openFoundTable, type AppendOnlyTables, type SpecTables } from './spec-tables.ts';
import type { TablesConfig } from '../../config/tables-config.ts';

export type { OnBadRecord } from './rejected-step.ts';

export interface MedallionOptions {
  checkpointInterval?: number;
  specs?: readonly TableSpec[];
  /** `fail`: an event that cannot be applied stops the worker (fatal) instead of being quarantined. */
  onBadRecord?: OnBadRecord;
  /**
   * Which other captured tables become Silver tables (TABLES_CONFIG). Absent: only the given specs
   * (Tickets), as before generic tables existed.
   */
  tables?: TablesConfig;
  /** Where the tables are (the lake of LAKE_URI); default: folders under DATA_DIR/datalake. */
  lake?: LakeTables;
  /** DuckDB memory_limit of the writer (LAKEHOUSE_MEMORY_LIMIT); beyond it, DuckDB spills to DATA_DIR/tmp/duckdb. Default: DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** DuckDB threads of the writer (LAKEHOUSE_DUCKDB_THREADS); 0 or absent: the cores minus one, at least 1. */
  threads?: number;
}

export interface BronzeResult {
  records: number;
  appended: number;
  decodeErrors: number;
  bronzeVersion: number;
  positions: PartitionPosition[];
}

export interface CatchUpResult {
  bronzeVersion: number;
  /** Bronze versions applied by at least one table in this call. */
  versionsApplied: number;
  changes: number;
  rejected: number;
  /** A few of the rejects, for the operator's message. */
  rejects: RejectRow[];
  /** Changes history already held (Debezium re-publications), skipped. */
  redelivered: number;
  silverRowsChanged: number;
  versions: Record<string, number>;
  freshnessMs: { min: number; max: number } | null;
  schemaDrift: string[];
  /** Tables that became Silver tables in this call, or were judged not to (one message each). */
  tablesDiscovered: string[];
  /** Schema changes applied to Silver tables in this call (one line per change set). */
  schemaChanges: string[];
}

const name = (t: DeltaTable) => t.location.split('/').slice(-2).join('.');

export class Medallion {
  readonly dataDir: string;
  readonly #lake: LakeTables;
  readonly bronze: DeltaTable;
  readonly rejected: DeltaTable;
  readonly specTables: SpecTables[];
  /** Tables without a key: history only (found at run time, like the generic tables). */
  readonly appendOnly: AppendOnlyTables[] = [];
  readonly conn: DuckDBConnection;
  readonly #tablesConfig: TablesConfig | null;
  readonly #common: Record<string, string>;
  /** Source tables already judged not to become Silver tables (reported once). */
  readonly #skipped = new Set<string>();
  /** Names of the generic tables (found at run time; their schemas evolve). */
  readonly #generic = new Set<string>();
  readonly #conflictsSeen = new Set<string>();
  readonly #db: DuckDBInstance;
  readonly #onBadRecord: OnBadRecord;
  /** The last batch appended to Bronze, for the fast path; dropped once every table applied it. */
  #pending: { version: number; entries: BronzeEntry[] } | null = null;
  readonly #driftSeen = new Set<string>();
  /** Messages of the opening (a history caught up), reported by the next catchUp with the tables found. */
  readonly #notes: string[] = [];

  private constructor(
    dataDir: string,
    bronze: DeltaTable,
    rejected: DeltaTable,
    specTables: SpecTables[],
    db: DuckDBInstance,
    conn: DuckDBConnection,
    onBadRecord: OnBadRecord,
    options: MedallionOptions,
  ) {
    this.dataDir = dataDir;
    this.#lake = options.lake ?? localLakeTables(dataDir);
    this.#tablesConfig = options.tables ?? null;
    this.#common = { 'delta.checkpointInterval': String(options.checkpointInterval ?? 10) };
    this.bronze = bronze;
    this.rejected = rejected;
    this.specTables = specTables;
    this.#db = db;
    this.conn = conn;
    this.#onBadRecord = onBadRecord;
  }

  static async open(dataDir: string, options: MedallionOptions = {}): Promise<Medallion> {
    const common = { 'delta.checkpointInterval': String(options.checkpointInterval ?? 10) };
    const lake = options.lake ?? localLakeTables(dataDir);
    const bronze = await DeltaTable.createIfAbsent(
      lake.table('bronze', 'cdc_events'),
      { schema: BRONZE_EVENTS_SCHEMA, name: 'cdc_events', properties: common },
      TABLE_OPTIONS,
    );
    const rejected = await DeltaTable.createIfAbsent(
      lake.table('silver', '_rejected'),
      { schema: REJECTED_SCHEMA, name: '_rejected', properties: common },
      TABLE_OPTIONS,
    );
    const { specTables, appendOnly, generic } = await openCapturedTables(lake, options.specs ?? TABLE_SPECS, options.tables, common);
    const { db, conn } = await openWriterDb(dataDir, options.memoryLimit, options.threads);
    const medallion = new Medallion(dataDir, bronze, rejected, specTables, db, conn, options.onBadRecord ?? 'quarantine', options);
    for (const name of generic) medallion.#generic.add(name);
    medallion.appendOnly.push(...appendOnly);
    for (const tables of specTables) medallion.#notes.push(...(await catchUpHistory(conn, bronze, medallion.#quarantine(), tables)));
    return medallion;
  }

  /**
   * Tables seen for the first time in Bronze version `v` get their spec and their Delta tables, which
   * start as having applied version v - 1 (spec-tables.ts: openFoundTable). Returns one message per
   * table found or left in Bronze only.
   */
  async #discover(entries: BronzeEntry[], v: number): Promise<string[]> {
    if (this.#tablesConfig === null) return [];
    const notes: string[] = [];
    for (const e of entries) {
      const d = e.decoded;
      if (!d.ok || d.value.kind !== 'change' || d.value.op === 't') continue;
      const change = d.value;
      if (this.#specs().some((s) => s.matches(change))) continue;
      const lower = change.source.table.toLowerCase();
      if (this.#skipped.has(lower)) continue;
      const made = specForChange(change, this.#tablesConfig);
      if (typeof made === 'string') {
        this.#skipped.add(lower);
        notes.push(made);
        continue;
      }
      const properties = { ...this.#common, ...made.properties };
      const opened = await openFoundTable(this.conn, this.bronze, this.#quarantine(), this.#lake, made, change.source.table, properties, v);
      notes.push(...opened.notes);
      if (opened.found.appendOnly) this.appendOnly.push(opened.found.appendOnly);
      else {
        this.specTables.push(opened.found.keyed);
        this.#generic.add(made.spec.name);
      }
    }
    return notes;
  }

  /** Where a catch-up from Bronze sends what it cannot apply, and whether that stops it. */
  #quarantine(): Quarantine {
    return { table: this.rejected, onBadRecord: this.#onBadRecord };
  }

  /** The Tickets tables (the first spec), for readers that know only them. */
  get silver(): DeltaTable {
    return this.specTables[0].silver;
  }
  get history(): DeltaTable {
    const { history, spec } = this.specTables[0];
    if (!history)
      throw new ShoriError('SHORI_NOT_FOUND', `silver/${spec.name} keeps no history (TABLES_CONFIG history: false)`, { context: { table: spec.name } });
    return history;
  }

  /** Every table the medallion writes: Bronze first, then the derived tables. */
  tables(): DeltaTable[] {
    const keyed = this.specTables.flatMap((t) => (t.history ? [t.deleted, t.silver, t.history] : [t.deleted, t.silver]));
    return [this.bronze, this.rejected, ...keyed, ...this.appendOnly.map((t) => t.history)];
  }

  /** Every captured table's spec, keyed and append-only. */
  #specs(): TableSpec[] {
    return [...this.specTables.map((t) => t.spec), ...this.appendOnly.map((t) => t.spec)];
  }

  /** Where each partition resumes: after the highest position Bronze holds. */
  resumePositions(partitions: StreamPartition[]): Promise<PartitionPosition[]> {
    return bronzeResumePositions(this.bronze, partitions);
  }

  /** Decodes records of a coming batch now (while DuckDB works on the current one); appendBronze takes the results. */
  decodeAhead(records: readonly FeedRecord[]): void {
    decodeAhead(records);
  }

  /** Appends a batch to Bronze; the caller commits `positions` to the feed once this returned. */
  async appendBronze(records: FeedRecord[]): Promise<BronzeResult> {
    // A record with neither key nor value is the tombstone Debezium writes after a delete in a table
    // without a primary key: decoded as a tombstone without a key (nothing to apply), not rejected.
    const decoded: DecodeResult[] = records.map(decodeRecord);
    const result = await appendToBronze(this.conn, this.bronze, records, decoded, isoMicros());
    if (result.committed) {
      this.#pending = { version: result.version, entries: result.appended.map((i) => ({ ...records[i], decoded: decoded[i] })) };
    }
    return {
      records: records.length,
      appended: result.appended.length,
      decodeErrors: result.appended.filter((i) => !decoded[i].ok).length,
      bronzeVersion: result.version,
      positions: result.positions,
    };
  }

  /** Bronze then every derived table, in one call (tests, benchmarks; the worker commits the feed between the two). */
  async writeBatch(records: FeedRecord[]): Promise<BronzeResult & CatchUpResult> {
    const bronze = await this.appendBronze(records);
    return { ...(await this.catchUp()), ...bronze };
  }

  /** Brings every derived table up to Bronze's latest version (see the module comment). */
  async catchUp(): Promise<CatchUpResult> {
    await this.bronze.refresh();
    for (const t of this.tables().slice(1)) await t.refresh();
    const latest = this.bronze.snapshot.version;
    const out: CatchUpResult = {
      bronzeVersion: latest,
      versionsApplied: 0,
      changes: 0,
      rejected: 0,
      rejects: [],
      redelivered: 0,
      silverRowsChanged: 0,
      versions: {},
      freshnessMs: null,
      schemaDrift: [],
      tablesDiscovered: [],
      schemaChanges: [],
    };
    out.tablesDiscovered.push(...this.#notes.splice(0));
    const derived = this.tables().slice(1);
    const lowest = Math.min(...derived.map(appliedBronzeVersion));
    for (let v = lowest + 1; v <= latest; v++) {
      const entries = this.#pending?.version === v ? this.#pending.entries : await readBronzeVersion(this.conn, this.bronze, v);
      if (entries.length === 0) continue; // no data (table creation, compaction): nothing to apply
      out.tablesDiscovered.push(...(await this.#discover(entries, v)));
      const changes = entries.flatMap((e) => (e.decoded.ok && e.decoded.value.kind === 'change' ? [e.decoded.value] : []));
      const evolving = [
        ...this.specTables.filter((t) => this.#generic.has(t.spec.name) || t.spec.fixedColumns),
        ...this.appendOnly.map((t) => ({ ...t, silver: null })),
      ];
      const evolved = await applySchemaChanges(evolving, changes);
      for (const t of this.appendOnly) t.spec = evolving.find((e) => e.history === t.history)!.spec;
      out.schemaChanges.push(...evolved.applied);
      for (const c of evolved.conflicts) if (!this.#conflictsSeen.has(c)) (this.#conflictsSeen.add(c), out.schemaDrift.push(c));
      await this.#applyVersion(await prepareBatch(this.conn, this.#specs(), entries, v, evolved.blocked), out);
      out.versionsApplied++;
    }
    if (this.#pending && this.#pending.version <= latest && derived.every((t) => appliedBronzeVersion(t) >= this.#pending!.version)) this.#pending = null;
    out.versions['bronze.cdc_events'] = latest;
    for (const t of derived) out.versions[name(t)] = t.snapshot.version;
    return out;
  }

  async #applyVersion(batch: PreparedBatch, out: CatchUpResult): Promise<void> {
    const v = batch.bronzeVersion;
    const now = isoMicros();
    if (batch.rejects.length > 0 && this.#onBadRecord === 'fail' && appliedBronzeVersion(this.rejected) < v) throw badRecordError(batch.rejects[0], v);
    const rejected = await this.#once(this.rejected, v, () => applyRejected(this.conn, this.rejected, batch, now));
    if (rejected) {
      out.rejected += rejected.rows;
      out.rejects.push(...batch.rejects.slice(0, Math.max(0, 5 - out.rejects.length)));
    }
    for (const prepared of batch.tables) {
      const historyOnly = this.appendOnly.find((t) => t.spec === prepared.spec);
      if (historyOnly) {
        const history = await this.#once(historyOnly.history, v, () => applyHistory(this.conn, historyOnly.history, prepared, v, now));
        if (history) ((out.changes += history.rows), (out.redelivered += history.duplicates));
        continue;
      }
      const tables = this.specTables.find((t) => t.spec === prepared.spec)!;
      await this.#once(tables.deleted, v, () => applyDeleted(this.conn, tables.deleted, prepared, v, now));
      await tables.deleted.refresh();
      const silver = await this.#once(tables.silver, v, () => applySilver(this.conn, tables.silver, tables.deleted, prepared, v, now));
      if (silver) {
        out.changes += silver.rows;
        out.silverRowsChanged += silver.rowsChanged;
        if (batch.sourceTimes && this.#pending?.version === v) {
          const at = Date.now();
          out.freshnessMs = { min: at - batch.sourceTimes.max, max: at - batch.sourceTimes.min };
        }
      }
      const keep = tables.history;
      if (!keep) continue;
      const history = await this.#once(keep, v, () => applyHistory(this.conn, keep, prepared, v, now));
      if (history) out.redelivered += history.duplicates;
    }
    for (const message of batch.drift) {
      if (this.#driftSeen.has(message)) continue;
      this.#driftSeen.add(message);
      out.schemaDrift.push(message);
    }
  }

  /**
   * Runs a step unless its table already applied `v`. Another instance applying the same version
   * at the same moment makes our commit lose with a conflict on the txn: then the work is done.
   */
  async #once<T>(table: DeltaTable, v: number, step: () => Promise<T>): Promise<T | null> {
    if (appliedBronzeVersion(table) >= v) return null;
    try {
      return await step();
    } catch (error) {
      if (!isDeltaError(error, 'DELTA_CONFLICT')) throw error;
      await table.refresh();
      if (appliedBronzeVersion(table) >= v) return null;
      throw error;
    }
  }

  /**
   * Compacts small files (dataChange=false, skipped by readers of changes) and vacuums when asked:
   * files no version of the last `retentionHours` needs (LAKEHOUSE_VACUUM_RETENTION_HOURS), or of a
   * table's own `delta.deletedFileRetentionDuration` when the table sets one (its owner chose it).
   */
  async maintain(options: { vacuum: boolean; retentionHours?: number }): Promise<{ optimized: string[]; vacuumedFiles: number }> {
    const optimized: string[] = [];
    let vacuumedFiles = 0;
    // Compaction is background work: on one DuckDB thread it holds half the row groups in memory at
    // once (each thread buffers its own), which keeps the peak RSS of a large table's compaction down.
    const threads = (await this.conn.runAndReadAll("SELECT current_setting('threads') AS n")).getRowObjects()[0]?.n;
    await this.conn.run('SET threads = 1');
    try {
      for (const table of this.tables()) {
        await table.refresh();
        const result = await table.optimize(this.conn);
        if (result.committed) optimized.push(table.location);
        if (!options.vacuum) continue;
        const own = table.snapshot.properties['delta.deletedFileRetentionDuration'] !== undefined;
        const retention = own || options.retentionHours === undefined ? {} : { retentionHours: options.retentionHours, force: true };
        vacuumedFiles += (await table.vacuum(retention)).files.length;
      }
    } finally {
      await this.conn.run(`SET threads = ${Number(threads) || 1}`);
    }
    return { optimized, vacuumedFiles };
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.#db.closeSync();
  }
}
