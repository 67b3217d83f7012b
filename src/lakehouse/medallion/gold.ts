// Gold: aggregates recomputed from Silver. Each Gold table is one SQL file (`<name>.sql`) in the
// built-in folder or in GOLD_SQL_DIR, so a user adds a table by dropping a file. In the SQL,
// `{{silver.tickets}}`, `{{silver.tickets_history}}` and `{{bronze.cdc_events}}` stand for the
// current snapshot of those tables. Each refresh overwrites the Gold table in one Delta commit that
// records, as its own `txn` (applied-version.ts), the Bronze version Silver had applied: a Gold
// table is recomputed when Silver applied a later one, and a crash between two Gold tables leaves
// the other to be recomputed next time (an overwrite is idempotent).
// The SQL runs sandboxed (gold-sandbox.ts): one SELECT, reading only the tables it is given.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, basename, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, quoteLiteral, type DeltaField } from '@shori/delta';
import { GoldSandbox } from './gold-sandbox.ts';
import { ShoriError } from '../../errors.ts';
import type { LakeTables } from './tables.ts';
import { localLakeTables } from './local-lake.ts';
import { TABLE_OPTIONS } from '../engine.ts';
import { appliedBronzeVersion, appliedTxn } from './applied-version.ts';

export const BUILTIN_GOLD_DIR = fileURLToPath(new URL('./gold/', import.meta.url));

export interface GoldDefinition {
  name: string;
  sql: string;
  file: string;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export function loadGoldDefinitions(dirs: string[]): GoldDefinition[] {
  const byName = new Map<string, GoldDefinition>();
  for (const dir of dirs) {
    if (!dir || !existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.endsWith('.sql')) continue;
      const name = basename(entry, '.sql');
      if (!NAME.test(name)) {
        throw new ShoriError(
          'SHORI_CONFIG_INVALID',
          `Gold SQL file ${join(dir, entry)}: the name must be lower-case letters, digits and _ (it becomes the table name)`,
          { context: { file: join(dir, entry) } },
        );
      }
      const file = join(dir, entry);
      byName.set(name, { name, file, sql: readFileSync(file, 'utf8') });
    }
  }
  return [...byName.values()];
}

/** DuckDB result types → Delta types (the Gold schemas are derived from the SQL). */
export function deltaTypeOf(duckType: string): DeltaField['type'] {
  const t = duckType.toUpperCase();
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `decimal(${Number(dec[1])},${Number(dec[2])})` as DeltaField['type'];
  switch (t) {
    case 'BIGINT':
    case 'HUGEINT':
    case 'UBIGINT':
      return 'long';
    case 'INTEGER':
    case 'UINTEGER':
      return 'integer';
    case 'SMALLINT':
    case 'USMALLINT':
      return 'short';
    case 'TINYINT':
    case 'UTINYINT':
      return 'byte';
    case 'DOUBLE':
      return 'double';
    case 'FLOAT':
      return 'float';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP WITH TIME ZONE':
      return 'timestamp';
    case 'TIMESTAMP':
      return 'timestamp_ntz';
    case 'VARCHAR':
      return 'string';
    case 'BLOB':
      return 'binary';
    default:
      throw new ShoriError('SHORI_LAKEHOUSE_FAILED', `Gold column type ${duckType} has no Delta equivalent; cast it in the SQL`, { context: { duckType } });
  }
}

/** `{{layer.name}}` in a Gold SQL file: a source table's current snapshot. */
const GOLD_SOURCE = /\{\{\s*(bronze|silver)\.([a-z0-9_]+)\s*\}\}/g;

export class GoldRefresher {
  readonly #lake: LakeTables;
  readonly #definitions: GoldDefinition[];
  readonly #tables = new Map<string, DeltaTable>();
  #sandbox: { dirs: string; box: GoldSandbox } | null = null;

  constructor(dataDir: string, definitions: GoldDefinition[], lake: LakeTables = localLakeTables(dataDir)) {
    this.#lake = lake;
    this.#definitions = definitions;
  }

  names(): string[] {
    return this.#definitions.map((d) => d.name);
  }

