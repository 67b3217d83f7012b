// Storage on an object store (S3, Azure Blob, S3-compatible), for one table under `prefix`.
// Log files go straight to the store; put-if-absent is the store's conditional create, so two
// writers racing for one commit version get exactly one winner. DuckDB reads and writes only
// local files, so data files pass through a shared, bounded FileCache: `prepareEngineRead`
// fetches what a query needs, `prepareEngineWrite` gives a local file that `finishEngineWrite`
// uploads (and keeps cached). Scratch files the engine writes in `_delta_log/` (a checkpoint's
// temp files) stay local: get/put/delete of such a path act on the local file until it is
// finished or deleted. There are no folders: a recursive listing is one prefix listing, with
// `descend` applied to each key's parent folders.
import { readFile, writeFile } from 'node:fs/promises';
import { DeltaError } from '../errors.ts';
import type { FileCache } from './file-cache.ts';
import type { ObjectStoreClient } from './object-store.ts';
import type { DescendFilter, Storage, StorageEntry } from './storage.ts';

export interface ObjectStorageOptions {
  client: ObjectStoreClient;
  /** Key prefix of the table root, without leading or trailing '/' ('' for the store root). */
  prefix: string;
  cache: FileCache;
  /** Parallel downloads per `prepareEngineRead` (default 8). */
  downloadConcurrency?: number;
}

function normalize(relative: string): string {
  const parts: string[] = [];
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new DeltaError('DELTA_PROTOCOL', `Path escapes the table root: ${relative}`, { context: { path: relative } });
    }
    parts.push(part);
  }
  return parts.join('/');
}

export class ObjectStorage implements Storage {
  readonly location: string;
  readonly client: ObjectStoreClient;
  readonly cache: FileCache;
  readonly engineRoot: string;
  readonly #prefix: string;
  readonly #concurrency: number;
  /** Keys of `_delta_log/` files the engine writes locally (scratch until finished or deleted). */
  readonly #scratch = new Set<string>();

  constructor(options: ObjectStorageOptions) {
    this.client = options.client;
    this.cache = options.cache;
    this.#prefix = normalize(options.prefix);
    this.#concurrency = options.downloadConcurrency ?? 8;
    this.location = `${this.client.uriPrefix}${this.#prefix}`.replace(/\/$/, '');
    this.engineRoot = this.cache.localPath(this.#prefix);
  }

  /** The object key of a table-relative path. */
  key(relative: string): string {
    const rel = normalize(relative);
    if (this.#prefix === '') return rel;
    return rel === '' ? this.#prefix : `${this.#prefix}/${rel}`;
  }

  #dirPrefix(dir: string): string {
    const k = this.key(dir);
    return k === '' ? '' : `${k}/`;
  }

  #relative(key: string): string {
    return this.#prefix === '' ? key : key.slice(this.#prefix.length + 1);
  }

  async get(p: string): Promise<Uint8Array | undefined> {
    const key = this.key(p);
    if (this.#scratch.has(key)) return readFile(this.cache.localPath(key)).catch(() => undefined);
    return this.client.get(key);
  }

  async put(p: string, data: Uint8Array | string): Promise<void> {
    const key = this.key(p);
    if (this.#scratch.has(key)) return writeFile(this.cache.localPath(key), data);
    return this.client.put(key, data);
  }

  putIfAbsent(p: string, data: Uint8Array | string): Promise<boolean> {
    return this.client.putIfAbsent(this.key(p), data);
  }

  async list(dir: string): Promise<StorageEntry[]> {
    return (await this.client.list(this.#dirPrefix(dir), false)).map((o) => ({ path: this.#relative(o.key), size: o.size, modificationTime: o.lastModified }));
  }

  async listNames(dir: string): Promise<string[]> {
    return (await this.client.list(this.#dirPrefix(dir), false)).map((o) => o.key.slice(o.key.lastIndexOf('/') + 1));
  }

  async listRecursive(dir: string, descend?: DescendFilter): Promise<StorageEntry[]> {
    const base = normalize(dir);
    const verdicts = new Map<string, boolean>();
    const admitted = (rel: string): boolean => {
      // Every folder between `base` and the file must be admitted, outermost first.
      const parts = rel.split('/').slice(0, -1);
      const start = base === '' ? 0 : base.split('/').length;
      for (let i = start + 1; i <= parts.length; i++) {
        const folder = parts.slice(0, i).join('/');
        let ok = verdicts.get(folder);
        if (ok === undefined) verdicts.set(folder, (ok = descend!(folder)));
        if (!ok) return false;
      }
      return true;
    };
    const out: StorageEntry[] = [];
    for (const o of await this.client.list(this.#dirPrefix(base), true)) {
      const rel = this.#relative(o.key);
      if (!descend || admitted(rel)) out.push({ path: rel, size: o.size, modificationTime: o.lastModified });
    }
    return out;
  }

  async getUri(uri: string): Promise<Uint8Array | undefined> {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    if (scheme === undefined) throw new DeltaError('DELTA_PROTOCOL', `Not an absolute URI: ${uri}`, { context: { uri } });
    if (!uri.startsWith(this.client.uriPrefix)) {
      throw new DeltaError('DELTA_UNSUPPORTED', `${this.location} cannot read '${uri}': only URIs in ${this.client.uriPrefix} are readable`, {
        context: { uri, scheme },
      });
    }
    return this.client.get(decodeURIComponent(uri.slice(this.client.uriPrefix.length)));
  }

  async delete(p: string): Promise<void> {
    const key = this.key(p);
    if (this.#scratch.delete(key)) return this.cache.remove(key);
    await this.client.delete(key);
    await this.cache.remove(key);
  }

  async stat(p: string): Promise<StorageEntry | undefined> {
    const info = await this.client.head(this.key(p));
    return info && { path: p, size: info.size, modificationTime: info.lastModified };
  }

  prepareEngineWrite(p: string): Promise<string> {
    const key = this.key(p);
    if (normalize(p).startsWith('_delta_log/')) this.#scratch.add(key);
    return this.cache.prepareWrite(key);
  }

  async finishEngineWrite(p: string): Promise<void> {
    const key = this.key(p);
    this.#scratch.delete(key);
    await this.client.upload(key, this.cache.localPath(key));
    await this.cache.adopt(key);
  }

  async prepareEngineRead(paths: readonly string[]): Promise<void> {
    const keys = [...new Set(paths.map((p) => this.key(p)))];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++];
        const found = await this.cache.ensure(key, (tmp) => this.client.download(key, tmp));
        if (!found) {
          throw new DeltaError('DELTA_IO', `File ${this.#relative(key)} of ${this.location} does not exist`, {
            context: { location: this.location, path: this.#relative(key) },
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, keys.length) }, worker));
  }

  engineUri(p: string): string {
    return this.cache.localPath(this.key(p));
  }
}
