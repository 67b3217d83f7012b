// A view of a snapshot restricted to some data files, so `DeltaTable.scanSql` reads only those: the
// files one Bronze commit added (recovery path) or the files whose statistics may hold a range of
// source positions (history's duplicate check). Layout (schema, column mapping, deletion vectors)
// comes from the snapshot.
import type { AddAction, Snapshot } from '@shori/delta';

export function withFiles(s: Snapshot, files: AddAction[]): Snapshot {
  return {
    version: s.version,
    schema: s.schema,
    partitionColumns: s.partitionColumns,
    properties: s.properties,
    protocol: s.protocol,
    metadata: s.metadata,
    files,
    numRows: null,
    txnVersion: (appId) => s.txnVersion(appId),
    txns: () => s.txns(),
    tombstones: () => s.tombstones(),
    columnMapping: s.columnMapping,
    deletedRows: s.deletedRows ? (f) => s.deletedRows!(f) : undefined,
    parquetSchema: s.parquetSchema ? (f) => s.parquetSchema!(f) : undefined,
  };
}

interface FileStats {
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
}

export interface KeyRange {
  column: string;
  min: number;
  max: number;
}

/**
 * Files that may hold a row with `column` between `lo` and `hi` (strings), `source` among `sources`
 * and, when given, the numeric key column within `key`, judged by each file's Delta statistics; a
 * file without usable statistics may. (A snapshot's rows share one position: the key range is what
 * keeps its duplicate check from reading every file the snapshot wrote.)
 */
export function filesInRange(s: Snapshot, column: string, lo: string, hi: string, sources: Set<string>, key?: KeyRange): AddAction[] {
  return s.files.filter((f) => {
    if (!f.stats) return true;
    let stats: FileStats;
    try {
      stats = JSON.parse(f.stats) as FileStats;
    } catch {
      return true;
    }
    const min = stats.minValues?.[column];
    const max = stats.maxValues?.[column];
    // A string min may be a prefix (long values): still a lower bound. No max: no upper bound.
    if (typeof min === 'string' && min > hi) return false;
    if (typeof max === 'string' && max < lo) return false;
    const smin = stats.minValues?.source;
    const smax = stats.maxValues?.source;
    if (typeof smin === 'string' && typeof smax === 'string' && ![...sources].some((x) => x >= smin && x <= smax)) return false;
    if (key) {
      const kmin = stats.minValues?.[key.column];
      const kmax = stats.maxValues?.[key.column];
      if (typeof kmin === 'number' && kmin > key.max) return false;
      if (typeof kmax === 'number' && kmax < key.min) return false;
    }
    return true;
  });
}
