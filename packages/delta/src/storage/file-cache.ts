// A bounded local cache of immutable objects (data files, checkpoints) for an engine that reads
// only local files (DuckDB here has no httpfs). Keys are object keys; each is a file at
// `root/<key>`. A download goes to a unique `.part` file and is renamed into place, so a reader
// never sees half a file; concurrent requests for one key share one download. Least recently used
// files go once the total passes `maxBytes`, but never a file used within `graceMs` (a query may
// still be reading it): the bound is soft by what was read in that window. Files the engine wrote
// are adopted in place (a writer's own files are never fetched back). The index is rebuilt from
// the folder at open, so a restart keeps what it had.
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

interface Entry {
  size: number;
  lastUsed: number;
}

export interface FileCacheOptions {
  root: string;
  maxBytes: number;
  /** A file used this recently is never evicted (default 10 minutes). */
  graceMs?: number;
}

export interface FileCacheStats {
  files: number;
  bytes: number;
  hits: number;
  misses: number;
  evicted: number;
}

export class FileCache {
  readonly root: string;
  readonly maxBytes: number;
  readonly graceMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<boolean>>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evicted = 0;
  #evicting = false;

  private constructor(options: FileCacheOptions) {
    this.root = path.resolve(options.root);
    this.maxBytes = options.maxBytes;
    this.graceMs = options.graceMs ?? 10 * 60_000;
  }

  static async open(options: FileCacheOptions): Promise<FileCache> {
    const cache = new FileCache(options);
    await mkdir(cache.root, { recursive: true });
    await cache.#index('');
    return cache;
  }

  async #index(dir: string): Promise<void> {
    const entries = await readdir(path.join(this.root, dir), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) await this.#index(rel);
      else if (entry.name.endsWith('.part')) await unlink(path.join(this.root, rel)).catch(() => undefined);
      else if (entry.isFile()) {
        const s = await stat(path.join(this.root, rel)).catch(() => undefined);
        if (s) this.#add(rel, s.size, s.mtimeMs);
      }
    }
  }

  /** The local file of `key` (whether or not it is cached). */
  localPath(key: string): string {
    return path.join(this.root, key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  stats(): FileCacheStats {
    return { files: this.#entries.size, bytes: this.#bytes, hits: this.#hits, misses: this.#misses, evicted: this.#evicted };
  }

  /** Mark `key` used now, so it is kept for at least `graceMs`. */
  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) entry.lastUsed = Date.now();
  }

  /**
   * Make `key` local: a hit touches it; a miss runs `fetch(tmpFile)` (true: the file was written,
   * false: no such object) and moves the file into place. Returns false when the object is missing.
   */
  async ensure(key: string, fetch: (tmpFile: string) => Promise<boolean>): Promise<boolean> {
    if (this.#entries.has(key)) {
      this.#hits++;
      this.touch(key);
      return true;
    }
    let loading = this.#loading.get(key);
    if (!loading) {
      this.#misses++;
      loading = this.#fetch(key, fetch).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading;
  }

  async #fetch(key: string, fetch: (tmpFile: string) => Promise<boolean>): Promise<boolean> {
    const target = this.localPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID().slice(0, 8)}.part`;
    try {
      if (!(await fetch(tmp))) return false;
      await rename(tmp, target);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    const { size } = await stat(target);
    this.#add(key, size, Date.now());
    await this.evict();
    return true;
  }

  /** A local file to write `key` at (its folder created); `adopt` it once written. */
  async prepareWrite(key: string): Promise<string> {
    const target = this.localPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    return target;
  }

  /** Take the written local file of `from` into the cache as `key` (renamed when they differ). */
  async adopt(key: string, from: string = key): Promise<void> {
    const target = this.localPath(key);
    if (from !== key) {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(this.localPath(from), target);
    }
    const { size } = await stat(target);
    this.#add(key, size, Date.now());
    await this.evict();
  }

  /** Forget `key` and delete its local file. */
  async remove(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#bytes -= entry.size;
    }
    await rm(this.localPath(key), { force: true });
  }

  #add(key: string, size: number, lastUsed: number): void {
    const old = this.#entries.get(key);
    if (old) this.#bytes -= old.size;
    this.#entries.set(key, { size, lastUsed });
    this.#bytes += size;
  }

  /** Delete least recently used files, outside the grace window, until under the bound. */
  async evict(): Promise<number> {
    if (this.#bytes <= this.maxBytes || this.#evicting) return 0;
    this.#evicting = true;
    let removed = 0;
    try {
      const cutoff = Date.now() - this.graceMs;
      const candidates = [...this.#entries].filter(([, e]) => e.lastUsed < cutoff).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      for (const [key] of candidates) {
        if (this.#bytes <= this.maxBytes) break;
        await this.remove(key);
        removed++;
      }
      this.#evicted += removed;
    } finally {
      this.#evicting = false;
    }
    return removed;
  }
}
