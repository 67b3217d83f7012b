// Moves a batch from JS into DuckDB temp tables through the appender (no SQL text per row), as
// text and integers; the Delta writers cast to the table types in SQL, where the casts are exact
// (decimal strings to DECIMAL, ISO-8601 strings to TIMESTAMPTZ).
//
// Each appended value is a call into DuckDB, so a row's text and integer columns travel packed as
// one JSON array (JSON.stringify, one appendVarchar) and DuckDB unpacks them with json_transform,
// vectorised and off the main thread: for a Silver row of ~20 columns this takes half the main
// thread's time of appending each value.
//
// UTF8 columns take the record's bytes as they came (a Buffer), not a JS string: they are appended
// as BLOB (one memory copy, no UTF-16 round trip), and decoded into VARCHAR with DuckDB's decode().
// For a 4.6 KB Debezium payload this costs a fifth of appendVarchar. Bytes that are not valid UTF-8
// are replaced as Buffer.toString would (U+FFFD), so decode() never fails and Bronze holds what it
// always held.
//
// `<table>` is a view over the appended `<table>__packed`, giving the columns as declared.
import { isUtf8 } from 'node:buffer';
import type { DuckDBConnection } from '@duckdb/node-api';

export type StageType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'UTF8';
export type StageValue = string | number | bigint | Uint8Array | null;

export interface StageColumn {
  name: string;
  type: StageType;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const PACKED = '__row';

function utf8Bytes(value: StageValue): Uint8Array {
  if (value instanceof Uint8Array)
    return isUtf8(value) ? value : Buffer.from(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'), 'utf8');
  return Buffer.from(String(value), 'utf8');
}

/** A packed value as JSON takes it: text columns as strings, integers as numbers or (beyond 2^53) strings. */
function packable(value: StageValue | undefined, type: StageType): string | number | null {
  if (value === null || value === undefined) return null;
  if (type === 'VARCHAR') return typeof value === 'string' ? value : String(value);
  if (typeof value === 'number') return type === 'INTEGER' ? value : Number.isSafeInteger(value) ? value : String(BigInt(value));
  return String(value);
}

/**
 * JSON text of a row's packed values. A string with a lone surrogate (which JSON.stringify writes as
 * a `\udXXX` escape DuckDB refuses) is made well-formed first, as appendVarchar did: U+FFFD.
 */
export function packValues(values: Array<string | number | null>): string {
  const json = JSON.stringify(values);
  if (!json.includes('\\ud')) return json;
  return JSON.stringify(values.map((v) => (typeof v === 'string' ? v.toWellFormed() : v)));
}

/** The SQL type a packed column is read back as. */
const sqlType = (type: StageType) => (type === 'UTF8' ? 'VARCHAR' : type);

export async function stageRows(conn: DuckDBConnection, table: string, columns: StageColumn[], rows: StageValue[][]): Promise<void> {
  const packed = columns.flatMap((c, i) => (c.type === 'UTF8' ? [] : [i]));
  const bytes = columns.flatMap((c, i) => (c.type === 'UTF8' ? [i] : []));
  const target = `${table}__packed`;
  const stored = [`${PACKED} VARCHAR`, ...bytes.map((i) => `${ident(columns[i].name)} BLOB`)];
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(target)} (${stored.join(', ')})`);
  const select = columns.map((c, i) => {
    if (c.type === 'UTF8') return `decode(${ident(c.name)}) AS ${ident(c.name)}`;
    return `CAST(__values[${packed.indexOf(i) + 1}] AS ${sqlType(c.type)}) AS ${ident(c.name)}`;
  });
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW ${ident(table)} AS SELECT ${select.join(', ')} ` +
      `FROM (SELECT ${[`json_transform(${PACKED}, '["VARCHAR"]') AS __values`, ...bytes.map((i) => ident(columns[i].name))].join(', ')} FROM ${ident(target)})`,
  );
  if (rows.length === 0) return;
  const appender = await conn.createAppender(target);
  try {
    const values: Array<string | number | null> = new Array(packed.length);
    for (const row of rows) {
      for (let j = 0; j < packed.length; j++) values[j] = packable(row[packed[j]], columns[packed[j]].type);
      appender.appendVarchar(packValues(values));
      for (const i of bytes) {
        const value = row[i];
        if (value === null || value === undefined) appender.appendNull();
        else appender.appendBlob(utf8Bytes(value));
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
