// Gold SQL runs sandboxed. A Gold file is one SELECT; it runs in its own DuckDB instance whose
// file access is off (enable_external_access=false) except for the folders of the tables it is
// given ({{silver.tickets}} etc., as allowed_directories) and a private output folder,
// with extension auto-loading off and the configuration locked, so the SQL can neither change
// those settings nor read or write any other file. The result is written (cast to its Delta types)
// to a Parquet file in the private folder; the writer then commits it to the Gold table.
// A Gold file that reaches elsewhere fails at refresh with its name and DuckDB's reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, toDuckDbType, type DeltaSchema } from '@shori/delta';
import { ShoriError } from '../../errors.ts';

/** DuckDB's StatementType for SELECT (duckdb.h: DUCKDB_STATEMENT_TYPE_SELECT). */
const STATEMENT_SELECT = 1;

export interface GoldQuery {
  name: string;
  file: string;
  /** The SQL with its {{layer.table}} placeholders already replaced by snapshot scans. */
  sql: string;
}

export interface GoldResult {
  /** Columns as DuckDB describes them (name, type). */
  columns: Array<{ column_name: string; column_type: string }>;
  /** A Parquet file holding the result, cast to `schema`'s types; readable by the writer. */
  parquetFile: string;
}

export class GoldSandbox {
  readonly #db: DuckDBInstance;
  readonly #conn: DuckDBConnection;
  readonly #outDir: string;

  private constructor(db: DuckDBInstance, conn: DuckDBConnection, outDir: string) {
    this.#db = db;
    this.#conn = conn;
    this.#outDir = outDir;
  }

  /**
   * A sandbox that may read exactly `allowedFiles` and the files under `allowedDirs` (engine
   * locations; folders end with a separator), and nothing else.
   */
  static async open(allowedFiles: string[], allowedDirs: string[] = []): Promise<GoldSandbox> {
    const outDir = mkdtempSync(join(tmpdir(), 'shori-gold-'));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run("SET TimeZone = 'UTC'");
      await conn.run(`SET temp_directory = ${quoteLiteral(join(outDir, 'spill'))}`);
      await conn.run(`SET allowed_paths = [${allowedFiles.map(quoteLiteral).join(', ')}]`);
      await conn.run(`SET allowed_directories = [${[...allowedDirs, `${outDir}${sep}`].map(quoteLiteral).join(', ')}]`);
      await conn.run('SET autoinstall_known_extensions = false');
      await conn.run('SET autoload_known_extensions = false');
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
    } catch (error) {
      conn.closeSync();
      db.closeSync();
      rmSync(outDir, { recursive: true, force: true });
      throw error;
    }
    return new GoldSandbox(db, conn, outDir);
  }

  /**
   * Start-up check of Gold files, before any data: each must parse as exactly one statement
   * (parsing only, in a sandbox with no file access; binding and file access are checked at refresh).
   */
  static async checkDefinitions(definitions: Array<{ name: string; file: string; sql: string }>): Promise<void> {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
      for (const d of definitions) {
        // Placeholders become a table name so the text parses as the refresh will run it.
        const sql = d.sql.replace(/\{\{\s*(bronze|silver)\.([a-z_]+)\s*\}\}/g, '"$1_$2"');
        let count: number;
        try {
          count = (await conn.extractStatements(sql)).count;
        } catch (cause) {
          throw new ShoriError('SHORI_CONFIG_INVALID', `Gold SQL file ${d.file}: ${((cause as Error).message ?? '').split('\n')[0]}`, {
            cause,
            context: { file: d.file },
          });
        }
        if (count !== 1) {
          throw new ShoriError('SHORI_CONFIG_INVALID', `Gold SQL file ${d.file} must be exactly one SELECT statement; it has ${count}`, {
            context: { file: d.file },
          });
        }
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  async #checkOneSelect(query: GoldQuery): Promise<void> {
    const statements = await this.#conn.extractStatements(query.sql);
    if (statements.count !== 1) {
      throw new ShoriError(
        'SHORI_LAKEHOUSE_FAILED',
        `Gold table ${query.name} (${query.file}) must be exactly one SELECT statement; it has ${statements.count}`,
        { fatal: false, context: { file: query.file } },
      );
    }
    const prepared = await statements.prepare(0);
    if (Number(prepared.statementType) !== STATEMENT_SELECT) {
      throw new ShoriError('SHORI_LAKEHOUSE_FAILED', `Gold table ${query.name} (${query.file}) must be a SELECT statement`, {
        fatal: false,
        context: { file: query.file },
      });
    }
  }

  /** Runs one Gold query; `schemaOf` maps DuckDB's description to the Delta schema to cast to. */
  async run(query: GoldQuery, schemaOf: (columns: GoldResult['columns']) => DeltaSchema): Promise<GoldResult & { schema: DeltaSchema }> {
    try {
      await this.#checkOneSelect(query);
      const columns = (await this.#conn.runAndReadAll(`DESCRIBE ${query.sql}`)).getRowObjectsJson() as GoldResult['columns'];
      const schema = schemaOf(columns);
      const casts = schema.fields.map((f) => `CAST(${quoteIdent(f.name)} AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ');
      const parquetFile = join(this.#outDir, `${query.name}.parquet`);
      await this.#conn.run(`COPY (SELECT ${casts} FROM (${query.sql}) AS g) TO ${quoteLiteral(parquetFile)} (FORMAT parquet)`);
      return { columns, schema, parquetFile };
    } catch (cause) {
      if (cause instanceof ShoriError) throw cause;
      const message = (cause as Error).message ?? String(cause);
      const outside = /Permission Error|disabled by configuration|locked/i.test(message);
      throw new ShoriError(
        'SHORI_LAKEHOUSE_FAILED',
        outside
          ? `Gold table ${query.name} (${query.file}) reaches outside the snapshots it is given (Gold SQL may read only {{silver.*}} / {{bronze.*}}): ${message.split('\n')[0]}`
          : `Gold table ${query.name} (${query.file}) has invalid SQL: ${message.split('\n')[0]}`,
        { cause, fatal: false, context: { file: query.file } },
      );
    }
  }

  close(): void {
    this.#conn.closeSync();
    this.#db.closeSync();
    rmSync(this.#outDir, { recursive: true, force: true });
  }
}
