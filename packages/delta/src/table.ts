// DeltaTable: the public handle on one table. Holds the latest loaded snapshot, plans each
// operation against it, commits through the single transaction path, re-plans a bounded number
// of times when a concurrent writer made the plan stale, refreshes incrementally after each
// commit and writes a checkpoint every `delta.checkpointInterval` (default 10) commits, after
// which it deletes log files past `delta.logRetentionDuration` (log/cleanup.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import { isDeltaError, DeltaError } from './errors.ts';
import { parseCommit } from './actions/serde.ts';
import { quoteIdent } from './schema/duckdb-types.ts';
import type { Storage } from './storage/storage.ts';
import { storageFor } from './storage/local-storage.ts';
import { prepareDataFiles, resolveDataFile } from './storage/paths.ts';
import { commitPath } from './log/log-files.ts';
import { loadSnapshot, refreshSnapshot, type Snapshot, type TableSnapshot } from './snapshot/snapshot.ts';
import { assertWritable } from './snapshot/protocol-support.ts';
import { versionAtTimestamp } from './snapshot/time-travel.ts';
import { commitWithRetry } from './transaction/commit.ts';
import { writeCheckpoint } from './checkpoint/checkpoint.ts';
import { cleanupExpiredLogs, logCleanupDue, logRetentionMs, type LogCleanupResult } from './log/cleanup.ts';
import { createActions, type CreateOptions } from './operations/create.ts';
import { planAppend, planOverwrite } from './operations/write.ts';
import { planDelete } from './operations/delete.ts';
import { planMerge } from './operations/merge.ts';
import { planOptimize, type OptimizeOptions } from './operations/optimize.ts';
import { planUpdate, type UpdateSpec } from './operations/update.ts';
import { planSchemaChange, type SchemaChangeOptions } from './operations/schema-change.ts';
import { vacuum as runVacuum, type VacuumOptions, type VacuumResult } from './operations/vacuum.ts';
import { buildChangesSql } from './operations/cdf-read.ts';
import { withInternalConnection } from './parquet/engine.ts';
import type { CheckpointWritten } from './checkpoint/checkpoint.ts';
import { buildScanSql } from './operations/scan.ts';
import type { DeltaSchema } from './schema/types.ts';
import type { CommitResult, MergeSpec, OperationPlan, WriteOptions } from './operations/types.ts';

export interface HistoryEntry {
  version: number;
  timestamp: number;
  operation: string;
  operationParameters?: unknown;
  operationMetrics?: unknown;
  engineInfo?: string;
}

export interface SelectOptions {
  columns?: string[];
  /** A DuckDB SQL condition over the table's columns. */
  where?: string;
  orderBy?: string;
  limit?: number;
  version?: number;
  timestamp?: Date;
}

export interface TableOptions {
  /** How many times an operation is re-planned after a retryable conflict (default 3). */
  maxOperationRetries?: number;
  /** Lost commit races tolerated per attempt (default 20). */
  maxCommitAttempts?: number;
  /** Written as commitInfo.engineInfo of every commit, e.g. "my-app/1.2.0" (default "shori-delta/<version>"). */
  engineInfo?: string;
}

export class DeltaTable {
  readonly storage: Storage;
  private current: TableSnapshot;
  private readonly options: TableOptions;
  /** Last checkpoint error, if writing one failed (commits are not affected). */
  lastCheckpointError?: unknown;
  /** Last error of the automatic log cleanup after a checkpoint (commits are not affected). */
  lastLogCleanupError?: unknown;
  /** Snapshots whose data files `scan` made readable by the engine. */
  private readonly prepared = new WeakSet<Snapshot>();
  /** Oldest commit file the last log cleanup left; undefined until one ran in this process. */
  private oldestCommitLeft?: string;

  private constructor(storage: Storage, snapshot: TableSnapshot, options: TableOptions) {
    this.storage = storage;
    this.current = snapshot;
    this.options = options;
  }

  get location(): string {
    return this.storage.location;
  }
  get snapshot(): Snapshot {
    return this.current;
  }

