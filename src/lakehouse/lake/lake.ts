// The lake the service writes and reads: one place that turns LAKE_URI into each table's Storage.
// Local lakes are folders under the lake path. Object-store lakes share one client and one bounded
// read cache (DATA_DIR/lake-cache/<lake id>) for all their tables, and are checked at open: a store
// that does not honour put-if-absent is refused before any table is touched. Every table's Storage
// goes through the fault switch (test-only fault points), whatever the store.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FileCache, isDeltaError, LocalStorage, ObjectStorage, probePutIfAbsent, type ObjectStoreClient, type Storage } from '@shori/delta';
import { ShoriError } from '../../errors.ts';
import { withFaults } from '../../faults/index.ts';
import { describeLake, parseLakeUri, type LakeLocation } from './lake-uri.ts';
import type { LakeTables, Layer } from '../medallion/tables.ts';
import { credentialSource, storeClient, type PathStyle } from './store-clients.ts';

export interface LakeOptions {
  /** LAKE_URI ('' = DATA_DIR/datalake). */
  uri: string;
  dataDir: string;
  /** LAKE_CACHE_MAX_BYTES. */
  cacheMaxBytes?: number;
  pathStyle?: PathStyle;
  /** Where credentials are looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Check put-if-absent at open (default true). */
  probe?: boolean;
}

export class Lake implements LakeTables {
  /** Where the lake is, for people (never holds credentials). */
  readonly description: string;
  readonly location: LakeLocation;
  readonly #client?: ObjectStoreClient;
  readonly #cache?: FileCache;

  private constructor(location: LakeLocation, client?: ObjectStoreClient, cache?: FileCache) {
    this.location = location;
    this.description = describeLake(location);
    this.#client = client;
    this.#cache = cache;
  }

  static async open(options: LakeOptions): Promise<Lake> {
    const location = parseLakeUri(options.uri, options.dataDir);
    if (location.kind === 'local') return new Lake(location);
    const env = options.env ?? process.env;
    const client = storeClient(location, env, options.pathStyle);
    if (options.probe !== false) {
      await probePutIfAbsent(client, location.prefix).catch((error: unknown) => {
        if (isDeltaError(error, 'DELTA_UNSUPPORTED')) throw error; // a store without conditional writes: its own message
        // Unreachable, refused or no credentials: say which lake and where its credentials came from.
        throw new ShoriError(
          'SHORI_LAKEHOUSE_FAILED',
          `The lake ${describeLake(location)} could not be opened with ${credentialSource(location, env)}: ${(error as Error).message}`,
          { cause: error, context: { lake: describeLake(location) } },
        );
      });
    }
    const id = createHash('sha256').update(describeLake(location)).digest('hex').slice(0, 16);
    const cache = await FileCache.open({ root: path.resolve(options.dataDir, 'lake-cache', id), maxBytes: options.cacheMaxBytes ?? 4 * 1024 ** 3 });
    return new Lake(location, client, cache);
  }

  /** The local folder DuckDB reads the lake's files from: the lake itself, or the read cache. */
  get engineDir(): string {
    return this.location.kind === 'local' ? this.location.path : this.#cache!.root;
  }

  get isObjectStore(): boolean {
    return this.location.kind !== 'local';
  }

  /** The Storage of the table `<layer>/<name>` (wrapped by the fault switch when it arms that table). */
  table(layer: Layer | string, name: string): Storage {
    return withFaults(this.#storage(`${layer}/${name}`), `${layer}.${name}`);
  }

  /** Names of the tables (folders) under `<layer>/`, sorted. */
  async tableNames(layer: string): Promise<string[]> {
    if (this.location.kind === 'local') {
      return (await readdir(path.join(this.location.path, layer), { withFileTypes: true }).catch(() => []))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    }
    return this.#client!.listFolders([this.location.prefix, layer].filter((p) => p !== '').join('/') + '/');
  }

  /** The Storage of the lake's root itself (the CLI opens a table by its own URI that way). */
  root(): Storage {
    return this.#storage('');
  }

  /** Where a table is, for people and for other readers (a folder or a URI). */
  tableLocation(layer: string, name: string): string {
    return this.#storage(`${layer}/${name}`).location;
  }

  #storage(relative: string): Storage {
    if (this.location.kind === 'local') return new LocalStorage(path.join(this.location.path, relative));
    const prefix = [this.location.prefix, relative].filter((p) => p !== '').join('/');
    return new ObjectStorage({ client: this.#client!, prefix, cache: this.#cache! });
  }

  /** Read-cache figures (object-store lakes). */
  cacheStats(): ReturnType<FileCache['stats']> | undefined {
    return this.#cache?.stats();
  }
}
