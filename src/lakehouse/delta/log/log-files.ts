// Lists `_delta_log` and chooses the files that make up a snapshot ("log segment"): the newest
// complete checkpoint at or below the wanted version, then every JSON commit after it. Commits
// must be contiguous; a gap means the table is broken (or cleaned up past what we ask for).
import { ShoriError } from '../../../errors.ts';
import type { Storage } from '../storage/storage.ts';

export const LOG_DIR = '_delta_log';

export function commitPath(version: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.json`;
}

export function checkpointPath(version: number): string {
  return `${LOG_DIR}/${String(version).padStart(20, '0')}.checkpoint.parquet`;
}

export interface CheckpointRef { version: number; paths: string[]; kind: 'classic' | 'multipart' | 'v2' }

export interface LogListing {
  commits: Map<number, { path: string; modificationTime: number }>;
  checkpoints: CheckpointRef[];
}

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;

export async function listLog(storage: Storage): Promise<LogListing> {
  const entries = await storage.list(LOG_DIR);
  const commits = new Map<number, { path: string; modificationTime: number }>();
  const classic: CheckpointRef[] = [];
  const parts = new Map<string, { version: number; total: number; paths: Map<number, string> }>();
  for (const entry of entries) {
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    let m: RegExpExecArray | null;
    if ((m = COMMIT.exec(name))) commits.set(Number(m[1]), { path: entry.path, modificationTime: entry.modificationTime });
    else if ((m = CLASSIC.exec(name))) classic.push({ version: Number(m[1]), paths: [entry.path], kind: 'classic' });
    else if ((m = MULTIPART.exec(name))) {
      const key = `${m[1]}/${m[3]}`;
      const set = parts.get(key) ?? { version: Number(m[1]), total: Number(m[3]), paths: new Map() };
      set.paths.set(Number(m[2]), entry.path);
      parts.set(key, set);
    } else if ((m = V2.exec(name))) classic.push({ version: Number(m[1]), paths: [entry.path], kind: 'v2' });
  }
  const checkpoints = [...classic];
  for (const set of parts.values()) {
    // An incomplete set of parts must be ignored.
    if (set.paths.size === set.total) {
      checkpoints.push({ version: set.version, kind: 'multipart', paths: [...set.paths.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]) });
    }
  }
  checkpoints.sort((a, b) => a.version - b.version);
  return { commits, checkpoints };
}

export interface LogSegment { version: number; checkpoint?: CheckpointRef; commits: Array<{ version: number; path: string }> }

/** The checkpoint + commits needed to build version `wanted` (latest when undefined). */
export function selectSegment(listing: LogListing, location: string, wanted?: number): LogSegment {
  const versions = [...listing.commits.keys()].sort((a, b) => a - b);
  const latestCommit = versions.length ? versions[versions.length - 1] : -1;
  const latestCheckpoint = listing.checkpoints.length ? listing.checkpoints[listing.checkpoints.length - 1].version : -1;
  const latest = Math.max(latestCommit, latestCheckpoint);
  if (latest < 0) {
    throw new ShoriError('SHORI_DELTA_NOT_A_TABLE', `No Delta commits found in ${location}/_delta_log`, { context: { location } });
  }
  const version = wanted ?? latest;
  if (version < 0 || version > latest) {
    throw new ShoriError('SHORI_DELTA_PROTOCOL', `Version ${version} does not exist (latest is ${latest})`, { context: { location, version, latest } });
  }
  const candidates = listing.checkpoints.filter((c) => c.version <= version);
  const checkpoint = candidates.length ? candidates[candidates.length - 1] : undefined;
  const start = checkpoint ? checkpoint.version + 1 : 0;
  const commits: Array<{ version: number; path: string }> = [];
  for (let v = start; v <= version; v++) {
    const c = listing.commits.get(v);
    if (!c) {
      throw new ShoriError('SHORI_DELTA_PROTOCOL', `Delta log is missing commit ${v} needed for version ${version} (versions must be contiguous)`, {
        context: { location, missing: v, version },
      });
    }
    commits.push({ version: v, path: c.path });
  }
  return { version, checkpoint, commits };
}
