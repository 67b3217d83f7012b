// A Storage that passes every call through to the real one and reports, to the fault switch, the
// moments of a Delta write worth crashing at, so the Delta library itself carries no fault code.
// For a table named `<table>` (e.g. `silver.tickets`) the points are:
//   <table>:parquet-written  data files written by the engine, their commit not yet attempted
//                            (reached just before the put-if-absent of `_delta_log/N.json`)
//   <table>:commit           right after a put-if-absent of `_delta_log/N.json` that won
//   <table>:checkpoint       after `_delta_log/N.checkpoint.parquet`, before `_last_checkpoint`
//   <table>:optimize         OPTIMIZE's compacted files written, its commit not yet attempted
//   <table>:vacuum           after each file VACUUM deletes (between VACUUM START and END)
// Every commit counts for `commit` (version 0 of a new table included).
import type { Storage, StorageEntry } from '@shori/delta';
import type { FaultSwitch } from './fault-plan.ts';

type DescendFilter = Parameters<Storage['listRecursive']>[1];

const LOG_PREFIX = '_delta_log/';
const COMMIT_FILE = /^_delta_log\/\d{20}\.json$/;
const CHECKPOINT_FILE = /^_delta_log\/\d{20}\.checkpoint(\.\d+\.\d+|\.[^.]+)?\.parquet$/;

/** The commitInfo `operation` of a commit file's body, or undefined. */
export function commitOperation(data: Uint8Array | string): string | undefined {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"commitInfo"')) continue;
    try {
      const op = (JSON.parse(line) as { commitInfo?: { operation?: unknown } }).commitInfo?.operation;
      return typeof op === 'string' ? op : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export class FaultStorage implements Storage {
  readonly #inner: Storage;
  readonly #table: string;
  readonly #faults: FaultSwitch;
  /** Data files were handed to the engine since the last commit attempt. */
  #dataWritten = false;
  /** Between a VACUUM START commit and its VACUUM END. */
  #vacuuming = false;

  /** Passed through when the inner storage has them (object stores); absent otherwise, as there. */
  readonly prepareEngineRead?: (paths: readonly string[]) => Promise<void>;
  readonly finishEngineWrite?: (path: string) => Promise<void>;

  constructor(inner: Storage, table: string, faults: FaultSwitch) {
    this.#inner = inner;
    this.#table = table;
    this.#faults = faults;
    if (inner.prepareEngineRead) this.prepareEngineRead = (paths) => inner.prepareEngineRead!(paths);
    if (inner.finishEngineWrite) this.finishEngineWrite = (path) => inner.finishEngineWrite!(path);
  }

  get location(): string {
    return this.#inner.location;
  }

  get engineRoot(): string | undefined {
    return this.#inner.engineRoot;
  }

  #reach(kind: string): void {
    this.#faults.reach(`${this.#table}:${kind}`);
  }

  get(path: string): Promise<Uint8Array | undefined> {
    return this.#inner.get(path);
  }

  async put(path: string, data: Uint8Array | string): Promise<void> {
    await this.#inner.put(path, data);
    if (CHECKPOINT_FILE.test(path)) this.#reach('checkpoint');
  }

  async putIfAbsent(path: string, data: Uint8Array | string): Promise<boolean> {
    if (!COMMIT_FILE.test(path)) return this.#inner.putIfAbsent(path, data);
    const operation = commitOperation(data);
    if (this.#dataWritten) {
      this.#dataWritten = false;
      this.#reach(operation === 'OPTIMIZE' ? 'optimize' : 'parquet-written');
    }
    const won = await this.#inner.putIfAbsent(path, data);
    if (!won) return false;
    if (operation === 'VACUUM START') this.#vacuuming = true;
    if (operation === 'VACUUM END') this.#vacuuming = false;
    this.#reach('commit');
    return true;
  }

  list(dir: string): Promise<StorageEntry[]> {
    return this.#inner.list(dir);
  }

  async listNames(dir: string): Promise<string[]> {
    if (this.#inner.listNames) return this.#inner.listNames(dir);
    return (await this.#inner.list(dir)).map((e) => e.path.slice(e.path.lastIndexOf('/') + 1));
  }

  listRecursive(dir: string, descend?: DescendFilter): Promise<StorageEntry[]> {
    return this.#inner.listRecursive(dir, descend);
  }

  async removeEmptyDirs(dir: string, descend?: DescendFilter): Promise<number> {
    return this.#inner.removeEmptyDirs ? this.#inner.removeEmptyDirs(dir, descend) : 0;
  }

  getUri(uri: string): Promise<Uint8Array | undefined> {
    return this.#inner.getUri(uri);
  }

  async delete(path: string): Promise<void> {
    await this.#inner.delete(path);
    if (this.#vacuuming && !path.startsWith(LOG_PREFIX)) this.#reach('vacuum');
  }

  stat(path: string): Promise<StorageEntry | undefined> {
    return this.#inner.stat(path);
  }

  async prepareEngineWrite(path: string): Promise<string> {
    const uri = await this.#inner.prepareEngineWrite(path);
    if (!path.startsWith(LOG_PREFIX)) this.#dataWritten = true;
    return uri;
  }

  engineUri(path: string): string {
    return this.#inner.engineUri(path);
  }
}
