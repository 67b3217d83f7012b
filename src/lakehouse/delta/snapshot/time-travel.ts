// Time travel by timestamp ("Time travel by timestamp" / "In-Commit Timestamps"): a commit's time
// is its JSON file's modification time or, from `delta.inCommitTimestampEnablementVersion` on when
// `delta.enableInCommitTimestamps` is true (read from the latest metaData), the
// `commitInfo.inCommitTimestamp` of that commit. The answer is the latest version whose time is
// <= T. A log that starts at a checkpoint (older commits cleaned up) can only go back to that
// checkpoint; its time is the earlier of its commit's and its checkpoint file's times. A time
// before every recreatable version is an error, never a guess.
import { ShoriError } from '../../../errors.ts';
import { parseCommit } from '../actions/serde.ts';
import type { Storage } from '../storage/storage.ts';
import { listLog, type LogListing } from '../log/log-files.ts';
import type { Snapshot } from './snapshot.ts';

/** Earliest version that can be rebuilt: 0 with all commits, else the oldest usable checkpoint. */
export function earliestRecreatableVersion(listing: LogListing): number {
  const versions = [...listing.commits.keys()].sort((a, b) => a - b);
  const latest = Math.max(versions.length ? versions[versions.length - 1] : -1, ...listing.checkpoints.map((c) => c.version));
  const contiguousFrom = (v: number) => { for (let x = v; x <= latest; x++) if (!listing.commits.has(x)) return false; return true; };
  if (contiguousFrom(0)) return 0;
  for (const cp of listing.checkpoints) if (contiguousFrom(cp.version + 1)) return cp.version;
  return latest;
}

export async function commitTimestamps(storage: Storage, latest: Snapshot, listing?: LogListing): Promise<Map<number, number>> {
  const log = listing ?? await listLog(storage);
  const ictOn = latest.properties['delta.enableInCommitTimestamps'] === 'true';
  const ictFrom = Number(latest.properties['delta.inCommitTimestampEnablementVersion'] ?? 0);
  const earliest = earliestRecreatableVersion(log);
  const times = new Map<number, number>();
  for (const [version, entry] of log.commits) {
    if (version < earliest || version > latest.version) continue;
    let time = entry.modificationTime;
    if (ictOn && version >= ictFrom) {
      const bytes = await storage.get(entry.path);
      const info = bytes ? parseCommit(Buffer.from(bytes).toString('utf8'), version).find((a) => 'commitInfo' in a) : undefined;
      const ict = info && 'commitInfo' in info ? info.commitInfo.inCommitTimestamp : undefined;
      if (typeof ict !== 'number') {
        throw new ShoriError('SHORI_DELTA_PROTOCOL', `Commit ${version} has no commitInfo.inCommitTimestamp although In-Commit Timestamps are enabled`, { context: { version } });
      }
      time = ict;
    }
    times.set(version, time);
  }
  const cp = log.checkpoints.find((c) => c.version === earliest);
  if (earliest > 0 && cp && !(ictOn && earliest >= ictFrom)) {
    const stat = await storage.stat(cp.paths[0]);
    if (stat) times.set(earliest, Math.min(times.get(earliest) ?? Infinity, stat.modificationTime));
  }
  return times;
}

/** The latest version committed at or before `timestamp` (ms since the epoch). */
export async function versionAtTimestamp(storage: Storage, latest: Snapshot, timestamp: number): Promise<number> {
  const times = await commitTimestamps(storage, latest);
  let best = -1;
  for (const [version, time] of times) if (time <= timestamp && version > best) best = version;
  if (best < 0) {
    const earliest = Math.min(...times.values());
    throw new ShoriError('SHORI_DELTA_PROTOCOL', `Timestamp ${new Date(timestamp).toISOString()} is before the earliest available commit (${Number.isFinite(earliest) ? new Date(earliest).toISOString() : 'none'})`, {
      context: { timestamp, location: storage.location },
    });
  }
  return best;
}
