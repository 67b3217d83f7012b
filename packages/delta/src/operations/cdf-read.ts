// Change Data Feed, reader side (PROTOCOL.md "Change Data Files"; delta-rs `load_cdf`): the row
// changes of commits `from..to` as one DuckDB table expression with the table's columns plus
// `_change_type`, `_commit_version` and `_commit_timestamp` (the commit's in-commit timestamp or
// commitInfo timestamp, as TIMESTAMPTZ). Per commit:
// - with cdc actions: the rows of those change files (they hold every change of the commit);
// - otherwise: rows of added files with dataChange=true are `insert`, rows of removed files with
//   dataChange=true are `delete` (appends, overwrites, whole-file deletes); optimize
//   (dataChange=false) yields nothing.
// The feed must be enabled at every version of the range, and the commit files and the data they
// point at must still exist (VACUUM and log cleanup end the feed's history).
import { DeltaError } from '../errors.ts';
import type { Action, AddAction, MetadataAction, ProtocolAction } from '../actions/types.ts';
import { parseCommit } from '../actions/serde.ts';
import { commitPath } from '../log/log-files.ts';
import type { DeltaSchema } from '../schema/types.ts';
import type { Storage } from '../storage/storage.ts';
import { prepareDataFiles, relativeDataFile, resolveDataFile } from '../storage/paths.ts';
import { loadSnapshot, type Snapshot } from '../snapshot/snapshot.ts';
import { buildScanSql, emptySelect } from './scan.ts';
import { cdfPropertySet, changeDataSchema, protocolAllowsCdf, CHANGE_TYPE_COLUMN, type CdcAction } from './cdf-write.ts';

export const COMMIT_VERSION_COLUMN = '_commit_version';
export const COMMIT_TIMESTAMP_COLUMN = '_commit_timestamp';

interface CommitChanges { version: number; timestamp: number; actions: Action[] }

async function readCommitChanges(storage: Storage, version: number): Promise<CommitChanges> {
  const path = commitPath(version);
  const bytes = await storage.get(path);
  if (bytes === undefined) {
    throw new DeltaError('DELTA_PROTOCOL', `Change data for version ${version} is not available: its commit file is gone (log cleanup)`, { context: { version, location: storage.location } });
  }
  const actions = parseCommit(Buffer.from(bytes).toString('utf8'), version);
  const info = actions.find((a) => 'commitInfo' in a);
  const ci = info && 'commitInfo' in info ? info.commitInfo : undefined;
  let timestamp = Number(ci?.inCommitTimestamp ?? ci?.timestamp ?? NaN);
  if (!Number.isFinite(timestamp)) timestamp = (await storage.stat(path))?.modificationTime ?? 0;
  return { version, timestamp, actions };
}

function asScanFile(file: { path: string; partitionValues?: Record<string, string | null> | null; size?: number | null }): AddAction {
  return { path: file.path, partitionValues: file.partitionValues ?? {}, size: file.size ?? 0, modificationTime: 0, dataChange: true };
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
  await prepareDataFiles(storage, files.map((f) => f.path));
}

export interface ChangesRange { from: number; to: number }

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

/** DuckDB table expression of the changes in versions from..to (inclusive). */
export async function buildChangesSql(storage: Storage, latest: Snapshot, from: number, to?: number): Promise<string> {
  const range = resolveRange(latest, from, to);
  const start = await loadSnapshot(storage, range.from);
  const schema: DeltaSchema = latest.schema;
  const layout = { schema, partitionColumns: latest.partitionColumns };
  const cdcLayout = { schema: changeDataSchema(schema), partitionColumns: latest.partitionColumns };
  const columns = [...schema.fields.map((f) => f.name), CHANGE_TYPE_COLUMN].map((n) => `"${n.replaceAll('"', '""')}"`).join(', ');
  let metadata: MetadataAction = start.metadata;
  let protocol: ProtocolAction = start.protocol;
  const selects: string[] = [];
  for (let v = range.from; v <= range.to; v++) {
    const commit = await readCommitChanges(storage, v);
    for (const a of commit.actions) {
      if ('metaData' in a) metadata = a.metaData;
      else if ('protocol' in a) protocol = a.protocol;
    }
    if (!cdfPropertySet(metadata.configuration ?? {})) {
      throw new DeltaError('DELTA_PROTOCOL', `Change data feed is not enabled at version ${v} of ${storage.location}. Help: set delta.enableChangeDataFeed=true on the table; changes are only recorded from then on.`, {
        context: { version: v, location: storage.location },
      });
    }
    if (!protocolAllowsCdf(protocol)) {
      throw new DeltaError('DELTA_PROTOCOL', `Change data feed of ${storage.location} at version ${v} is not recorded: the table protocol (writer ${protocol.minWriterVersion}) predates the feature, so writers did not write change data. Help: recreate the table with delta.enableChangeDataFeed=true (it then gets writer version 4).`, {
        context: { version: v, location: storage.location, minWriterVersion: protocol.minWriterVersion },
      });
    }
    const meta = `${v}::BIGINT AS ${COMMIT_VERSION_COLUMN}, (epoch_ms(${Math.trunc(commit.timestamp)}::BIGINT) AT TIME ZONE 'UTC') AS ${COMMIT_TIMESTAMP_COLUMN}`;
    const cdc = commit.actions.filter((a) => 'cdc' in a).map((a) => asScanFile((a as unknown as { cdc: CdcAction }).cdc));
    if (cdc.length > 0) {
      await assertPresent(storage, cdc, v);
      selects.push(`SELECT ${columns}, ${meta} FROM ${buildScanSql(storage, cdcLayout, cdc)}`);
      continue;
    }
    const adds = commit.actions.flatMap((a) => ('add' in a && a.add.dataChange ? [asScanFile(a.add)] : []));
    const removes = commit.actions.flatMap((a) => ('remove' in a && a.remove.dataChange ? [asScanFile(a.remove)] : []));
    if (adds.length > 0) {
      await assertPresent(storage, adds, v);
      selects.push(`SELECT *, 'insert' AS ${CHANGE_TYPE_COLUMN}, ${meta} FROM ${buildScanSql(storage, layout, adds)}`);
    }
    if (removes.length > 0) {
      await assertPresent(storage, removes, v);
      selects.push(`SELECT *, 'delete' AS ${CHANGE_TYPE_COLUMN}, ${meta} FROM ${buildScanSql(storage, layout, removes)}`);
    }
  }
  if (selects.length === 0) {
    return `(SELECT *, CAST(NULL AS VARCHAR) AS ${CHANGE_TYPE_COLUMN}, CAST(NULL AS BIGINT) AS ${COMMIT_VERSION_COLUMN}, CAST(NULL AS TIMESTAMPTZ) AS ${COMMIT_TIMESTAMP_COLUMN} FROM ${emptySelect(schema)})`;
  }
  return `(${selects.join(' UNION ALL ')})`;
}
