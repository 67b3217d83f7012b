// Shapes shared by the operations: what the caller passes and what a commit reports. Each
// operation plans (writes data files, builds actions) against one snapshot; the table commits
// the plan through transaction/commit.ts and may re-plan on a retryable conflict.
import type { AddAction, RemoveAction, TxnAction as TxnLogAction } from '../actions/types.ts';
import type { PendingCommit } from '../transaction/commit.ts';

export interface TxnVersion {
  appId: string;
  version: number;
}

export interface WriteOptions {
  /** Recorded as `txn` actions in the same commit (exactly-once progress markers). */
  txns?: TxnVersion[];
  operation?: string;
  operationParameters?: Record<string, unknown>;
}

export interface CommitResult {
  /** Version committed; the unchanged current version when there was nothing to commit. */
  version: number;
  filesAdded: number;
  filesRemoved: number;
  rowsWritten: number;
  rowsDeleted?: number;
  rowsUpdated?: number;
  rowsInserted?: number;
  /** Files given a new deletion vector instead of being rewritten (tables with deletion vectors on). */
  deletionVectors?: number;
  /** False when the operation changed nothing and no txns were given, so no commit was made. */
  committed: boolean;
}

export interface MergeSpec {
  sourceSql: string;
  on: string[];
  whenMatched?: Array<{ condition?: string; action: 'update' | 'delete' }>;
  whenNotMatched?: Array<{ condition?: string; action: 'insert' }>;
}

export interface OperationPlan {
  pending: PendingCommit;
  result: Omit<CommitResult, 'version' | 'committed'>;
  /** New data files, deleted again if the commit fails. */
  written: AddAction[];
}

export function txnActions(txns: TxnVersion[] | undefined, now: number): Array<{ txn: TxnLogAction }> {
  return (txns ?? []).map((t) => {
    if (typeof t.appId !== 'string' || t.appId === '' || !Number.isSafeInteger(t.version)) {
      throw new TypeError(`Invalid txn ${JSON.stringify(t)}: appId must be a non-empty string and version a safe integer`);
    }
    return { txn: { appId: t.appId, version: t.version, lastUpdated: now } };
  });
}

export function removeFor(add: AddAction, now: number): RemoveAction {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
    ...(add.stats ? { stats: add.stats } : {}),
    // The file is (path, deletion vector): a remove without its DV would leave it live for Spark.
    ...(add.deletionVector ? { deletionVector: add.deletionVector } : {}),
  };
}

export function rowsIn(adds: AddAction[]): number {
  let n = 0;
  for (const a of adds) n += a.stats ? Number((JSON.parse(a.stats) as { numRecords?: number }).numRecords ?? 0) : 0;
  return n;
}
