// Deleting rows with deletion vectors instead of rewriting files ("Deletion Vectors"): on a table
// with `delta.enableDeletionVectors=true` whose protocol declares the feature (reader 3 / writer 7
// with `deletionVectors`), merge, update and delete leave each touched file in place and commit
//   remove(path, old DV) + add(path, new DV = old rows ∪ newly deleted rows)
// with the add's stats marked `tightBounds: false` (the bounds still hold, as supersets), as Spark
// does. All new vectors of one commit go into one `deletion_vector_<uuid>.bin`. A file whose rows
// are all deleted is removed without a new add. New row versions (updates) go to new files.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddAction, RemoveAction } from '../actions/types.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import type { Storage } from '../storage/storage.ts';
import type { ScanLayout } from './scan.ts';
import { unionRows, writeDeletionVectorFile } from '../deletion-vectors/encode.ts';
import { removeFor } from './types.ts';

export const DV_PROPERTY = 'delta.enableDeletionVectors';

/** Whether writers put deletion vectors on this table: the property and the protocol feature. */
export function dvWritable(snapshot: Pick<TableSnapshot, 'properties' | 'protocol'>): boolean {
  if (snapshot.properties[DV_PROPERTY]?.toLowerCase() !== 'true') return false;
  const p = snapshot.protocol;
  return (
    p.minReaderVersion === 3 &&
    p.minWriterVersion === 7 &&
    (p.readerFeatures ?? []).includes('deletionVectors') &&
    (p.writerFeatures ?? []).includes('deletionVectors')
  );
}

/** Row numbers per file path from a query of (path, row number) pairs, ascending. */
export async function rowsByFile(conn: DuckDBConnection, pairsSql: string): Promise<Map<string, number[]>> {
  const reader = await conn.runAndReadAll(
    `SELECT f, string_agg(rn::VARCHAR, ',' ORDER BY rn) FROM (SELECT DISTINCT * FROM (${pairsSql}) AS p(f, rn)) GROUP BY f`,
  );
  return new Map(reader.getRows().map((r) => [String(r[0]), String(r[1]).split(',').map(Number)]));
}

/** The snapshot's scan layout reading only the given rows of each listed file (for change data). */
export function onlyRows(snapshot: TableSnapshot, rows: Map<string, number[]>): ScanLayout {
  return {
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    columnMapping: snapshot.columnMapping,
    deletedRows: (f) => snapshot.deletedRows(f),
    parquetSchema: (f) => snapshot.parquetSchema(f),
    rowSelection: (f) => {
      const only = rows.get(f.path);
      return only ? { only } : undefined;
    },
  };
}

function looseBounds(stats: string | null | undefined): string | undefined {
  if (!stats) return undefined;
  if (stats.includes('"tightBounds":true')) return stats.replace('"tightBounds":true', '"tightBounds":false');
  if (stats.includes('"tightBounds":false')) return stats;
  return stats.replace(/}\s*$/, ',"tightBounds":false}');
}

function numRecords(file: AddAction): number | undefined {
  if (!file.stats) return undefined;
  const m = /"numRecords":\s*(\d+)/.exec(file.stats);
  return m ? Number(m[1]) : undefined;
}

export interface MarkedDeleted {
  removes: RemoveAction[];
  /** The touched files again, with their new deletion vectors. */
  adds: AddAction[];
  /** The DV file, as an add-shaped entry so a failed commit deletes it with the data files. */
  written: AddAction[];
  /** Files whose every row is now deleted (removed, not re-added). */
  filesRemoved: number;
  rowsDeleted: number;
  /** Vectors on files that had none / replacing one / dropped with a file fully deleted (Spark's metrics). */
  vectorsAdded: number;
  vectorsUpdated: number;
  vectorsRemoved: number;
}

/** Marks `rows` (per file path, ascending; none already deleted) of `files` deleted. */
export async function markDeleted(
  storage: Storage,
  snapshot: TableSnapshot,
  files: AddAction[],
  rows: Map<string, number[]>,
  now: number,
): Promise<MarkedDeleted> {
  const out: MarkedDeleted = { removes: [], adds: [], written: [], filesRemoved: 0, rowsDeleted: 0, vectorsAdded: 0, vectorsUpdated: 0, vectorsRemoved: 0 };
  const keep: Array<{ file: AddAction; deleted: number[] }> = [];
  for (const file of files) {
    const fresh = rows.get(file.path);
    if (!fresh || fresh.length === 0) continue;
    const deleted = unionRows(snapshot.deletedRows(file) ?? [], fresh);
    out.rowsDeleted += fresh.length;
    out.removes.push(removeFor(file, now));
    if (deleted.length === numRecords(file)) {
      out.filesRemoved++;
      if (file.deletionVector) out.vectorsRemoved++;
    } else {
      keep.push({ file, deleted });
      if (file.deletionVector) out.vectorsUpdated++;
      else out.vectorsAdded++;
    }
  }
  if (keep.length === 0) return out;
  const dvFile = await writeDeletionVectorFile(
    storage,
    keep.map((k) => k.deleted),
  );
  out.written.push({ path: dvFile.path, partitionValues: {}, size: dvFile.size, modificationTime: now, dataChange: false });
  keep.forEach(({ file }, i) => {
    const stats = looseBounds(file.stats);
    out.adds.push({ ...file, dataChange: true, ...(stats ? { stats } : {}), deletionVector: dvFile.descriptors[i] });
  });
  return out;
}
