// The table catalogue the read API serves: a fixed list of medallion tables plus the Gold tables
// defined by SQL files. Requests name a table by (layer, name) and are matched against this list;
// nothing from a request is ever joined into a file path.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { TableInfo, TableRowsResponse } from '../contracts/api.ts';
import { DeltaTable, LocalStorage } from './delta/index.ts';
import { tablePath, type Layer, type TableStorageFactory } from './medallion/tables.ts';
import { ShoriError, isShoriError } from '../errors.ts';

export interface CatalogEntry {
  layer: Layer;
  name: string;
  /** The table's location (a folder or an object-store URI). */
  path: string;
}

export class TableCatalog {
  readonly #entries: CatalogEntry[];
  readonly #open = new Map<string, DeltaTable>();
  #conn: DuckDBConnection | null = null;
  #db: DuckDBInstance | null = null;

  readonly #storage: TableStorageFactory;

  constructor(dataDir: string, goldNames: string[], tableStorage?: TableStorageFactory) {
    this.#storage = tableStorage ?? ((layer, name) => new LocalStorage(tablePath(dataDir, layer, name)));
    const entry = (layer: Layer, name: string): CatalogEntry => ({ layer, name, path: this.#storage(layer, name).location });
    this.#entries = [
      entry('bronze', 'cdc_events'),
      entry('silver', 'tickets'),
      entry('silver', 'tickets_history'),
      ...goldNames.map((name) => entry('gold', name)),
    ];
  }

  entries(): CatalogEntry[] {
    return [...this.#entries];
  }

  entry(layer: string, name: string): CatalogEntry {
    const found = this.#entries.find((e) => e.layer === layer && e.name === name);
    if (!found) throw new ShoriError('SHORI_NOT_FOUND', `no table ${layer}.${name} in the catalogue`, { context: { layer, name } });
    return found;
  }

  async #connection(): Promise<DuckDBConnection> {
    if (!this.#conn) {
      this.#db = await DuckDBInstance.create(':memory:');
      this.#conn = await this.#db.connect();
      await this.#conn.run("SET TimeZone = 'UTC'");
    }
    return this.#conn;
  }

  async #table(entry: CatalogEntry): Promise<DeltaTable | null> {
    const key = `${entry.layer}.${entry.name}`;
    let table = this.#open.get(key);
    if (!table) {
      try {
        table = await DeltaTable.open(this.#storage(entry.layer, entry.name));
      } catch (error) {
        if (isShoriError(error, 'SHORI_DELTA_NOT_A_TABLE')) return null;
        throw error;
      }
      this.#open.set(key, table);
    } else {
      await table.refresh();
    }
    return table;
  }

  async list(): Promise<TableInfo[]> {
    const out: TableInfo[] = [];
    for (const entry of this.#entries) {
      const table = await this.#table(entry);
      if (!table) continue;
      const s = table.snapshot;
      out.push({
        layer: entry.layer,
        name: entry.name,
        version: s.version,
        num_files: s.files.length,
        num_rows: s.numRows ?? -1,
        columns: s.schema.fields.map((f) => ({ name: f.name, type: typeof f.type === 'string' ? f.type : f.type.type, nullable: f.nullable })),
      });
    }
    return out;
  }

  async rows(layer: string, name: string, options: { version?: number; limit: number; offset: number }): Promise<TableRowsResponse> {
    const entry = this.entry(layer, name);
    const table = await this.#table(entry);
    if (!table) throw new ShoriError('SHORI_NOT_FOUND', `table ${layer}.${name} has no data yet`, { context: { layer, name } });
    let snapshot = table.snapshot;
    if (options.version !== undefined) {
      if (options.version > snapshot.version) {
        throw new ShoriError('SHORI_HTTP_BAD_REQUEST', `version ${options.version} does not exist; the latest is ${snapshot.version}`, { context: { version: options.version } });
      }
      snapshot = await table.snapshotAt(options.version);
    }
    const conn = await this.#connection();
    const scan = await table.scan(snapshot);
    const total = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${scan} AS t`)).getRowObjectsJson()[0].n);
    // Timestamps leave as ISO-8601 UTC with microseconds, as everything else on the wire.
    const select = snapshot.schema.fields
      .map((f) => {
        const name = `"${f.name.replaceAll('"', '""')}"`;
        if (f.type === 'timestamp') return `strftime(${name}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${name}`;
        if (f.type === 'timestamp_ntz') return `strftime(${name}, '%Y-%m-%dT%H:%M:%S.%f') AS ${name}`;
        return name;
      })
      .join(', ');
    const reader = await conn.runAndReadAll(`SELECT ${select} FROM ${scan} AS t LIMIT ${options.limit} OFFSET ${options.offset}`);
    return {
      layer,
      name,
      version: snapshot.version,
      columns: snapshot.schema.fields.map((f) => ({ name: f.name, type: typeof f.type === 'string' ? f.type : f.type.type })),
      rows: reader.getRowObjectsJson() as Array<Record<string, unknown>>,
      total,
      limit: options.limit,
      offset: options.offset,
    };
  }

  close(): void {
    this.#conn?.closeSync();
    this.#db?.closeSync();
  }
}
