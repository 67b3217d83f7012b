// An immutable view of the table at one version, built by log replay. Loading starts from the
// checkpoint `_last_checkpoint` names (validated; the log is listed, names only, when the hint is
// missing, broken or does not fit), else from the newest checkpoint <= version; refreshing reads
// only the commits after the current version, by probing version+1, version+2, ... so neither
// cost grows with the log's length.
import { DeltaError } from '../errors.ts';
import type { AddAction, MetadataAction, ProtocolAction, RemoveAction } from '../actions/types.ts';
import { parseCommit } from '../actions/serde.ts';
import { parseSchemaString } from '../schema/duckdb-types.ts';
import type { DeltaSchema } from '../schema/types.ts';
import { listFileNames, type Storage } from '../storage/storage.ts';
import { commitPath, listLog, selectSegment, LOG_DIR, type CheckpointRef } from '../log/log-files.ts';
import { readCheckpointHint, readCheckpointHintUnchecked } from '../log/last-checkpoint.ts';
import { TableState } from '../log/replay.ts';
import { readCheckpoint } from '../checkpoint/checkpoint.ts';
import { assertReadable } from './protocol-support.ts';
import { fileKey } from '../actions/types.ts';
import { columnMappingMode, parquetTree, type ColumnMappingMode, type ParquetNode } from '../column-mapping/column-mapping.ts';
import { loadDeletionVector } from '../deletion-vectors/load.ts';
import { withInternalConnection } from '../parquet/engine.ts';
import { prepareDataFiles, resolveDataFile } from '../storage/paths.ts';
import { quoteLiteral } from '../schema/duckdb-types.ts';

export interface Snapshot {
  readonly version: number;
  readonly schema: DeltaSchema;
  readonly partitionColumns: string[];
  readonly properties: Record<string, string>;
  readonly protocol: ProtocolAction;
  readonly metadata: MetadataAction;
  /** Live data files (add actions) in log order. */
  readonly files: AddAction[];
  /** Sum of numRecords over live files, or null when a file has no stats. */
  readonly numRows: number | null;
  txnVersion(appId: string): number | undefined;
  txns(): Map<string, number>;
  /** Removes still present as tombstones (for VACUUM and checkpoints). */
  tombstones(): RemoveAction[];
  /** Column mapping mode (`delta.columnMapping.mode`): data files use physical names or field ids. */
  readonly columnMapping?: ColumnMappingMode;
  /** Row indexes a live file's deletion vector deletes (undefined: no DV). */
  deletedRows?(file: AddAction): readonly number[] | undefined;
  /** Parquet schema of a live data file (loaded only in column mapping mode id). */
  parquetSchema?(file: AddAction): ParquetNode | undefined;
}

export class TableSnapshot implements Snapshot {
  readonly state: TableState;
  readonly version: number;
  readonly schema: DeltaSchema;
  readonly protocol: ProtocolAction;
  readonly metadata: MetadataAction;
  readonly columnMapping: ColumnMappingMode;
  private cachedFiles?: AddAction[];
  private cachedRows?: number | null;
  private readonly dvRows = new Map<string, readonly number[]>();
  private readonly fileSchemas = new Map<string, ParquetNode>();

  constructor(state: TableState, location: string) {
    if (!state.protocol)
      throw new DeltaError('DELTA_PROTOCOL', `Delta table ${location} has no protocol action at version ${state.version}`, { context: { location } });
    if (!state.metadata)
      throw new DeltaError('DELTA_PROTOCOL', `Delta table ${location} has no metaData action at version ${state.version}`, { context: { location } });
    assertReadable(state.protocol, state.metadata, location);
    this.state = state;
    this.version = state.version;
    this.protocol = state.protocol;
    this.metadata = state.metadata;
    this.schema = parseSchemaString(state.metadata.schemaString);
    for (const column of this.partitionColumns) {
      if (!this.schema.fields.some((f) => f.name === column)) {
        throw new DeltaError('DELTA_PROTOCOL', `Partition column '${column}' is not in the schema of ${location}`, { context: { location, column } });
      }
    }
    this.columnMapping = columnMappingMode(state.metadata);
  }

  /**
   * Load what reading rows needs beyond the log: deletion vectors of live files and, in column
   * mapping mode id, each live file's Parquet schema (field ids). Reuses what `base` loaded.
   */
  async loadReadSupport(storage: Storage, base?: TableSnapshot): Promise<this> {
    for (const [key, add] of this.state.files) {
      if (add.deletionVector) {
        const known = base?.dvRows.get(key);
        this.dvRows.set(key, known ?? (await loadDeletionVector(storage, add.deletionVector)));
      }
    }
    if (this.columnMapping === 'id') {
      for (const add of this.state.files.values()) {
        const known = base?.fileSchemas.get(add.path);
        this.fileSchemas.set(add.path, known ?? (await readParquetSchema(storage, add.path)));
      }
    }
    return this;
  }

  deletedRows(file: AddAction): readonly number[] | undefined {
    return this.dvRows.get(fileKey(file));
  }

