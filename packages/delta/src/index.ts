// The one entry point of @shori/delta: a Delta Lake reader and writer for Node.js, with DuckDB as
// the data engine and pluggable storage. Knows nothing of the service that embeds it.
export { DeltaTable, type HistoryEntry, type SelectOptions, type TableOptions } from './table.ts';
export { DeltaError, isDeltaError, type DeltaErrorCode, type DeltaErrorOptions } from './errors.ts';
export type { Snapshot } from './snapshot/snapshot.ts';
export type { DeltaField, DeltaSchema, DeltaType, DeltaPrimitiveType, DeltaStructType, DeltaArrayType, DeltaMapType } from './schema/types.ts';
export { toDuckDbType, quoteIdent, quoteLiteral, parseSchemaString, serializeSchema, parseDecimal } from './schema/duckdb-types.ts';
export type { CommitResult, MergeSpec, TxnVersion, WriteOptions } from './operations/types.ts';
export type { CreateOptions } from './operations/create.ts';
export type { AddAction, RemoveAction, MetadataAction, ProtocolAction, TxnAction, CommitInfoAction, Action } from './actions/types.ts';
export type { Storage, StorageEntry } from './storage/storage.ts';
export { LocalStorage, fsyncPath, type Fsync, type LocalStorageOptions } from './storage/local-storage.ts';
export { ObjectStorage, type ObjectStorageOptions } from './storage/object-storage.ts';
export type { ObjectInfo, ObjectStoreClient } from './storage/object-store.ts';
export { S3ObjectStore, type S3StoreOptions } from './storage/s3-client.ts';
export { AzureBlobObjectStore, type AzureStoreOptions } from './storage/azure-client.ts';
export { FileCache, type FileCacheOptions, type FileCacheStats } from './storage/file-cache.ts';
export { probePutIfAbsent } from './storage/put-if-absent-probe.ts';
export type { ConflictKind } from './transaction/conflict-checker.ts';
export type { OptimizeOptions } from './operations/optimize.ts';
export type { UpdateSpec } from './operations/update.ts';
export type { SchemaChangeOptions } from './operations/schema-change.ts';
export { isWidening } from './operations/schema-change.ts';
export type { VacuumOptions, VacuumResult } from './operations/vacuum.ts';
export type { CheckpointWritten } from './checkpoint/checkpoint.ts';
export type { LogCleanupResult } from './log/cleanup.ts';
export { parseIntervalMs, deletedFileRetentionMs } from './operations/retention.ts';
export { CHANGE_TYPE_COLUMN, type ChangeType } from './operations/cdf-write.ts';
export { COMMIT_VERSION_COLUMN, COMMIT_TIMESTAMP_COLUMN } from './operations/cdf-read.ts';
export { DEFAULT_ENGINE_INFO } from './transaction/engine-info.ts';

// Low-level log access, for tools that build or inspect a log directly (no data files written):
// the actions of a CREATE, one commit file's text, replaying actions into a table state, and a
// checkpoint of such a state.
export { createActions } from './operations/create.ts';
export { parseCommit, serializeCommit } from './actions/serde.ts';
export { TableState } from './log/replay.ts';
export { writeCheckpoint } from './checkpoint/checkpoint.ts';