  static async open(location: string | Storage, options: TableOptions = {}): Promise<DeltaTable> {
    const storage = storageFor(location);
    return new DeltaTable(storage, await loadSnapshot(storage), options);
  }

  static async createIfAbsent(location: string | Storage, create: CreateOptions, options: TableOptions = {}): Promise<DeltaTable> {
    const storage = storageFor(location);
    try {
      return await DeltaTable.open(storage, options);
    } catch (error) {
      if (!isDeltaError(error, 'DELTA_NOT_A_TABLE')) throw error;
    }
    const actions = createActions(create);
    await commitWithRetry(
      storage,
      {
        readVersion: -1,
        operation: 'CREATE TABLE',
        operationParameters: { mode: 'ErrorIfExists', partitionBy: JSON.stringify(create.partitionColumns ?? []), location: storage.location },
        actions,
        read: { readFiles: new Set(), readsData: false },
        isBlindAppend: true,
      },
      { maxAttempts: 1, engineInfo: options.engineInfo },
    ).catch((error) => {
      // Another process created it first: use theirs.
      if (isDeltaError(error, 'DELTA_CONFLICT')) return -1;
      throw error;
    });
    return DeltaTable.open(storage, options);
  }

  async refresh(): Promise<Snapshot> {
    this.current = await refreshSnapshot(this.storage, this.current);
    return this.current;
  }

  async snapshotAt(version: number): Promise<Snapshot> {
    if (version === this.current.version) return this.current;
    return loadSnapshot(this.storage, version);
  }

  /**
   * The snapshot as of `timestamp`: the latest version committed at or before it (commit file
   * time, or inCommitTimestamp when In-Commit Timestamps are enabled). Refreshes first.
   */
  async snapshotAtTimestamp(timestamp: Date): Promise<Snapshot> {
    const latest = await this.refresh();
    return this.snapshotAt(await versionAtTimestamp(this.storage, latest, timestamp.getTime()));
  }

  /**
   * The DuckDB table expression of a snapshot's rows (default: the current one), after making its
   * data files readable by the engine: on an object store they are fetched into the local cache.
   */
  async scan(snapshot?: Snapshot): Promise<string> {
    const snap = snapshot ?? this.current;
    await prepareDataFiles(
      this.storage,
      snap.files.map((f) => f.path),
    );
    this.prepared.add(snap);
    return buildScanSql(this.storage, snap, snap.files);
  }

  /**
   * `scan` without the fetch: for storage the engine reads in place (local folders), or a snapshot
   * `scan` prepared. On an object store, any other snapshot is refused (its files may not be local).
   */
  scanSql(snapshot?: Snapshot): string {
    const snap = snapshot ?? this.current;
    if (this.storage.prepareEngineRead && snap.files.length > 0 && !this.prepared.has(snap)) {
      throw new DeltaError(
        'DELTA_PROTOCOL',
        `The data files of ${this.location} are not local: use await table.scan(), which fetches them, instead of scanSql()`,
        { context: { location: this.location, version: snap.version } },
      );
    }
    return buildScanSql(this.storage, snap, snap.files);
  }

  /**
   * Rows of the latest snapshot, or of `version` / `timestamp`: the `columns` asked (all by default)
   * of the rows matching `where` (DuckDB SQL over the table's column names), in `orderBy` order,
   * at most `limit`. DuckDB pushes the projection and the filter into the Parquet reads (row groups
   * skipped by their statistics). JSON-safe values: big integers and decimals as strings.
   */
  async select(conn: DuckDBConnection, options: SelectOptions = {}): Promise<Record<string, unknown>[]> {
    const snap =
      options.version !== undefined
        ? await this.snapshotAt(options.version)
        : options.timestamp !== undefined
          ? await this.snapshotAtTimestamp(options.timestamp)
          : this.current;
    const columns = options.columns?.map(quoteIdent).join(', ') ?? '*';
    const sql =
      `SELECT ${columns} FROM ${await this.scan(snap)}${options.where ? ` WHERE ${options.where}` : ''}` +
      `${options.orderBy ? ` ORDER BY ${options.orderBy}` : ''}${options.limit !== undefined ? ` LIMIT ${Math.trunc(options.limit)}` : ''}`;
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  }

