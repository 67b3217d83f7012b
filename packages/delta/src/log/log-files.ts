// Lists `_delta_log` and chooses the files that make up a snapshot ("log segment"): the newest
// complete checkpoint at or below the wanted version, then every JSON commit after it. Commits
// must be contiguous; a gap means the table is broken (or cleaned up past what we ask for).
// Listing reads names only: a stat per file made loading cost grow with the log's length, and
// only timestamp time travel and log cleanup need modification times (they stat lazily).
import { DeltaError } from '../errors.ts';
import { listFileNames, type Storage } from '../storage/storage.ts';

export const LOG_DIR = '_delta_log';

export function commitPath(version: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.json`;
}

export function checkpointPath(version: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.checkpoint.parquet`;
}

export function multipartCheckpointPath(version: number, part: number, parts: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.checkpoint.${String(part).padStart(10, '0')}.${String(parts).padStart(10, '0')}.parquet`;
}

export interface CheckpointRef {
  version: number;
  paths: string[];
  kind: 'classic' | 'multipart' | 'v2';
}

export interface LogListing {
  /** Commit version → log path. */
  commits: Map<number, string>;
  /** Complete checkpoints, oldest first. */
  checkpoints: CheckpointRef[];
  /** Every other versioned log file (checksums, compacted commits, incomplete checkpoint parts). */
  others: Array<{ version: number; path: string }>;
}

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;
/** Checksum files `<v>.crc` and log compaction files `<from>.<to>.compacted.json` (keyed by `to`). */
const CRC = /^(\d{20})\.crc$/;
const COMPACTED = /^\d{20}\.(\d{20})\.compacted\.json$/;

/** Sort the names of `_delta_log` into commits, complete checkpoints and other versioned files. */
export function parseLogNames(names: string[]): LogListing {
  const commits = new Map<number, string>();
  const classic: CheckpointRef[] = [];
  const others: Array<{ version: number; path: string }> = [];
  const parts = new Map<string, { version: number; total: number; paths: Map<number, string> }>();
  for (const name of names) {
    const path = `${LOG_DIR}/${name}`;
    let m: RegExpExecArray | null;
    if ((m = COMMIT.exec(name))) commits.set(Number(m[1]), path);
    else if ((m = CLASSIC.exec(name))) classic.push({ version: Number(m[1]), paths: [path], kind: 'classic' });
    else if ((m = MULTIPART.exec(name))) {
      const key = `${m[1]}/${m[3]}`;
      const set = parts.get(key) ?? { version: Number(m[1]), total: Number(m[3]), paths: new Map() };
      set.paths.set(Number(m[2]), path);
      parts.set(key, set);
    } else if ((m = V2.exec(name))) classic.push({ version: Number(m[1]), paths: [path], kind: 'v2' });
    else if ((m = CRC.exec(name)) || (m = COMPACTED.exec(name))) others.push({ version: Number(m[1]), path });
  }
  const checkpoints = [...classic];
  for (const set of parts.values()) {
    // An incomplete set of parts must be ignored.
    if (set.paths.size === set.total) {
      checkpoints.push({ version: set.version, kind: 'multipart', paths: [...set.paths.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]) });
    } else {
      for (const p of set.paths.values()) others.push({ version: set.version, path: p });
    }
  }
  checkpoints.sort((a, b) => a.version - b.version);
  return { commits, checkpoints, others };
}

export async function listLog(storage: Storage): Promise<LogListing> {
  return parseLogNames(await listFileNames(storage, LOG_DIR));
}

export interface LogSegment {
  version: number;
  checkpoint?: CheckpointRef;
  commits: Array<{ version: number; path: string }>;
}

/** Latest version the listing holds (commit or checkpoint), -1 when none. */
export function latestVersion(listing: LogListing): number {
  let latest = listing.checkpoints.length ? listing.checkpoints[listing.checkpoints.length - 1].version : -1;
  for (const v of listing.commits.keys()) if (v > latest) latest = v;
  return latest;
}

/** Earliest version that can be rebuilt: 0 with all commits, else the oldest usable checkpoint. */
export function earliestRecreatableVersion(listing: LogListing): number {
  const latest = latestVersion(listing);
  // `from`: first version of the run of contiguous commits that ends at the latest version.
  let from = latest + 1;
  while (from - 1 >= 0 && listing.commits.has(from - 1)) from--;
  if (from === 0) return 0;
  // A checkpoint at from-1 or later starts a chain whose later commits all exist.
  for (const cp of listing.checkpoints) if (cp.version >= from - 1) return cp.version;
  return latest;
}

/** The checkpoint + commits needed to build version `wanted` (latest when undefined). */
export function selectSegment(listing: LogListing, location: string, wanted?: number): LogSegment {
  const latest = latestVersion(listing);
  if (latest < 0) {
    throw new DeltaError('DELTA_NOT_A_TABLE', `No Delta commits found in ${location}/_delta_log`, { context: { location } });
  }
  const version = wanted ?? latest;
  if (version < 0 || version > latest) {
    throw new DeltaError('DELTA_PROTOCOL', `Version ${version} does not exist (latest is ${latest})`, { context: { location, version, latest } });
  }
  const candidates = listing.checkpoints.filter((c) => c.version <= version);
  const checkpoint = candidates.length ? candidates[candidates.length - 1] : undefined;
  const start = checkpoint ? checkpoint.version + 1 : 0;
  const commits: Array<{ version: number; path: string }> = [];
  for (let v = start; v <= version; v++) {
    const c = listing.commits.get(v);
    if (!c) {
      const earliest = earliestRecreatableVersion(listing);
      if (version < earliest) {
        throw new DeltaError(
          'DELTA_PROTOCOL',
          `Version ${version} of ${location} is no longer available: the log files it needs were cleaned up (delta.logRetentionDuration). The earliest version that can be read is ${earliest}.`,
          { context: { location, version, earliest, missing: v, reason: 'versionExpired' } },
        );
      }
      throw new DeltaError('DELTA_PROTOCOL', `Delta log is missing commit ${v} needed for version ${version} (versions must be contiguous)`, {
        context: { location, missing: v, version },
      });
    }
    commits.push({ version: v, path: c });
  }
  return { version, checkpoint, commits };
}
