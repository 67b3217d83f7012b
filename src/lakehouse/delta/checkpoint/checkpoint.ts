// Classic checkpoints ("Checkpoints", "Checkpoint Schema"): one Parquet file, one action per row
// in struct columns txn/add/remove/metaData/protocol. We read any classic or multi-part
// checkpoint by turning rows into JSON in DuckDB; we write one by feeding newline-delimited JSON
// actions through DuckDB's read_json with the checkpoint schema spelled out, then COPY to parquet.
// `_last_checkpoint` is a hint only: readers survive it being missing, empty or stale.
import { randomUUID } from 'node:crypto';
import { ShoriError } from '../../../errors.ts';
import type { Action } from '../actions/types.ts';
import { quoteLiteral } from '../schema/duckdb-types.ts';
import type { Storage } from '../storage/storage.ts';
import { withInternalConnection } from '../parquet/engine.ts';
import { checkpointPath, LOG_DIR, type CheckpointRef } from '../log/log-files.ts';
import type { TableState } from '../log/replay.ts';

const ACTION_KEYS = ['txn', 'add', 'remove', 'metaData', 'protocol', 'domainMetadata'] as const;

export async function readCheckpoint(storage: Storage, ref: CheckpointRef): Promise<Action[]> {
  if (ref.kind === 'v2') {
    throw new ShoriError('SHORI_DELTA_UNSUPPORTED', `V2 checkpoints are not supported (${ref.paths[0]})`, {
      context: { feature: 'v2Checkpoint', path: ref.paths[0] },
    });
  }
  const files = ref.paths.map((p) => quoteLiteral(storage.engineUri(p))).join(', ');
  const rows = await withInternalConnection(async (conn) => {
    try {
      const reader = await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet([${files}]) AS t`);
      return reader.getRows().map((r) => String(r[0]));
    } catch (cause) {
      throw new ShoriError('SHORI_DELTA_PROTOCOL', `Cannot read checkpoint ${ref.paths[0]}`, { cause, context: { version: ref.version } });
    }
  });
  const actions: Action[] = [];
  for (const row of rows) {
    const obj = JSON.parse(row) as Record<string, unknown>;
    for (const key of ACTION_KEYS) {
      const value = obj[key] as Record<string, unknown> | null | undefined;
      if (value === null || value === undefined) continue;
      if (key === 'add' || key === 'remove') {
        if (value.path === null || value.path === undefined) continue;
        if (value.partitionValues === null || value.partitionValues === undefined) value.partitionValues = {};
      }
      if (key === 'txn' && (value.appId === null || value.appId === undefined)) continue;
      actions.push({ [key]: stripNulls(value) } as Action);
    }
  }
  return actions;
}

function stripNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = v;
  return out;
}

const CHECKPOINT_COLUMNS = `{
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))',
  remove: 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)',
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

export interface CheckpointWritten { version: number; size: number; sizeInBytes: number; numOfAddFiles: number }

export async function writeCheckpoint(storage: Storage, state: TableState, now = Date.now()): Promise<CheckpointWritten> {
  if (!state.protocol || !state.metadata) throw new ShoriError('SHORI_DELTA_PROTOCOL', 'Cannot checkpoint a table without protocol and metaData');
  const lines: string[] = [];
  const protocol = { ...state.protocol };
  lines.push(JSON.stringify({ protocol }));
  lines.push(JSON.stringify({ metaData: state.metadata }));
  for (const txn of state.txns.values()) lines.push(JSON.stringify({ txn }));
  for (const add of state.files.values()) lines.push(JSON.stringify({ add: { ...add, dataChange: false } }));
  const cutoff = now - tombstoneRetentionMs(state.metadata.configuration ?? {});
  for (const remove of state.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue;
    const { stats: _s, tags: _t, deletionVector: _d, ...rest } = remove;
    lines.push(JSON.stringify({ remove: { ...rest, dataChange: false } }));
  }
  const id = randomUUID();
  const jsonTmp = await storage.prepareEngineWrite(`${LOG_DIR}/.checkpoint-${id}.json.tmp`);
  const parquetTmpRel = `${LOG_DIR}/.checkpoint-${id}.parquet.tmp`;
  const parquetTmp = await storage.prepareEngineWrite(parquetTmpRel);
  await storage.put(`${LOG_DIR}/.checkpoint-${id}.json.tmp`, lines.join('\n') + '\n');
  try {
    await withInternalConnection((conn) => conn.run(
      `COPY (SELECT * FROM read_json(${quoteLiteral(jsonTmp)}, format = 'newline_delimited', columns = ${CHECKPOINT_COLUMNS})) ` +
      `TO ${quoteLiteral(parquetTmp)} (FORMAT parquet, COMPRESSION snappy)`,
    ));
    const bytes = await storage.get(parquetTmpRel);
    if (!bytes) throw new ShoriError('SHORI_DELTA_IO', 'Checkpoint temp file vanished');
    await storage.put(checkpointPath(state.version), bytes);
    const written: CheckpointWritten = { version: state.version, size: lines.length, sizeInBytes: bytes.length, numOfAddFiles: state.files.size };
    await storage.put(`${LOG_DIR}/_last_checkpoint`, JSON.stringify(written));
    return written;
  } finally {
    await storage.delete(`${LOG_DIR}/.checkpoint-${id}.json.tmp`).catch(() => undefined);
    await storage.delete(parquetTmpRel).catch(() => undefined);
  }
}