  /** Engine (DuckDB) locations of the live data files. */
  dataFileUris(snapshot?: Snapshot): string[] {
    return (snapshot ?? this.current).files.map((f) => resolveDataFile(this.storage, f.path));
  }

  append(conn: DuckDBConnection, sourceSql: string, options?: WriteOptions): Promise<CommitResult> {
    return this.run((snap) => planAppend(conn, this.storage, snap, sourceSql, options));
  }

  overwrite(conn: DuckDBConnection, sourceSql: string, options?: WriteOptions): Promise<CommitResult> {
    return this.run((snap) => planOverwrite(conn, this.storage, snap, sourceSql, options));
  }

  delete(conn: DuckDBConnection, predicateSql: string, options?: WriteOptions): Promise<CommitResult> {
    return this.run((snap) => planDelete(conn, this.storage, snap, predicateSql, options));
  }

  merge(conn: DuckDBConnection, spec: MergeSpec, options?: WriteOptions): Promise<CommitResult> {
    return this.run((snap) => planMerge(conn, this.storage, snap, spec, options));
  }

  /** Compact small files (dataChange=false); see operations/optimize.ts. */
  optimize(conn: DuckDBConnection, options?: OptimizeOptions): Promise<CommitResult> {
    return this.run((snap) => planOptimize(conn, this.storage, snap, options));
  }

  /** UPDATE SET ... WHERE ... (copy-on-write; change data on CDF tables); see operations/update.ts. */
  update(conn: DuckDBConnection, spec: UpdateSpec, options?: WriteOptions): Promise<CommitResult> {
    return this.run((snap) => planUpdate(conn, this.storage, snap, spec, options));
  }

  /** A new schema: added nullable columns and widened types, no data rewritten; see operations/schema-change.ts. */
  changeSchema(schema: DeltaSchema, options?: SchemaChangeOptions): Promise<CommitResult> {
    return this.run(async (snap) => planSchemaChange(snap, schema, options));
  }

