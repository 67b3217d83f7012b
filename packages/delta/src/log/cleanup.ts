// Expired log cleanup ("Metadata Cleanup", as Delta does after a checkpoint): commit JSON files,
// checkpoints, checksums and compaction files older than `delta.logRetentionDuration` (default
// 30 days) are deleted, but only those strictly before a checkpoint that is itself expired-or-
// older, so that every version from that checkpoint on stays readable (it becomes the earliest
// version time travel can reach). `delta.enableExpiredLogCleanup=false` turns it off.
//
// Cost: names are listed (no stat), and modification times are read oldest first only until the
// first unexpired commit, so a run costs one listing plus a stat per deleted file. `due` lets a
// long-running writer skip the listing while nothing is expired (one stat of the oldest commit).
import { DeltaError } from '../errors.ts';
import type { Storage } from '../storage/storage.ts';
import { parseIntervalMs } from '../operations/retention.ts';
import { earliestRecreatableVersion, listLog } from './log-files.ts';

export const DEFAULT_LOG_RETENTION_MS = 30 * 86_400_000;

/** `delta.logRetentionDuration` of a table (default 30 days). */
export function logRetentionMs(properties: Record<string, string>): number {
  const raw = properties['delta.logRetentionDuration'];
  if (raw === undefined) return DEFAULT_LOG_RETENTION_MS;
  const ms = parseIntervalMs(raw);
  if (ms === undefined || ms < 0) {
    throw new DeltaError('DELTA_PROTOCOL', `Table property delta.logRetentionDuration='${raw}' is not an interval. Help: use e.g. 'interval 30 days'.`, {
      context: { property: 'delta.logRetentionDuration', value: raw },
    });
  }
  return ms;
}

export function logCleanupEnabled(properties: Record<string, string>): boolean {
  return (properties['delta.enableExpiredLogCleanup'] ?? 'true').trim().toLowerCase() !== 'false';
}

export interface LogCleanupResult {
  /** Log files deleted, relative to the table root, oldest first. */
  deleted: string[];
  /** The earliest version that can still be read after the cleanup (-1 when the log is empty). */
  earliestVersion: number;
  /** Path of the oldest commit file left (for a cheap "anything expired yet?" check next time). */
  oldestCommit?: string;
}

/** Delete the expired log files of a table (see the module comment). */
export async function cleanupExpiredLogs(storage: Storage, properties: Record<string, string>, now = Date.now()): Promise<LogCleanupResult> {
  const retention = logRetentionMs(properties);
  const listing = await listLog(storage);
  const versions = [...listing.commits.keys()].sort((a, b) => a - b);
  const oldest = () => {
    const v = versions.find((x) => listing.commits.has(x));
    return v === undefined ? undefined : listing.commits.get(v);
  };
  const none = (): LogCleanupResult => ({ deleted: [], earliestVersion: earliestRecreatableVersion(listing), oldestCommit: oldest() });
  if (!logCleanupEnabled(properties)) return none();
  const cutoff = now - retention;
  // The newest expired commit, reading times oldest first (commit times only grow, so the first
  // unexpired commit ends the walk).
  let expiredUpTo = -1;
  for (const v of versions) {
    const entry = await storage.stat(listing.commits.get(v)!);
    if (!entry) continue; // deleted meanwhile
    if (entry.modificationTime > cutoff) break;
    expiredUpTo = v;
  }
  // The newest checkpoint at or before it: everything strictly before that checkpoint can go.
  let keep: number | undefined;
  for (const cp of listing.checkpoints) if (cp.version <= expiredUpTo) keep = cp.version;
  if (keep === undefined || keep === 0) return none();
  const doomed: Array<{ version: number; path: string }> = [];
  for (const v of versions) if (v < keep) doomed.push({ version: v, path: listing.commits.get(v)! });
  for (const cp of listing.checkpoints) if (cp.version < keep) for (const p of cp.paths) doomed.push({ version: cp.version, path: p });
  for (const other of listing.others) if (other.version < keep) doomed.push(other);
  doomed.sort((a, b) => a.version - b.version);
  const deleted: string[] = [];
  for (const file of doomed) {
    if (!file.path.endsWith('.json') || listing.commits.get(file.version) !== file.path) {
      // Not a commit (all commits before `keep` are expired): check its own time.
      const entry = await storage.stat(file.path);
      if (!entry || entry.modificationTime > cutoff) continue;
    }
    await storage.delete(file.path);
    deleted.push(file.path);
  }
  for (const v of versions) if (v < keep) listing.commits.delete(v);
  return { deleted, earliestVersion: keep, oldestCommit: oldest() };
}

/**
 * Whether a cleanup could delete anything yet: the oldest commit left by the previous run is
 * older than the retention plus `slackMs` (the slack batches deletions, so a table committing
 * every few seconds lists its log about once per slack, not after every checkpoint).
 */
export async function logCleanupDue(
  storage: Storage,
  properties: Record<string, string>,
  oldestCommit: string | undefined,
  slackMs: number,
  now = Date.now(),
): Promise<boolean> {
  if (!logCleanupEnabled(properties)) return false;
  if (oldestCommit === undefined) return true;
  const entry = await storage.stat(oldestCommit);
  if (!entry) return true; // someone else cleaned up: find out where the log starts now
  return entry.modificationTime <= now - logRetentionMs(properties) - slackMs;
}
