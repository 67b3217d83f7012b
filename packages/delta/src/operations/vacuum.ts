// VACUUM: physically delete files no version within the retention window needs. A file is kept
// when a live add references it or a tombstone (remove) younger than the retention still does;
// every other file under the table root (data files of old versions, `_change_data/` files,
// leftovers of failed writes) is deleted once its modification time is older than the retention.
// `_delta_log/` and hidden files and folders ('.' or '_' first, except `_change_data`) are never
// touched. Deletion vector files (`[prefix/]deletion_vector_<uuid>.bin`) follow the same rule as
// data files: kept while a live file or an unexpired tombstone points at them.
//
// Retention: `delta.deletedFileRetentionDuration` (default 7 days). A shorter retention would
// break time travel and concurrent readers of recent versions, so it is refused unless forced.
// A real run is recorded as delta-rs and Spark do: a `VACUUM START` commit (commitInfo only,
// operationMetrics numFilesToDelete / sizeOfDataToDelete), the deletes, then a `VACUUM END`
// commit (status COMPLETED, numDeletedFiles / numVacuumedDirectories). A dry run commits nothing.
// Storage-agnostic: the listing, deletes and folder cleanup all go through `Storage`; a file is
// matched to the snapshot by the location `engineUri` gives it, so absolute `file://` paths in the
// log that point inside the table protect their files too.
import { DeltaError } from '../errors.ts';
import type { Storage } from '../storage/storage.ts';
import { resolveDataFile } from '../storage/paths.ts';
import type { DeletionVectorDescriptor } from '../actions/types.ts';
import { dvRelativePath } from '../deletion-vectors/load.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { commitWithRetry, type CommitOptions } from '../transaction/commit.ts';
import { LOG_DIR } from '../log/log-files.ts';
import { deletedFileRetentionMs } from './retention.ts';
import { CHANGE_DATA_DIR } from './cdf-write.ts';

export interface VacuumOptions {
  /** Retention in hours; the table's delta.deletedFileRetentionDuration when absent. */
  retentionHours?: number;
  /** List what would be deleted; delete and commit nothing. */
  dryRun?: boolean;
  /** Allow a retention shorter than the table's property. */
  force?: boolean;
  /** Clock (ms since epoch), for tests. */
  now?: number;
}

export interface VacuumResult {
  dryRun: boolean;
  retentionMs: number;
  /** Files deleted (or, on a dry run, that would be), relative to the table root. */
  files: Array<{ path: string; size: number }>;
  bytes: number;
  vacuumedDirectories: number;
  /** Versions of the VACUUM START / END commits (absent on a dry run or when nothing was deleted). */
  startVersion?: number;
  endVersion?: number;
}

function isHidden(name: string): boolean {
  return (name.startsWith('_') || name.startsWith('.')) && !name.includes('=');
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Folders VACUUM looks into: not `_delta_log/`, not hidden ones except the top `_change_data/`. */
function vacuumDescends(dir: string): boolean {
  if (!dir.includes('/')) {
    if (dir === LOG_DIR) return false;
    if (`${dir}/` === CHANGE_DATA_DIR) return true;
  }
  return !isHidden(baseName(dir));
}

export function resolveRetentionMs(snapshot: TableSnapshot, options: VacuumOptions): { retentionMs: number; tableRetentionMs: number } {
  const tableRetentionMs = deletedFileRetentionMs(snapshot.properties);
  if (options.retentionHours === undefined) return { retentionMs: tableRetentionMs, tableRetentionMs };
  if (!Number.isFinite(options.retentionHours) || options.retentionHours < 0) {
    throw new DeltaError('DELTA_PROTOCOL', `Invalid VACUUM retention ${options.retentionHours} hours`, { context: { retentionHours: options.retentionHours } });
  }
  const retentionMs = options.retentionHours * 3_600_000;
  if (retentionMs < tableRetentionMs && !options.force) {
    throw new DeltaError(
      'DELTA_PROTOCOL',
      `VACUUM retention of ${options.retentionHours} hours is shorter than the table's delta.deletedFileRetentionDuration (${tableRetentionMs / 3_600_000} hours): ` +
        'readers of recent versions and time travel could lose files. Help: keep the table retention, lower the property, or force it (--force).',
      { context: { retentionHours: options.retentionHours, tableRetentionHours: tableRetentionMs / 3_600_000 } },
    );
  }
  return { retentionMs, tableRetentionMs };
}

export async function vacuum(storage: Storage, snapshot: TableSnapshot, options: VacuumOptions = {}, commit: CommitOptions = {}): Promise<VacuumResult> {
  const { retentionMs, tableRetentionMs } = resolveRetentionMs(snapshot, options);
  const now = options.now ?? Date.now();
  const cutoff = now - retentionMs;
  // Engine locations of the files still needed (entries outside the table simply never match).
  const keep = new Set<string>();
  // Deletion vector files (storage type u) of live files and unexpired tombstones are kept too; a
  // vector stored by absolute path (p) cannot be matched reliably, so then no DV file is deleted.
  let keepAllDvs = false;
  const needs = (file: { path: string; deletionVector?: DeletionVectorDescriptor | null }) => {
    keep.add(resolveDataFile(storage, file.path));
    const dv = file.deletionVector;
    if (dv?.storageType === 'u') keep.add(storage.engineUri(dvRelativePath(dv)));
    else if (dv?.storageType === 'p') keepAllDvs = true;
  };
  for (const add of snapshot.files) needs(add);
  for (const remove of snapshot.tombstones()) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue;
    needs(remove);
  }
  const found = (await storage.listRecursive('', vacuumDescends)).filter((f) => {
    const name = baseName(f.path);
    return !isHidden(name) && !(keepAllDvs && name.startsWith('deletion_vector_'));
  });
  const doomed = found
    .filter((f) => !keep.has(storage.engineUri(f.path)) && f.modificationTime < cutoff)
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => ({ path: f.path, size: f.size }));
  const bytes = doomed.reduce((s, f) => s + f.size, 0);
  const result: VacuumResult = { dryRun: options.dryRun === true, retentionMs, files: doomed, bytes, vacuumedDirectories: 0 };
  if (options.dryRun || doomed.length === 0) return result;

  const startVersion = await commitWithRetry(
    storage,
    {
      readVersion: snapshot.version,
      operation: 'VACUUM START',
      operationParameters: {
        retentionCheckEnabled: String(!options.force),
        specifiedRetentionMillis: String(retentionMs),
        defaultRetentionMillis: String(tableRetentionMs),
      },
      operationMetrics: { numFilesToDelete: doomed.length, sizeOfDataToDelete: bytes },
      actions: [],
      read: { readFiles: new Set(), readsData: false },
      isBlindAppend: false,
    },
    commit,
  );
  for (const f of doomed) await storage.delete(f.path);
  // Folders left empty (deepest first), e.g. partitions whose files all went.
  const vacuumedDirectories = storage.removeEmptyDirs ? await storage.removeEmptyDirs('', vacuumDescends) : 0;
  const endVersion = await commitWithRetry(
    storage,
    {
      readVersion: startVersion,
      operation: 'VACUUM END',
      operationParameters: { status: 'COMPLETED' },
      operationMetrics: { numDeletedFiles: doomed.length, numVacuumedDirectories: vacuumedDirectories },
      actions: [],
      read: { readFiles: new Set(), readsData: false },
      isBlindAppend: false,
    },
    commit,
  );
  return { ...result, vacuumedDirectories, startVersion, endVersion };
}
