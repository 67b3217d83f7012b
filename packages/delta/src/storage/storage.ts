// The only door to the table's bytes. Every path is relative to the table root and '/'-separated.
// `putIfAbsent` is the atomic primitive the commit protocol rests on ("Writers MUST never
// overwrite an existing log entry"); `engineUri` tells DuckDB where to read or write a data file.
// Everything here maps onto an object store too: a recursive listing is a prefix listing (with
// `descend` applied to key prefixes), folders do not exist there (so `removeEmptyDirs` is
// optional), and `getUri` reads the absolute URIs a table may reference (e.g. `p` deletion vectors).
// DuckDB reads and writes local files only: an object store stages data files in a local cache
// (`prepareEngineRead` before a read, `finishEngineWrite` after a write), see object-storage.ts;
// local folders fsync in `finishEngineWrite` (local-storage.ts).
export interface StorageEntry {
  path: string;
  size: number;
  modificationTime: number;
}

/** Whether a recursive listing enters the folder `dir` (table-relative, no trailing '/'). */
export type DescendFilter = (dir: string) => boolean;

export interface Storage {
  /** Human-readable table location (a directory path or URI). */
  readonly location: string;
  /** The object's bytes, or undefined when it does not exist. */
  get(path: string): Promise<Uint8Array | undefined>;
  put(path: string, data: Uint8Array | string): Promise<void>;
  /** Atomically create `path`; false (and nothing written) when it already exists. */
  putIfAbsent(path: string, data: Uint8Array | string): Promise<boolean>;
  /** Entries directly inside the directory `dir` (files only); empty when it does not exist. */
  list(dir: string): Promise<StorageEntry[]>;
  /**
   * Names (not paths) of the files directly inside `dir`, without sizes or times: much cheaper
   * than `list` where each entry costs a stat. Optional; `listFileNames` falls back to `list`.
   */
  listNames?(dir: string): Promise<string[]>;
  /**
   * Every file under `dir` ('' for the table root), at any depth, with paths relative to the table
   * root; sub-folders `descend` refuses are skipped whole. Empty when `dir` does not exist.
   */
  listRecursive(dir: string, descend?: DescendFilter): Promise<StorageEntry[]>;
  /**
   * Best effort: remove the empty folders under `dir` (not `dir` itself) that `descend` admits,
   * deepest first, so a folder holding only empty folders goes too; returns how many went.
   * Optional: stores without real folders have nothing to remove.
   */
  removeEmptyDirs?(dir: string, descend?: DescendFilter): Promise<number>;
  /**
   * The bytes at an absolute URI the table references (outside the relative-path space), or
   * undefined when nothing is there. Refuses, with DELTA_UNSUPPORTED naming the scheme,
   * URIs this storage cannot read.
   */
  getUri(uri: string): Promise<Uint8Array | undefined>;
  delete(path: string): Promise<void>;
  stat(path: string): Promise<StorageEntry | undefined>;
  /** Make `path` writable by an external engine (creates parent folders) and return its URI. */
  prepareEngineWrite(path: string): Promise<string>;
  /**
   * Store the file the engine wrote at `prepareEngineWrite(path)`'s location, durably: called for
   * every data file before the commit that references it is attempted. Object stores upload it;
   * local folders fsync it and its folder. Optional: storage with nothing to do leaves it out.
   */
  finishEngineWrite?(path: string): Promise<void>;
  /**
   * Make the files at `paths` readable at `engineUri`. Optional: local folders are readable as
   * they are; object stores fetch them into a local cache. Storage that has it must be asked
   * before the engine reads (`DeltaTable.scan()` and the operations do).
   */
  prepareEngineRead?(paths: readonly string[]): Promise<void>;
  /** A location DuckDB can read for `path`. */
  engineUri(path: string): string;
  /**
   * The local folder under which `engineUri` places the table's files, when it is not `location`
   * (object stores: the table's part of the local cache). For engines limited to some folders.
   */
  readonly engineRoot?: string;
}

/** File names directly inside `dir`: `listNames` when the storage has it, else from `list`. */
export async function listFileNames(storage: Storage, dir: string): Promise<string[]> {
  if (storage.listNames) return storage.listNames(dir);
  return (await storage.list(dir)).map((e) => e.path.slice(e.path.lastIndexOf('/') + 1));
}
