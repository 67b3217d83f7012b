// Checkpoints ("Checkpoints", "Checkpoint Schema"): Parquet, one action per row in struct columns
// txn/add/remove/metaData/protocol/domainMetadata. We read classic, multi-part and V2 checkpoints
// (UUID-named, JSON or Parquet, whose `sidecar` rows point at Parquet files in _delta_log/_sidecars
// holding the file actions) by turning Parquet rows into JSON in DuckDB; we write one by feeding newline-delimited JSON
// actions through DuckDB's read_json with the checkpoint schema spelled out, then COPY to parquet.
// `_last_checkpoint` is a hint only: readers survive it being missing, empty or stale.
import { randomUUID } from 'node:crypto';
import { DeltaError } from '../errors.ts';
import type { Action } from '../actions/types.ts';
import { quoteLiteral } from '../schema/duckdb-types.ts';
import type { Storage } from '../storage/storage.ts';
import { withInternalConnection } from '../parquet/engine.ts';
import { checkpointPath, LOG_DIR, type CheckpointRef } from '../log/log-files.ts';
import type { TableState } from '../log/replay.ts';

const ACTION_KEYS = ['txn', 'add', 'remove', 'metaData', 'protocol', 'domainMetadata'] as const;

export async function readCheckpoint(storage: Storage, ref: CheckpointRef): Promise<Action[]> {
  const actions: Action[] = [];
  const sidecars: string[] = [];
  if (ref.kind === 'v2' && ref.paths[0].endsWith('.json')) {
    // V2 JSON checkpoint: newline-delimited actions, plus checkpointMetadata and sidecar lines.
    const bytes = await storage.get(ref.paths[0]);
    if (!bytes)
      throw new DeltaError('DELTA_PROTOCOL', `Checkpoint ${ref.paths[0]} disappeared while reading`, { canRetry: true, context: { version: ref.version } });
    const text = Buffer.from(bytes).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let obj: Record<string, Record<string, unknown> | null>;
      try {
        obj = JSON.parse(line) as Record<string, Record<string, unknown> | null>;
      } catch (cause) {
        throw new DeltaError('DELTA_PROTOCOL', `Checkpoint ${ref.paths[0]} is not valid JSON`, { cause, context: { version: ref.version } });
      }
      collectRow(obj, actions, sidecars);
    }
  } else {
    for (const row of await readParquetRows(storage, ref.paths, ref.version)) collectRow(row, actions, sidecars);
  }
  if (sidecars.length > 0) {
    // Sidecars ("V2 Checkpoints"): parquet files in _delta_log/_sidecars holding add/remove rows.
    const paths = sidecars.map((p) => (/^[a-z][a-z0-9+.-]*:/i.test(p) ? sidecarFromUri(p) : `${LOG_DIR}/_sidecars/${decodeURIComponent(p)}`));
    const ignored: string[] = [];
    for (const row of await readParquetRows(storage, paths, ref.version)) collectRow(row, actions, ignored);
  }
  return actions;
}

function sidecarFromUri(uri: string): string {
  const marker = `/${LOG_DIR}/_sidecars/`;
  const at = uri.indexOf(marker);
  if (!uri.startsWith('file:') || at < 0) {
    throw new DeltaError('DELTA_UNSUPPORTED', `Sidecar location is not supported: ${uri}`, { context: { feature: 'v2Checkpoint', path: uri } });
  }
  return `${LOG_DIR}/_sidecars/${decodeURIComponent(uri.slice(at + marker.length))}`;
}

