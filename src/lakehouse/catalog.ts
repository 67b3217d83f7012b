// The table catalogue the read API serves: the medallion's fixed tables, every Silver table found in
// the lake (one per captured table, and its history, as the lakehouse creates them at run time), and
// the Gold tables defined by SQL files. Requests name a table by (layer, name) and are matched against this list;
// nothing from a request is ever joined into a file path or into SQL.
// Pages come in a stable order (the table's key; for Gold, every column), so consecutive pages
// neither overlap nor skip rows. The total comes from the Delta log's statistics when every file
// has them (no scan), else from a count. The catalogue's DuckDB is bounded: a memory limit, a
// statement timeout (the query is interrupted), and no file access outside the lake.
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { TableInfo, TableRowsResponse } from '../contracts/api.ts';
import { DeltaTable, isDeltaError, quoteIdent, quoteLiteral } from '@shori/delta';
import type { Layer, LakeTables } from './medallion/tables.ts';
import { localLakeTables } from './medallion/local-lake.ts';
import { ShoriError } from '../errors.ts';
import type { TablesConfig } from '../config/tables-config.ts';

export interface CatalogEntry {
  layer: Layer;
  name: string;
  path: string;
  /** The columns that order rows stably (the table key); empty = every column (ORDER BY ALL). */
  orderBy: string[];
}

export interface CatalogLimits {
  /** Statement timeout, seconds. */
  queryTimeoutSec: number;
  /** DuckDB memory_limit, e.g. 512MB. */
  memoryLimit: string;
}

const DEFAULT_LIMITS: CatalogLimits = { queryTimeoutSec: 10, memoryLimit: '512MB' };

/** Where the tables are: the lake's tables, and the local folder DuckDB reads their files from. */
export interface CatalogLake {
  tables: LakeTables;
  /** The lake folder, or an object-store lake's local file cache. */
  engineDir: string;
  /**
   * TABLES_CONFIG: a table whose history is off has no `<table>_history` in the catalogue, even when
   * an earlier run left one in the lake (it no longer follows Silver). Absent: every history is kept.
   */
  tablesConfig?: TablesConfig;
}

export class TableCatalog {
  readonly #entries: CatalogEntry[];
  readonly #lake: LakeTables;
  readonly #open = new Map<string, DeltaTable>();
  readonly #limits: CatalogLimits;
  readonly #lakeDir: string;
  readonly #tablesConfig: TablesConfig | null;
  #db: Promise<DuckDBInstance> | null = null;

  constructor(dataDir: string, goldNames: string[], limits: CatalogLimits = DEFAULT_LIMITS, lake?: CatalogLake) {
    this.#limits = limits;
    this.#lakeDir = path.resolve(lake?.engineDir ?? path.join(dataDir, 'datalake'));
    this.#lake = lake?.tables ?? localLakeTables(dataDir);
    this.#tablesConfig = lake?.tablesConfig ?? null;
    this.#entries = [
      this.#entry('bronze', 'cdc_events', ['topic', 'partition', 'offset']),
      this.#entry('silver', 'tickets', ['source', 'TicketID']),
      ...(this.#historyKept('tickets') ? [this.#entry('silver', 'tickets_history', ['source', '_seq', 'TicketID', '_op'])] : []),
      ...goldNames.map((name) => this.#entry('gold', name, [])),
    ];
  }

  /** Whether TABLES_CONFIG keeps the history of the table whose Silver table is `silver`. */
  #historyKept(silver: string): boolean {
    return this.#tablesConfig === null || this.#tablesConfig.choose(silver).history;
  }

