// Which top-level columns a data file is known to hold, from its `stats` (the columns named in
// nullCount, minValues or maxValues; physical names under column mapping). A column added to the
// schema after a file was written (ADD COLUMNS, mergeSchema, a column-mapped drop and re-add) is not
// in that file: the protocol reads it as NULL. A scan group none of whose files is known to hold a
// column gets it from a NULL placeholder instead of naming it in read_parquet (a binder error).
// Stats say nothing about files beyond the indexed columns, so "unknown" is treated as possibly
// missing: correct either way; the placeholder only costs DuckDB's metadata-only count(*).
import type { AddAction } from '../actions/types.ts';

const known = new WeakMap<AddAction, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

export function statsColumns(file: AddAction): ReadonlySet<string> {
  let set = known.get(file);
  if (set) return set;
  set = NONE;
  if (file.stats) {
    try {
      const stats = JSON.parse(file.stats) as Record<string, unknown>;
      const names = new Set<string>();
      for (const part of ['nullCount', 'minValues', 'maxValues']) {
        const values = stats[part];
        if (values && typeof values === 'object') for (const name of Object.keys(values)) names.add(name);
      }
      set = names;
    } catch {
      set = NONE; // unreadable stats prove nothing
    }
  }
  known.set(file, set);
  return set;
}

/** The names (of `columns`) that no file of `files` is known to hold. */
export function unprovenColumns(files: readonly AddAction[], columns: readonly string[]): string[] {
  return columns.filter((name) => !files.some((file) => statsColumns(file).has(name)));
}