async function readParquetRows(storage: Storage, paths: string[], version: number): Promise<Array<Record<string, Record<string, unknown> | null>>> {
  await storage.prepareEngineRead?.(paths);
  const files = paths.map((p) => quoteLiteral(storage.engineUri(p))).join(', ');
  const rows = await withInternalConnection(async (conn) => {
    try {
      const reader = await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet([${files}], union_by_name = true) AS t`);
      return reader.getRows().map((r) => String(r[0]));
    } catch (cause) {
      throw new DeltaError('DELTA_PROTOCOL', `Cannot read checkpoint ${paths[0]}`, { cause, context: { version } });
    }
  });
  return rows.map((r) => JSON.parse(r) as Record<string, Record<string, unknown> | null>);
}

function collectRow(obj: Record<string, Record<string, unknown> | null>, actions: Action[], sidecars: string[]): void {
  const sidecar = obj.sidecar;
  if (sidecar && typeof sidecar.path === 'string') sidecars.push(sidecar.path);
  for (const key of ACTION_KEYS) {
    const value = obj[key];
    if (value === null || value === undefined) continue;
    if (key === 'add' || key === 'remove') {
      if (value.path === null || value.path === undefined) continue;
      if (value.partitionValues === null || value.partitionValues === undefined) value.partitionValues = {};
    }
    if (key === 'txn' && (value.appId === null || value.appId === undefined)) continue;
    if (key === 'protocol' && (value.minReaderVersion === null || value.minReaderVersion === undefined)) continue;
    if (key === 'metaData' && (value.id === null || value.id === undefined)) continue;
    if (key === 'domainMetadata' && (value.domain === null || value.domain === undefined)) continue;
    actions.push({ [key]: stripNulls(value) } as Action);
  }
}

function stripNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = v;
  return out;
}

const CHECKPOINT_COLUMNS = `{
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR), deletionVector STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT), baseRowId BIGINT, defaultRowCommitVersion BIGINT)',
  remove: 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, deletionVector STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT))',
  domainMetadata: 'STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)',
  metaData: 'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)',
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])'
}`;

const DAY_MS = 24 * 3600 * 1000;

/** Retention of tombstones in checkpoints (delta.deletedFileRetentionDuration, default 7 days). */
function tombstoneRetentionMs(configuration: Record<string, string>): number {
  const raw = configuration['delta.deletedFileRetentionDuration'];
  const m = raw ? /^interval\s+(\d+)\s+(day|days|hour|hours|minute|minutes|second|seconds)$/i.exec(raw.trim()) : null;
  if (!m) return 7 * DAY_MS;
  const unit = m[2].toLowerCase().replace(/s$/, '');
  const scale = unit === 'day' ? DAY_MS : unit === 'hour' ? 3600_000 : unit === 'minute' ? 60_000 : 1000;
  return Number(m[1]) * scale;
}

export interface CheckpointWritten {
  version: number;
  size: number;
  sizeInBytes: number;
  numOfAddFiles: number;
}

export async function writeCheckpoint(storage: Storage, state: TableState, now = Date.now()): Promise<CheckpointWritten> {
  if (!state.protocol || !state.metadata) throw new DeltaError('DELTA_PROTOCOL', 'Cannot checkpoint a table without protocol and metaData');
  const lines: string[] = [];
  const protocol = { ...state.protocol };
  lines.push(JSON.stringify({ protocol }));
  lines.push(JSON.stringify({ metaData: state.metadata }));
  for (const txn of state.txns.values()) lines.push(JSON.stringify({ txn }));
  for (const domainMetadata of state.domains.values()) lines.push(JSON.stringify({ domainMetadata }));
  for (const add of state.files.values()) lines.push(JSON.stringify({ add: { ...add, dataChange: false } }));
  const cutoff = now - tombstoneRetentionMs(state.metadata.configuration ?? {});
  for (const remove of state.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue;
    // Removes keep their deletion vector: it is part of the file's reconciliation key.
    const { stats: _s, tags: _t, ...rest } = remove;
    lines.push(JSON.stringify({ remove: { ...rest, dataChange: false } }));
  }
  const id = randomUUID();
  const jsonTmp = await storage.prepareEngineWrite(`${LOG_DIR}/.checkpoint-${id}.json.tmp`);
  const parquetTmpRel = `${LOG_DIR}/.checkpoint-${id}.parquet.tmp`;
  const parquetTmp = await storage.prepareEngineWrite(parquetTmpRel);
  await storage.put(`${LOG_DIR}/.checkpoint-${id}.json.tmp`, lines.join('\n') + '\n');
  try {
    await withInternalConnection((conn) =>
      conn.run(
        `COPY (SELECT * FROM read_json(${quoteLiteral(jsonTmp)}, format = 'newline_delimited', columns = ${CHECKPOINT_COLUMNS})) ` +
          `TO ${quoteLiteral(parquetTmp)} (FORMAT parquet, COMPRESSION snappy)`,
      ),
    );
    const bytes = await storage.get(parquetTmpRel);
    if (!bytes) throw new DeltaError('DELTA_IO', 'Checkpoint temp file vanished');
    await storage.put(checkpointPath(state.version), bytes);
    const written: CheckpointWritten = { version: state.version, size: lines.length, sizeInBytes: bytes.length, numOfAddFiles: state.files.size };
    await storage.put(`${LOG_DIR}/_last_checkpoint`, JSON.stringify(written));
    return written;
  } finally {
    await storage.delete(`${LOG_DIR}/.checkpoint-${id}.json.tmp`).catch(() => undefined);
    await storage.delete(parquetTmpRel).catch(() => undefined);
  }
}
