// The one path every operation commits through. Builds the commit file (commitInfo first, then
// the operation's actions), creates `_delta_log/<v>.json` with put-if-absent, and on a lost race
// reads each winning commit, runs the pure conflict checker and moves on to the next version.
// Bounded: after `maxAttempts` lost races it gives up with DELTA_CONFLICT.
import { DeltaError } from '../errors.ts';
import { fileKey, type Action, type CommitInfoAction } from '../actions/types.ts';
import { parseCommit, serializeCommit } from '../actions/serde.ts';
import type { Storage } from '../storage/storage.ts';
import { commitPath } from '../log/log-files.ts';
import { checkConflict, type ReadIntent } from './conflict-checker.ts';
import { DEFAULT_ENGINE_INFO } from './engine-info.ts';

export interface PendingCommit {
  readVersion: number;
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  actions: Action[];
  read: ReadIntent;
  /** Only adds (and txns): never conflicts with other data changes. */
  isBlindAppend: boolean;
}

export interface CommitOptions {
  maxAttempts?: number;
  now?: () => number;
  /** commitInfo.engineInfo (default "shori-delta/<version>"). */
  engineInfo?: string;
}

export function validateActions(actions: Action[]): void {
  const files = new Set<string>();
  const txns = new Set<string>();
  let metadata = 0;
  let protocol = 0;
  for (const a of actions) {
    if ('add' in a || 'remove' in a) {
      const key = fileKey('add' in a ? a.add : a.remove);
      if (files.has(key)) throw new DeltaError('DELTA_PROTOCOL', `One commit cannot hold two actions for file ${key}`, { context: { path: key } });
      files.add(key);
    } else if ('txn' in a) {
      if (txns.has(a.txn.appId))
        throw new DeltaError('DELTA_PROTOCOL', `One commit cannot hold two txn actions for appId '${a.txn.appId}'`, { context: { appId: a.txn.appId } });
      txns.add(a.txn.appId);
    } else if ('metaData' in a) metadata++;
    else if ('protocol' in a) protocol++;
  }
  if (metadata > 1 || protocol > 1) throw new DeltaError('DELTA_PROTOCOL', 'One commit cannot hold two metaData or protocol actions');
}

/**
 * commitInfo.operationParameters / operationMetrics as Spark reads them: a map of strings (Jackson
 * coerces numbers, booleans and null), so an array or object value is written JSON-encoded, as
 * Spark writes e.g. `"partitionBy":"[]"`; a raw array there fails DESCRIBE HISTORY and every
 * change-feed or streaming read in Spark.
 */
export function sparkReadableMap(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
  }
  return out;
}

export async function commitWithRetry(storage: Storage, pending: PendingCommit, options: CommitOptions = {}): Promise<number> {
  validateActions(pending.actions);
  const maxAttempts = options.maxAttempts ?? 20;
  const now = options.now ?? Date.now;
  let version = pending.readVersion + 1;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const commitInfo: CommitInfoAction = {
      timestamp: now(),
      operation: pending.operation,
      operationParameters: sparkReadableMap(pending.operationParameters ?? {}),
      ...(pending.operationMetrics ? { operationMetrics: sparkReadableMap(pending.operationMetrics) } : {}),
      ...(pending.readVersion >= 0 ? { readVersion: pending.readVersion } : {}), // none for a CREATE (delta-rs reads it as u64)
      isBlindAppend: pending.isBlindAppend,
      engineInfo: options.engineInfo ?? DEFAULT_ENGINE_INFO,
    };
    const body = serializeCommit([{ commitInfo }, ...pending.actions]);
    if (await storage.putIfAbsent(commitPath(version), body)) return version;
    // Lost the race for `version`: check the winner, then try the next version.
    const winnerBytes = await storage.get(commitPath(version));
    if (winnerBytes === undefined) {
      throw new DeltaError('DELTA_IO', `Commit ${version} exists but cannot be read`, { canRetry: true, context: { version } });
    }
    const conflict = checkConflict(pending.read, pending.actions, parseCommit(Buffer.from(winnerBytes).toString('utf8'), version));
    if (conflict) {
      throw new DeltaError('DELTA_CONFLICT', `${conflict.kind}: ${conflict.message} (commit ${version}). ${conflict.help}`, {
        canRetry: conflict.retryable,
        context: { conflict: conflict.kind, winningVersion: version, readVersion: pending.readVersion, location: storage.location },
      });
    }
    version++;
  }
  throw new DeltaError(
    'DELTA_CONFLICT',
    `Gave up committing to ${storage.location} after ${maxAttempts} lost races. Help: too many concurrent writers; retry later or reduce write concurrency.`,
    { canRetry: true, context: { location: storage.location, attempts: maxAttempts } },
  );
}
