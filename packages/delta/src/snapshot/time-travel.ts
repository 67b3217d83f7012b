// Time travel by timestamp ("Time travel by timestamp" / "In-Commit Timestamps"): a commit's time
// is its JSON file's modification time or, from `delta.inCommitTimestampEnablementVersion` on when
// `delta.enableInCommitTimestamps` is true (read from the latest metaData), the
// `commitInfo.inCommitTimestamp` of that commit. The answer is the latest version whose time is
// <= T. A log that starts at a checkpoint (older commits cleaned up) can only go back to that
// checkpoint; its time is the earlier of its commit's and its checkpoint file's times. A time
// before every recreatable version is an error, never a guess. Modification times are stat-ed
// lazily, newest first, only until the answer is found.
import { DeltaError } from '../errors.ts';
import { parseCommit } from '../actions/serde.ts';
import type { Storage } from '../storage/storage.ts';
import { earliestRecreatableVersion, listLog, type LogListing } from '../log/log-files.ts';
import type { Snapshot } from './snapshot.ts';

export { earliestRecreatableVersion };

interface TimeSource {
  storage: Storage;
  listing: LogListing;
  ictOn: boolean;
  ictFrom: number;
  earliest: number;
}

/** Whether `version`'s time is its in-commit timestamp under these table properties. */
export function ictEnabledAt(properties: Record<string, string>, version: number): boolean {
  return properties['delta.enableInCommitTimestamps'] === 'true' && version >= Number(properties['delta.inCommitTimestampEnablementVersion'] ?? 0);
}

/** The commit time of `version` (undefined when its files are gone), stat-ing or reading only it. */
async function commitTime(src: TimeSource, version: number): Promise<number | undefined> {
  const path = src.listing.commits.get(version);
  let time: number | undefined;
  if (path !== undefined) {
    if (src.ictOn && version >= src.ictFrom) {
      const bytes = await src.storage.get(path);
      if (bytes === undefined) return undefined;
      const info = parseCommit(Buffer.from(bytes).toString('utf8'), version).find((a) => 'commitInfo' in a);
      const ict = info && 'commitInfo' in info ? info.commitInfo.inCommitTimestamp : undefined;
      if (typeof ict !== 'number') {
        throw new DeltaError('DELTA_PROTOCOL', `Commit ${version} has no commitInfo.inCommitTimestamp although In-Commit Timestamps are enabled`, {
          context: { version },
        });
      }
      return ict;
    }
    time = (await src.storage.stat(path))?.modificationTime;
  }
  const cp = version === src.earliest && version > 0 ? src.listing.checkpoints.find((c) => c.version === version) : undefined;
  if (cp && !(src.ictOn && version >= src.ictFrom)) {
    const stat = await src.storage.stat(cp.paths[0]);
    if (stat) time = Math.min(time ?? Infinity, stat.modificationTime);
  }
  return time;
}

/**
 * The latest version committed at or before `timestamp` (ms since the epoch). Walks down from the
 * latest version and stops at the first whose time is <= T, so only the versions newer than T are
 * looked at (times need not be monotonic: the first hit from the top is the latest such version).
 */
export async function versionAtTimestamp(storage: Storage, latest: Snapshot, timestamp: number): Promise<number> {
  const listing = await listLog(storage);
  const src: TimeSource = {
    storage,
    listing,
    ictOn: latest.properties['delta.enableInCommitTimestamps'] === 'true',
    ictFrom: Number(latest.properties['delta.inCommitTimestampEnablementVersion'] ?? 0),
    earliest: earliestRecreatableVersion(listing),
  };
  let earliestTime = Infinity;
  for (let version = latest.version; version >= src.earliest; version--) {
    const time = await commitTime(src, version);
    if (time === undefined) continue;
    if (time <= timestamp) return version;
    earliestTime = Math.min(earliestTime, time);
  }
  throw new DeltaError(
    'DELTA_PROTOCOL',
    `Timestamp ${new Date(timestamp).toISOString()} is before the earliest available commit (${Number.isFinite(earliestTime) ? new Date(earliestTime).toISOString() : 'none'})`,
    { context: { timestamp, location: storage.location } },
  );
}