  parquetSchema(file: AddAction): ParquetNode | undefined {
    return this.fileSchemas.get(file.path);
  }

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns ?? [];
  }
  get properties(): Record<string, string> {
    return this.metadata.configuration ?? {};
  }

  get files(): AddAction[] {
    this.cachedFiles ??= [...this.state.files.values()];
    return this.cachedFiles;
  }

  get numRows(): number | null {
    if (this.cachedRows === undefined) {
      let total = 0;
      for (const file of this.state.files.values()) {
        const n = file.stats ? (JSON.parse(file.stats) as { numRecords?: number }).numRecords : undefined;
        if (typeof n !== 'number') {
          total = NaN;
          break;
        }
        total += n - (file.deletionVector?.cardinality ?? 0);
      }
      this.cachedRows = Number.isNaN(total) ? null : total;
    }
    return this.cachedRows;
  }

  txnVersion(appId: string): number | undefined {
    return this.state.txns.get(appId)?.version;
  }
  txns(): Map<string, number> {
    return new Map([...this.state.txns].map(([k, v]) => [k, v.version]));
  }
  tombstones(): RemoveAction[] {
    return [...this.state.tombstones.values()];
  }
}

async function readCommit(storage: Storage, version: number): Promise<string | undefined> {
  const bytes = await storage.get(commitPath(version));
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

export async function loadSnapshot(storage: Storage, version?: number): Promise<TableSnapshot> {
  const hint = await readCheckpointHint(storage);
  if (hint && (version === undefined || version >= hint.version)) {
    const fromHint = await loadFromCheckpointHint(storage, hint, version);
    if (fromHint) return fromHint;
  }
  return loadFromListing(storage, version);
}

/**
 * Replay from the checkpoint `_last_checkpoint` names plus the commits after it, found by probing
 * `<v+1>.json`, `<v+2>.json`, ... (no listing). Undefined when the commits do not follow the
 * checkpoint as expected (one missing before `version`, or none after it while the checkpoint's
 * own commit is gone too): the hint may be stale or the log cleaned up past it, so the caller
 * lists the log instead.
 */
async function loadFromCheckpointHint(storage: Storage, hint: CheckpointRef, version: number | undefined): Promise<TableSnapshot | undefined> {
  const commits: Array<{ version: number; text: string }> = [];
  for (let v = hint.version + 1; version === undefined || v <= version; v++) {
    const text = await readCommit(storage, v);
    if (text === undefined) {
      if (version !== undefined) return undefined;
      // Nothing after the checkpoint: it is the latest version if its own commit is still there
      // (cleanup deletes oldest first, so a cleaned-up gap after it would have taken that too).
      if (commits.length === 0 && !(await storage.stat(commitPath(hint.version)))) return undefined;
      break;
    }
    commits.push({ version: v, text });
  }
  const state = new TableState();
  state.apply(await readCheckpoint(storage, hint), hint.version);
  for (const commit of commits) state.apply(parseCommit(commit.text, commit.version), commit.version);
  return new TableSnapshot(state, storage.location).loadReadSupport(storage);
}

async function loadFromListing(storage: Storage, version?: number): Promise<TableSnapshot> {
  const listing = await listLog(storage);
  if (listing.commits.size === 0 && listing.checkpoints.length === 0) {
    const hasLog = (await listFileNames(storage, LOG_DIR)).length > 0;
    throw new DeltaError(
      'DELTA_NOT_A_TABLE',
      hasLog ? `${storage.location}/_delta_log has no commits or checkpoints` : `${storage.location} is not a Delta table (no _delta_log)`,
      { context: { location: storage.location } },
    );
  }
  const segment = selectSegment(listing, storage.location, version);
  const state = new TableState();
  if (segment.checkpoint) state.apply(await readCheckpoint(storage, segment.checkpoint), segment.checkpoint.version);
  for (const commit of segment.commits) {
    const text = await readCommit(storage, commit.version);
    if (text === undefined) throw new DeltaError('DELTA_PROTOCOL', `Commit ${commit.version} disappeared while reading`, { canRetry: true });
    state.apply(parseCommit(text, commit.version), commit.version);
  }
  return new TableSnapshot(state, storage.location).loadReadSupport(storage);
}

/** The Parquet schema tree (names, field ids) of a data file. */
export async function readParquetSchema(storage: Storage, logPath: string): Promise<ParquetNode> {
  const uri = resolveDataFile(storage, logPath);
  await prepareDataFiles(storage, [logPath]);
  return withInternalConnection(async (conn) => {
    try {
      const reader = await conn.runAndReadAll(`SELECT name, field_id, num_children FROM parquet_schema(${quoteLiteral(uri)})`);
      return parquetTree(reader.getRowObjectsJS() as Array<{ name: string; field_id: number | null; num_children: number | null }>);
    } catch (cause) {
      throw new DeltaError('DELTA_IO', `Cannot read the Parquet schema of ${logPath}`, { cause, context: { path: logPath } });
    }
  });
}

/**
 * Newer snapshot from `base` by applying commits base.version+1.. until one is missing: cost
 * follows the new commits, not the log. When `<base+1>.json` is missing but `_last_checkpoint`
 * names a later version, the commits after `base` were cleaned up (a long-held snapshot on a
 * table others keep writing): reload from the checkpoint instead of staying stale forever.
 */
export async function refreshSnapshot(storage: Storage, base: TableSnapshot): Promise<TableSnapshot> {
  let state: TableState | undefined;
  for (let v = base.version + 1; ; v++) {
    const text = await readCommit(storage, v);
    if (text === undefined) break;
    state ??= base.state.clone();
    state.apply(parseCommit(text, v), v);
  }
  if (state) return new TableSnapshot(state, storage.location).loadReadSupport(storage, base);
  const hint = await readCheckpointHintUnchecked(storage);
  if (hint && hint.version > base.version) return loadSnapshot(storage);
  return base;
}
