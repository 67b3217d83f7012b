// The one entry point of lakehouse/delta: a Delta Lake reader and writer on local storage,
// with DuckDB as the data engine. Knows nothing of Kafka, CDC or HTTP.
export { DeltaTable, type HistoryEntry, type TableOptions } from './table.ts';
export type { Snapshot } from './snapshot/snapshot.ts';
export type { DeltaField, DeltaSchema, DeltaType, DeltaPrimitiveType, DeltaStructType, DeltaArrayType, DeltaMapType } from './schema/types.ts';
export { toDuckDbType, quoteIdent, quoteLiteral, parseSchemaString, serializeSchema } from './schema/duckdb-types.ts';
export type { CommitResult, MergeSpec, TxnVersion, WriteOptions } from './operations/types.ts';
export type { CreateOptions } from './operations/create.ts';
export type { AddAction, RemoveAction, MetadataAction, ProtocolAction, TxnAction, CommitInfoAction, Action } from './actions/types.ts';
export type { Storage, StorageEntry } from './storage/storage.ts';
export { LocalStorage } from './storage/local-storage.ts';
export { ObjectStorage, type ObjectStorageOptions } from './storage/object-storage.ts';
export type { ObjectInfo, ObjectStoreClient } from './storage/object-store.ts';
export { S3ObjectStore, type S3StoreOptions } from './storage/s3-client.ts';
export { AzureBlobObjectStore, type AzureStoreOptions } from './storage/azure-client.ts';
export { FileCache, type FileCacheOptions, type FileCacheStats } from './storage/file-cache.ts';
export { probePutIfAbsent } from './storage/put-if-absent-probe.ts';
export type { ConflictKind } from './transaction/conflict-checker.ts';
export type { OptimizeOptions } from './operations/optimize.ts';
export type { UpdateSpec } from './operations/update.ts';
export type { VacuumOptions, VacuumResult } from './operations/vacuum.ts';
export type { CheckpointWritten } from './checkpoint/checkpoint.ts';
export type { LogCleanupResult } from './log/cleanup.ts';
export { parseIntervalMs, deletedFileRetentionMs } from './operations/retention.ts';
export { CHANGE_TYPE_COLUMN, type ChangeType } from './operations/cdf-write.ts';
export { COMMIT_VERSION_COLUMN, COMMIT_TIMESTAMP_COLUMN } from './operations/cdf-read.ts';
