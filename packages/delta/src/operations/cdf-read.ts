// Change Data Feed, reader side (PROTOCOL.md "Change Data Files"; delta-rs `load_cdf`): the row
// changes of commits `from..to` as one DuckDB table expression with the table's columns plus
// `_change_type`, `_commit_version` and `_commit_timestamp`. Per commit:
// - with cdc actions: the rows of those change files (they hold every change of the commit);
// - otherwise: derived from adds and removes with dataChange=true, deletion vectors included
//   (cdf-files.ts); optimize (dataChange=false) yields nothing.
// `_commit_timestamp` is the commit's time as timestamp time travel uses it: its in-commit
// timestamp where In-Commit Timestamps are enabled, else the commit file's modification time, made
// strictly increasing over the range as Spark does. Columns are read as the latest schema names
// them (column mapping by name or id included).
// The feed must be enabled at every version of the range, and the commit files and the data they
// point at must still exist (VACUUM and log cleanup end the feed's history).
import { DeltaError } from '../errors.ts';
import type { Action, AddAction, MetadataAction, ProtocolAction } from '../actions/types.ts';
import { parseCommit } from '../actions/serde.ts';
import { commitPath } from '../log/log-files.ts';
import type { Storage } from '../storage/storage.ts';
import { prepareDataFiles, relativeDataFile, resolveDataFile } from '../storage/paths.ts';
import { loadSnapshot, readParquetSchema, type Snapshot } from '../snapshot/snapshot.ts';
import { ictEnabledAt } from '../snapshot/time-travel.ts';
import type { ParquetNode } from '../column-mapping/column-mapping.ts';
import { buildScanSql, emptySelect, type ScanLayout } from './scan.ts';
import { fileChanges, fileChangesSql } from './cdf-files.ts';
import { cdfPropertySet, changeDataSchema, protocolAllowsCdf, CHANGE_TYPE_COLUMN, type CdcAction } from './cdf-write.ts';

export const COMMIT_VERSION_COLUMN = '_commit_version';
export const COMMIT_TIMESTAMP_COLUMN = '_commit_timestamp';

interface CommitChanges {
  version: number;
  actions: Action[];
  inCommitTimestamp?: number;
}

async function readCommitChanges(storage: Storage, version: number): Promise<CommitChanges> {
  const bytes = await storage.get(commitPath(version));
  if (bytes === undefined) {
    throw new DeltaError('DELTA_PROTOCOL', `Change data for version ${version} is not available: its commit file is gone (log cleanup)`, {
      context: { version, location: storage.location },
    });
  }
  const actions = parseCommit(Buffer.from(bytes).toString('utf8'), version);
  const info = actions.find((a) => 'commitInfo' in a);
  const ict = info && 'commitInfo' in info ? info.commitInfo.inCommitTimestamp : undefined;
  return { version, actions, ...(typeof ict === 'number' ? { inCommitTimestamp: ict } : {}) };
}

/** The commit's time: its in-commit timestamp when enabled there, else its file's modification time. */
async function commitTime(storage: Storage, commit: CommitChanges, metadata: MetadataAction): Promise<{ time: number; ict: boolean }> {
  if (ictEnabledAt(metadata.configuration ?? {}, commit.version)) {
    if (commit.inCommitTimestamp === undefined) {
      throw new DeltaError('DELTA_PROTOCOL', `Commit ${commit.version} has no commitInfo.inCommitTimestamp although In-Commit Timestamps are enabled`, {
        context: { version: commit.version },
      });
    }
    return { time: commit.inCommitTimestamp, ict: true };
  }
  const stat = await storage.stat(commitPath(commit.version));
  if (!stat)
    throw new DeltaError('DELTA_IO', `Cannot stat commit ${commit.version}`, {
      canRetry: true,
      context: { version: commit.version, location: storage.location },
    });
  return { time: stat.modificationTime, ict: false };
}

function cdcScanFile(cdc: CdcAction): AddAction {
  return { path: cdc.path, partitionValues: cdc.partitionValues ?? {}, size: cdc.size ?? 0, modificationTime: 0, dataChange: true };
}

/** Every file is still there (not vacuumed), and readable by the engine. */
async function assertPresent(storage: Storage, files: AddAction[], version: number): Promise<void> {
  for (const f of files) {
    const uri = resolveDataFile(storage, f.path);
    const rel = relativeDataFile(f.path) ?? (uri.startsWith(storage.location) ? uri.slice(storage.location.length).replace(/^\/+/, '') : undefined);
    if (rel !== undefined && !(await storage.stat(rel))) {
      throw new DeltaError('DELTA_PROTOCOL', `Change data for version ${version} is not available: file ${f.path} was removed (VACUUM)`, {
        context: { version, path: f.path, location: storage.location },
      });
    }
  }
  await prepareDataFiles(
    storage,
    files.map((f) => f.path),
  );
}

export interface ChangesRange {
  from: number;
  to: number;
}