  /** `<table>_history` beside a Silver `<table>` whose history is off: left by an earlier run, not listed. */
  #staleHistory(name: string, names: readonly string[]): boolean {
    const base = name.endsWith('_history') ? name.slice(0, -'_history'.length) : null;
    return base !== null && names.includes(base) && !this.#historyKept(base);
  }

  #entry(layer: Layer, name: string, orderBy: string[]): CatalogEntry {
    return { layer, name, path: this.#lake.table(layer, name).location, orderBy };
  }

  /** Adds the Silver tables created since the last look (generic tables appear at run time). */
  async #discover(): Promise<void> {
    const names = await this.#lake.tableNames('silver').catch(() => [] as string[]);
    for (const name of names) {
      // Internal tables (_rejected, _<table>_deleted) stay out; names are checked before use.
      if (name.startsWith('_') || !/^[a-z0-9_]{1,64}$/.test(name)) continue;
      if (this.#staleHistory(name, names)) continue;
      if (this.#entries.some((e) => e.layer === 'silver' && e.name === name)) continue;
      // No key known here: every column orders the rows (a total, stable order).
      const orderBy: string[] = [];
      const at = this.#entries.findIndex((e) => e.layer === 'gold');
      this.#entries.splice(at < 0 ? this.#entries.length : at, 0, this.#entry('silver', name, orderBy));
    }
  }

  async entries(): Promise<CatalogEntry[]> {
    await this.#discover();
    return [...this.#entries];
  }

  async entry(layer: string, name: string): Promise<CatalogEntry> {
    if (layer === 'silver') await this.#discover();
    const found = this.#entries.find((e) => e.layer === layer && e.name === name);
    if (!found) throw new ShoriError('SHORI_NOT_FOUND', `no table ${layer}.${name} in the catalogue`, { context: { layer, name } });
    return found;
  }

  /** One bounded DuckDB for the catalogue: memory limit, lake-only file access, settings locked. */
  async #instance(): Promise<DuckDBInstance> {
    this.#db ??= (async () => {
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        await conn.run("SET TimeZone = 'UTC'");
        await conn.run(`SET memory_limit = ${quoteLiteral(this.#limits.memoryLimit)}`);
        await conn.run(`SET allowed_directories = [${quoteLiteral(`${this.#lakeDir}${path.sep}`)}]`);
        await conn.run('SET autoinstall_known_extensions = false');
        await conn.run('SET autoload_known_extensions = false');
        await conn.run('SET enable_external_access = false');
        await conn.run('SET lock_configuration = true');
      } finally {
        conn.closeSync();
      }
      return db;
    })();
    return this.#db;
  }

  /** Runs one statement on its own connection, interrupted after the statement timeout. */
  async #query(sql: string): Promise<Array<Record<string, unknown>>> {
    const conn: DuckDBConnection = await (await this.#instance()).connect();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, this.#limits.queryTimeoutSec * 1000);
    try {
      return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
    } catch (cause) {
      const message = (cause as Error).message ?? '';
      if (timedOut || /interrupt/i.test(message)) {
        throw new ShoriError('SHORI_QUERY_LIMIT', `the query took longer than ${this.#limits.queryTimeoutSec}s (TABLE_API_QUERY_TIMEOUT_SEC) and was stopped`, {
          cause,
        });
      }
      if (/out of memory/i.test(message)) {
        throw new ShoriError('SHORI_QUERY_LIMIT', `the query needed more than ${this.#limits.memoryLimit} (TABLE_API_MEMORY_LIMIT)`, { cause });
      }
      throw cause;
    } finally {
      clearTimeout(timer);
      conn.closeSync();
    }
  }

  async #table(entry: CatalogEntry): Promise<DeltaTable | null> {
    const key = `${entry.layer}.${entry.name}`;
    let table = this.#open.get(key);
    if (!table) {
      try {
        table = await DeltaTable.open(this.#lake.table(entry.layer, entry.name));
      } catch (error) {
        if (isDeltaError(error, 'DELTA_NOT_A_TABLE')) return null;
        throw error;
      }
      this.#open.set(key, table);
    } else {
      await table.refresh();
    }
    return table;
  }

  async list(): Promise<TableInfo[]> {
    await this.#discover();
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
        ...(entry.layer === 'silver' ? { schema_version: Number(s.properties['shori.schemaVersion'] ?? 0) } : {}),
        columns: s.schema.fields.map((f) => ({ name: f.name, type: typeof f.type === 'string' ? f.type : f.type.type, nullable: f.nullable })),
      });
    }
    return out;
  }

  async rows(layer: string, name: string, options: { version?: number; limit: number; offset: number }): Promise<TableRowsResponse> {
    const entry = await this.entry(layer, name);
    const table = await this.#table(entry);
    if (!table) throw new ShoriError('SHORI_NOT_FOUND', `table ${layer}.${name} has no data yet`, { context: { layer, name } });
    let snapshot = table.snapshot;
    if (options.version !== undefined) {
      if (options.version > snapshot.version) {
        throw new ShoriError('SHORI_HTTP_BAD_REQUEST', `version ${options.version} does not exist; the latest is ${snapshot.version}`, {
          context: { version: options.version },
        });
      }
      snapshot = await table.snapshotAt(options.version);
    }
    const scan = await table.scan(snapshot);
    // The Delta log's statistics count the rows without a scan (deletion vectors subtracted).
    const total = snapshot.numRows ?? Number((await this.#query(`SELECT count(*) AS n FROM ${scan} AS t`))[0].n);
    const fields = snapshot.schema.fields;
    const present = new Set(fields.map((f) => f.name));
    const orderBy = entry.orderBy.filter((c) => present.has(c));
    // Timestamps leave as ISO-8601 UTC with microseconds, as everything else on the wire.
    const select = fields
      .map((f) => {
        const column = quoteIdent(f.name);
        if (f.type === 'timestamp') return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${column}`;
        if (f.type === 'timestamp_ntz') return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%f') AS ${column}`;
        return column;
      })
      .join(', ');
    const order = orderBy.length > 0 ? orderBy.map((c) => `t.${quoteIdent(c)}`).join(', ') : 'ALL';
    const rows = total === 0 ? [] : await this.#query(`SELECT ${select} FROM ${scan} AS t ORDER BY ${order} LIMIT ${options.limit} OFFSET ${options.offset}`);
    return {
      layer,
      name,
      version: snapshot.version,
      columns: fields.map((f) => ({ name: f.name, type: typeof f.type === 'string' ? f.type : f.type.type })),
      rows,
      total,
      limit: options.limit,
      offset: options.offset,
      order_by: orderBy.length > 0 ? orderBy : fields.map((f) => f.name),
    };
  }

  close(): void {
    void this.#db?.then((db) => db.closeSync()).catch(() => undefined);
  }
}
