// VACUUM: physically delete files no version within the retention window needs. A file is kept
// when a live add references it or a tombstone (remove) younger than the retention still does;
// every other file under the table root (data files of old versions, `_change_data/` files,
// leftovers of failed writes) is deleted once its modification time is older than the retention.
// `_delta_log/`, hidden files and folders ('.' or '_' first, except `_change_data`) and deletion
// vector files are never touched.
//
// Retention: `delta.deletedFileRetentionDuration` (default 7 days). A shorter retention would
// break time travel and concurrent readers of recent versions, so it is refused unless forced.
// A real run is recorded as delta-rs and Spark do: a `VACUUM START` commit (commitInfo only,
// operationMetrics numFilesToDelete / sizeOfDataToDelete), the deletes, then a `VACUUM END`
// commit (status COMPLETED, numDeletedFiles / numVacuumedDirectories). A dry run commits nothing.
import { readdir, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ShoriError } from '../../../errors.ts';
import type { Storage } from '../storage/storage.ts';
import { LocalStorage } from '../storage/local-storage.ts';
import { resolveDataFile } from '../storage/paths.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { commitWithRetry } from '../transaction/commit.ts';
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

interface FoundFile { path: string; size: number; modificationTime: number }

function isHidden(name: string): boolean {
  return (name.startsWith('_') || name.startsWith('.')) && !name.includes('=');
}

async function walk(root: string, relative: string, out: FoundFile[], dirs: string[]): Promise<void> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (relative === '' && entry.name === LOG_DIR) continue;
      if (isHidden(entry.name) && !(relative === '' && `${entry.name}/` === CHANGE_DATA_DIR)) continue;
      dirs.push(rel);
      await walk(root, rel, out, dirs);
    } else if (entry.isFile()) {
      if (isHidden(entry.name) || entry.name.startsWith('deletion_vector_')) continue;
      const s = await stat(path.join(root, rel));
      out.push({ path: rel, size: s.size, modificationTime: Math.floor(s.mtimeMs) });
    }
  }
}

/** Table-relative path of a log path, or undefined when it lies outside the table root. */
function relativeOf(storage: LocalStorage, logPath: string): string | undefined {
  const abs = resolveDataFile(storage, logPath);
  const rel = path.relative(storage.root, abs);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

export function resolveRetentionMs(snapshot: TableSnapshot, options: VacuumOptions): { retentionMs: number; tableRetentionMs: number } {
  const tableRetentionMs = deletedFileRetentionMs(snapshot.properties);
  if (options.retentionHours === undefined) return { retentionMs: tableRetentionMs, tableRetentionMs };
  if (!Number.isFinite(options.retentionHours) || options.retentionHours < 0) {
    throw new ShoriError('SHORI_DELTA_PROTOCOL', `Invalid VACUUM retention ${options.retentionHours} hours`, { context: { retentionHours: options.retentionHours } });
  }
  const retentionMs = options.retentionHours * 3_600_000;
  if (retentionMs < tableRetentionMs && !options.force) {
    throw new ShoriError('SHORI_DELTA_PROTOCOL',
      `VACUUM retention of ${options.retentionHours} hours is shorter than the table's delta.deletedFileRetentionDuration (${tableRetentionMs / 3_600_000} hours): ` +
      'readers of recent versions and time travel could lose files. Help: keep the table retention, lower the property, or force it (--force).', {
        context: { retentionHours: options.retentionHours, tableRetentionHours: tableRetentionMs / 3_600_000 },
      });
  }
  return { retentionMs, tableRetentionMs };
}

export async function vacuum(storage: Storage, snapshot: TableSnapshot, options: VacuumOptions = {}): Promise<VacuumResult> {
  if (!(storage instanceof LocalStorage)) {
    throw new ShoriError('SHORI_DELTA_UNSUPPORTED', `VACUUM supports local tables only (${storage.location})`, { context: { location: storage.location } });
  }
  const { retentionMs, tableRetentionMs } = resolveRetentionMs(snapshot, options);
  const now = options.now ?? Date.now();
  const cutoff = now - retentionMs;
  const keep = new Set<string>();
  for (const add of snapshot.files) {
    const rel = relativeOf(storage, add.path);
    if (rel !== undefined) keep.add(rel);
  }
  for (const remove of snapshot.tombstones()) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue;
    const rel = relativeOf(storage, remove.path);
    if (rel !== undefined) keep.add(rel);
  }
  const found: FoundFile[] = [];
  const dirs: string[] = [];
  await walk(storage.root, '', found, dirs);
  const doomed = found.filter((f) => !keep.has(f.path) && f.modificationTime < cutoff)
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => ({ path: f.path, size: f.size }));
  const bytes = doomed.reduce((s, f) => s + f.size, 0);
  const result: VacuumResult = { dryRun: options.dryRun === true, retentionMs, files: doomed, bytes, vacuumedDirectories: 0 };
  if (options.dryRun || doomed.length === 0) return result;

  const startVersion = await commitWithRetry(storage, {
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
  });
  for (const f of doomed) await storage.delete(f.path);
  // Folders left empty (deepest first), e.g. partitions whose files all went.
  let vacuumedDirectories = 0;
  for (const dir of dirs.sort((a, b) => b.length - a.length)) {
    try {
      await rmdir(path.join(storage.root, dir));
      vacuumedDirectories++;
    } catch {
      // not empty (or already gone): keep it
    }
  }
  const endVersion = await commitWithRetry(storage, {
    readVersion: startVersion,
    operation: 'VACUUM END',
    operationParameters: { status: 'COMPLETED' },
    operationMetrics: { numDeletedFiles: doomed.length, numVacuumedDirectories: vacuumedDirectories },
    actions: [],
    read: { readFiles: new Set(), readsData: false },
    isBlindAppend: false,
  });
  return { ...result, vacuumedDirectories, startVersion, endVersion };
}