  /** Delete files no version within the retention needs; see operations/vacuum.ts. */
  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    await this.refresh();
    assertWritable(this.current.protocol, this.current.metadata, this.location);
    const result = await runVacuum(this.storage, this.current, options, { engineInfo: this.options.engineInfo });
    if (result.endVersion !== undefined) {
      await this.refresh();
      await this.maybeCheckpoint(result.startVersion!);
      await this.maybeCheckpoint(result.endVersion);
    }
    return result;
  }

  /** Write a checkpoint of the current version now (and point _last_checkpoint at it). */
  async checkpoint(): Promise<CheckpointWritten> {
    await this.refresh();
    return writeCheckpoint(this.storage, this.current.state);
  }

  /**
   * Delete expired log files now: commits, checkpoints and checksums older than
   * `delta.logRetentionDuration` (default 30 days) that lie strictly before a checkpoint, so every
   * version from that checkpoint on stays readable. Nothing when `delta.enableExpiredLogCleanup`
   * is false. Runs by itself after each automatic checkpoint (batched: it lists the log only once
   * the oldest commit is past the retention by a margin). See log/cleanup.ts.
   */
  async cleanupLog(options: { now?: number } = {}): Promise<LogCleanupResult> {
    await this.refresh();
    const result = await cleanupExpiredLogs(this.storage, this.current.properties, options.now);
    this.oldestCommitLeft = result.oldestCommit;
    return result;
  }

  /**
   * Change Data Feed: a DuckDB table expression of the row changes of versions from..to
   * (inclusive; latest when omitted), with `_change_type`, `_commit_version` and
   * `_commit_timestamp` columns. See operations/cdf-read.ts.
   */
  changesSql(fromVersion: number, toVersion?: number): Promise<string> {
    return buildChangesSql(this.storage, this.current, fromVersion, toVersion);
  }

  /** The rows of changesSql, ordered by version (JSON-safe values: big numbers and decimals as strings). */
  async changes(fromVersion: number, toVersion?: number, conn?: DuckDBConnection): Promise<Record<string, unknown>[]> {
    const sql = `SELECT * FROM ${await this.changesSql(fromVersion, toVersion)} ORDER BY _commit_version`;
    const read = async (c: DuckDBConnection) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    return conn ? read(conn) : withInternalConnection(read);
  }

  async history(limit?: number): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for (let v = this.current.version; v >= 0 && (limit === undefined || out.length < limit); v--) {
      const bytes = await this.storage.get(commitPath(v));
      if (bytes === undefined) break; // cleaned up before a checkpoint
      const info = parseCommit(Buffer.from(bytes).toString('utf8'), v).find((a) => 'commitInfo' in a);
      const ci = info && 'commitInfo' in info ? info.commitInfo : {};
      out.push({
        version: v,
        timestamp: Number(ci.inCommitTimestamp ?? ci.timestamp ?? 0),
        operation: String(ci.operation ?? 'UNKNOWN'),
        operationParameters: ci.operationParameters,
        operationMetrics: ci.operationMetrics,
        ...(ci.engineInfo ? { engineInfo: ci.engineInfo } : {}),
      });
    }
    return out;
  }

  private async run(plan: (snapshot: TableSnapshot) => Promise<OperationPlan>): Promise<CommitResult> {
    const maxRetries = this.options.maxOperationRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const snap = this.current;
      assertWritable(snap.protocol, snap.metadata, this.location);
      const planned = await plan(snap);
      const hasData = planned.pending.actions.length > 0;
      if (!hasData) return { version: snap.version, committed: false, ...planned.result };
      let version: number;
      try {
        version = await commitWithRetry(this.storage, planned.pending, { maxAttempts: this.options.maxCommitAttempts, engineInfo: this.options.engineInfo });
      } catch (error) {
        // Never-committed data files are garbage: remove them.
        for (const add of planned.written) await this.storage.delete(decodeURIComponent(add.path)).catch(() => undefined);
        if (isDeltaError(error, 'DELTA_CONFLICT') && error.canRetry && attempt < maxRetries) {
          await this.refresh();
          continue;
        }
        throw error;
      }
      await this.refresh();
      await this.maybeCheckpoint(version);
      return { version, committed: true, ...planned.result };
    }
  }

  private async maybeCheckpoint(version: number): Promise<void> {
    const raw = Number(this.current.properties['delta.checkpointInterval'] ?? 10);
    const interval = Number.isInteger(raw) && raw > 0 ? raw : 10;
    if (version % interval !== 0 || version === 0) return;
    const snap = version === this.current.version ? this.current : await loadSnapshot(this.storage, version);
    try {
      await writeCheckpoint(this.storage, snap.state);
      this.lastCheckpointError = undefined;
    } catch (error) {
      this.lastCheckpointError = error instanceof DeltaError ? error : new DeltaError('DELTA_IO', 'Writing checkpoint failed', { cause: error });
      return;
    }
    await this.autoCleanupLog();
  }

  /** Log cleanup after an automatic checkpoint, skipped (one stat) while nothing can be expired. */
  private async autoCleanupLog(): Promise<void> {
    try {
      const properties = this.current.properties;
      // Batch deletions: list the log only once the oldest commit is past the retention by 1% of
      // it (at most an hour): about once an hour for the 30-day default, not every checkpoint.
      const slack = Math.min(logRetentionMs(properties) / 100, 3_600_000);
      if (!(await logCleanupDue(this.storage, properties, this.oldestCommitLeft, slack))) return;
      this.oldestCommitLeft = (await cleanupExpiredLogs(this.storage, properties)).oldestCommit;
      this.lastLogCleanupError = undefined;
    } catch (error) {
      this.lastLogCleanupError = error instanceof DeltaError ? error : new DeltaError('DELTA_IO', 'Log cleanup failed', { cause: error });
    }
  }
}