/** Validates the range against the latest snapshot and resolves an open end to its version. */
export function resolveRange(latest: Snapshot, from: number, to?: number): ChangesRange {
  const end = to ?? latest.version;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(end) || from < 0 || end < from || end > latest.version) {
    throw new DeltaError('DELTA_PROTOCOL', `Invalid change data range ${from}..${to ?? 'latest'} (table is at version ${latest.version})`, {
      context: { from, to: to ?? null, latest: latest.version },
    });
  }
  return { from, to: end };
}

function assertFeedRecorded(storage: Storage, v: number, metadata: MetadataAction, protocol: ProtocolAction): void {
  if (!cdfPropertySet(metadata.configuration ?? {})) {
    throw new DeltaError(
      'DELTA_PROTOCOL',
      `Change data feed is not enabled at version ${v} of ${storage.location}. Help: set delta.enableChangeDataFeed=true on the table; changes are only recorded from then on.`,
      { context: { version: v, location: storage.location } },
    );
  }
  if (!protocolAllowsCdf(protocol)) {
    throw new DeltaError(
      'DELTA_PROTOCOL',
      `Change data feed of ${storage.location} at version ${v} is not recorded: the table protocol (writer ${protocol.minWriterVersion}) predates the feature, so writers did not write change data. Help: recreate the table with delta.enableChangeDataFeed=true (it then gets writer version 4).`,
      { context: { version: v, location: storage.location, minWriterVersion: protocol.minWriterVersion } },
    );
  }
}

/** Scan layouts of data and change-data files under the latest schema (Parquet schemas loaded on demand in id mode). */
function changesLayouts(storage: Storage, latest: Snapshot) {
  const schemas = new Map<string, ParquetNode>();
  const base = {
    partitionColumns: latest.partitionColumns,
    columnMapping: latest.columnMapping ?? 'none',
    parquetSchema: (f: AddAction) => schemas.get(f.path),
  };
  const data: ScanLayout = { ...base, schema: latest.schema };
  const cdc: ScanLayout = { ...base, schema: changeDataSchema(latest.schema) };
  const load = async (files: AddAction[]) => {
    if (base.columnMapping !== 'id') return;
    for (const f of files) if (!schemas.has(f.path)) schemas.set(f.path, await readParquetSchema(storage, f.path));
  };
  return { data, cdc, load };
}

/** DuckDB table expression of the changes in versions from..to (inclusive). */
export async function buildChangesSql(storage: Storage, latest: Snapshot, from: number, to?: number): Promise<string> {
  const range = resolveRange(latest, from, to);
  const start = await loadSnapshot(storage, range.from);
  const schema = latest.schema;
  const layouts = changesLayouts(storage, latest);
  const columns = [...schema.fields.map((f) => f.name), CHANGE_TYPE_COLUMN].map((n) => `"${n.replaceAll('"', '""')}"`).join(', ');
  let metadata: MetadataAction = start.metadata;
  let protocol: ProtocolAction = start.protocol;
  let previousTime = -Infinity;
  const selects: string[] = [];
  for (let v = range.from; v <= range.to; v++) {
    const commit = await readCommitChanges(storage, v);
    for (const a of commit.actions) {
      if ('metaData' in a) metadata = a.metaData;
      else if ('protocol' in a) protocol = a.protocol;
    }
    assertFeedRecorded(storage, v, metadata, protocol);
    const { time, ict } = await commitTime(storage, commit, metadata);
    const timestamp = ict ? time : Math.max(time, previousTime + 1);
    previousTime = timestamp;
    const meta = `${v}::BIGINT AS ${COMMIT_VERSION_COLUMN}, (epoch_ms(${Math.trunc(timestamp)}::BIGINT) AT TIME ZONE 'UTC') AS ${COMMIT_TIMESTAMP_COLUMN}`;
    const cdc = commit.actions.flatMap((a) => ('cdc' in a ? [cdcScanFile((a as unknown as { cdc: CdcAction }).cdc)] : []));
    if (cdc.length > 0) {
      await assertPresent(storage, cdc, v);
      await layouts.load(cdc);
      selects.push(`SELECT ${columns}, ${meta} FROM ${buildScanSql(storage, layouts.cdc, cdc)}`);
      continue;
    }
    const adds = commit.actions.flatMap((a) => ('add' in a && a.add.dataChange ? [a.add] : []));
    const removes = commit.actions.flatMap((a) => ('remove' in a && a.remove.dataChange ? [a.remove] : []));
    const changes = await fileChanges(storage, adds, removes);
    const files = changes.map((c) => c.file);
    await assertPresent(storage, files, v);
    await layouts.load(files);
    selects.push(...fileChangesSql(storage, layouts.data, changes, (type) => `'${type}' AS ${CHANGE_TYPE_COLUMN}, ${meta}`));
  }
  if (selects.length === 0) {
    return `(SELECT *, CAST(NULL AS VARCHAR) AS ${CHANGE_TYPE_COLUMN}, CAST(NULL AS BIGINT) AS ${COMMIT_VERSION_COLUMN}, CAST(NULL AS TIMESTAMPTZ) AS ${COMMIT_TIMESTAMP_COLUMN} FROM ${emptySelect(schema)})`;
  }
  return `(${selects.join(' UNION ALL ')})`;
}