  #render(sql: string, sources: Record<string, DeltaTable>): string {
    return sql.replace(GOLD_SOURCE, (_m, layer: string, name: string) => {
      const table = sources[`${layer}.${name}`];
      if (!table) {
        const hint = name.endsWith('_history') ? ' (a history is offered only while TABLES_CONFIG keeps it: history: false turns it off)' : '';
        throw new ShoriError('SHORI_LAKEHOUSE_FAILED', `Gold SQL refers to unknown table ${layer}.${name}${hint}`, { context: { table: `${layer}.${name}` } });
      }
      return `${table.scanSql()} AS "${name}"`;
    });
  }

  /** The Gold table, opened if it exists (undefined until first computed). */
  async #existing(name: string): Promise<DeltaTable | undefined> {
    let table = this.#tables.get(name);
    if (!table) {
      table = await DeltaTable.open(this.#lake.table('gold', name), TABLE_OPTIONS).catch(() => undefined);
      if (table) this.#tables.set(name, table);
    }
    if (table) await table.refresh();
    return table;
  }

  /** Recomputes every Gold table that has not seen Silver's applied Bronze version; returns whether any was. */
  async refresh(conn: DuckDBConnection, sources: Record<string, DeltaTable>, force = false): Promise<boolean> {
    const silver = sources['silver.tickets'];
    for (const table of Object.values(sources)) await table.refresh();
    const applied = appliedBronzeVersion(silver);
    const due: Array<{ definition: GoldDefinition; table: DeltaTable | undefined }> = [];
    for (const definition of this.#definitions) {
      const table = await this.#existing(definition.name);
      if (force || !table || table.snapshot.version === 0 || appliedBronzeVersion(table) !== applied) due.push({ definition, table });
    }
    if (due.length === 0) return false;
    // Object-store lakes: the files of the tables the Gold SQL reads are fetched into the local cache.
    const referenced = new Set(due.flatMap(({ definition }) => [...definition.sql.matchAll(GOLD_SOURCE)].map((m) => `${m[1]}.${m[2]}`)));
    for (const key of referenced) if (sources[key]) await sources[key].scan();
    // Each Gold query runs sandboxed: it may read the tables it is given, nothing else.
    const sandbox = await this.#sandboxFor(sources);
    for (const { definition, table: existing } of due) {
      const query = { name: definition.name, file: definition.file, sql: this.#render(definition.sql, sources) };
      const result = await sandbox.run(query, (described) => ({
        type: 'struct',
        fields: described.map((c) => ({ name: c.column_name, type: deltaTypeOf(c.column_type), nullable: true, metadata: {} })),
      }));
      let table = existing;
      if (!table) {
        table = await DeltaTable.createIfAbsent(this.#lake.table('gold', definition.name), { schema: result.schema, name: definition.name }, TABLE_OPTIONS);
        this.#tables.set(definition.name, table);
      }
      await table.overwrite(conn, `SELECT * FROM read_parquet(${quoteLiteral(result.parquetFile)})`, {
        operation: 'WRITE',
        operationParameters: { mode: 'Overwrite', source: `gold/${definition.name}.sql`, silverVersion: silver.snapshot.version, bronzeVersion: applied },
        txns: applied >= 0 ? appliedTxn(applied) : [],
      });
    }
    return true;
  }

  /** One sandbox for the refresher's life (a DuckDB instance costs ~100 ms), allowed the given tables' folders. */
  async #sandboxFor(sources: Record<string, DeltaTable>): Promise<GoldSandbox> {
    // The folders DuckDB reads the tables from: the tables themselves, or an object-store lake's cache.
    const dirs = Object.values(sources)
      .map((table) => `${resolve(table.storage.engineRoot ?? table.location)}${sep}`)
      .sort();
    if (this.#sandbox && this.#sandbox.dirs === dirs.join('\n')) return this.#sandbox.box;
    this.#sandbox?.box.close();
    this.#sandbox = { dirs: dirs.join('\n'), box: await GoldSandbox.open([], dirs) };
    return this.#sandbox.box;
  }

  /** Releases the sandbox (its DuckDB and private folder). */
  close(): void {
    this.#sandbox?.box.close();
    this.#sandbox = null;
  }
}
