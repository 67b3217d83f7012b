// Change Data Feed rows of a commit that wrote no change-data files (PROTOCOL.md "Change Data
// Files", "Deletion Vectors"): derived from its adds and removes with dataChange=true.
// - A file only added: its rows are inserts (all but those its deletion vector deletes).
// - A file only removed: its rows are deletes (all but those already deleted before).
// - A file removed and re-added with another deletion vector (a DELETE, UPDATE or MERGE on a table
//   with deletion vectors, which writes no change data): only the rows the new vector deletes and
//   the old did not are deletes; rows the old deleted and the new does not (a restore) are inserts.
//   The rows of the file that did not change are not reported.
import type { AddAction, DeletionVectorDescriptor, RemoveAction } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import { loadDeletionVector } from '../deletion-vectors/load.ts';
import { buildScanSql, type RowSelection, type ScanLayout } from './scan.ts';

export type FileChange = { type: 'insert' | 'delete'; file: AddAction; selection?: RowSelection };

type DataFile = Pick<AddAction, 'path' | 'partitionValues' | 'size' | 'deletionVector'>;

function asScanFile(file: DataFile | RemoveAction): AddAction {
  return { path: file.path, partitionValues: file.partitionValues ?? {}, size: file.size ?? 0, modificationTime: 0, dataChange: true };
}

async function rowsOf(storage: Storage, dv: DeletionVectorDescriptor | null | undefined): Promise<readonly number[]> {
  return dv ? loadDeletionVector(storage, dv) : [];
}

/** Ascending a \ b of two ascending lists. */
function minus(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j] < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}

/** The row changes of one commit's data-changing adds and removes, file by file. */
export async function fileChanges(storage: Storage, adds: AddAction[], removes: RemoveAction[]): Promise<FileChange[]> {
  const removedByPath = new Map(removes.map((r) => [r.path, r]));
  const out: FileChange[] = [];
  for (const add of adds) {
    const removed = removedByPath.get(add.path);
    removedByPath.delete(add.path);
    const now = await rowsOf(storage, add.deletionVector);
    if (!removed) {
      out.push({ type: 'insert', file: asScanFile(add), ...(now.length ? { selection: { except: now } } : {}) });
      continue;
    }
    const before = await rowsOf(storage, removed.deletionVector);
    const deleted = minus(now, before);
    const restored = minus(before, now);
    if (deleted.length) out.push({ type: 'delete', file: asScanFile(add), selection: { only: deleted } });
    if (restored.length) out.push({ type: 'insert', file: asScanFile(add), selection: { only: restored } });
  }
  for (const removed of removedByPath.values()) {
    const before = await rowsOf(storage, removed.deletionVector);
    out.push({ type: 'delete', file: asScanFile(removed), ...(before.length ? { selection: { except: before } } : {}) });
  }
  return out;
}

/** SQL of the changes, one SELECT per change type: table columns, then `select` extras. */
export function fileChangesSql(storage: Storage, layout: ScanLayout, changes: FileChange[], extras: (type: string) => string): string[] {
  const selected = new Map(changes.filter((c) => c.selection).map((c) => [c.file, c.selection!]));
  const scanLayout: ScanLayout = { ...layout, rowSelection: (file) => selected.get(file) };
  const selects: string[] = [];
  for (const type of ['delete', 'insert'] as const) {
    const files = changes.filter((c) => c.type === type).map((c) => c.file);
    if (files.length) selects.push(`SELECT *, ${extras(type)} FROM ${buildScanSql(storage, scanLayout, files)}`);
  }
  return selects;
}
