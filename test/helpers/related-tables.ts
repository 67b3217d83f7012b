// The exactly-once check of the generic tables the generator also writes (Customers, Agents; each a
// Silver table found at run time, with its SCD-2 history): history holds each source change once,
// by (source, `_seq`), and Silver equals the source rows, compared as text (timestamps as ISO-8601
// UTC with microseconds, booleans as 1/0, everything else cast to text), as the sources hold them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { decodeMessage } from '../../src/sources/debezium/decode.ts';
import type { FeedRecord } from '../../src/feeds/feed.ts';
import { diffRows, sourceDb, type TextRow } from './lake.ts';

/** Source table → its Silver table and key. */
export const RELATED_TABLES = [
  { table: 'Customers', name: 'customers', key: 'CustomerID' },
  { table: 'Agents', name: 'agents', key: 'AgentID' },
] as const;

const CONTROL = new Set(['source', '_seq', '_source_ts', '_committed_at']);

export interface RelatedVerdict {
  lost: number;
  duplicated: number;
  resurrected: number;
  problems: string[];
  /** Source changes of these tables seen in the capture. */
  changes: number;
}

/** Expected history identities `source/_seq` of `table`'s changes in the captured records. */
function expectedChanges(records: FeedRecord[], table: string): Set<string> {
  const out = new Set<string>();
  for (const r of records) {
    if (r.value === null) continue;
    const d = decodeMessage(r.key, r.value);
    if (d.ok && d.value.kind === 'change' && d.value.source.table === table) out.add(`${d.value.source.name}/${d.value.seq}`);
  }
  return out;
}

async function silverRows(conn: DuckDBConnection, dir: string, key: string): Promise<{ rows: Map<string, TextRow>; columns: string[] }> {
  const table = await DeltaTable.open(dir);
  const fields = table.snapshot.schema.fields.filter((f) => !CONTROL.has(f.name));
  const select = fields.map((f) => {
    const type = String(f.type);
    const expr = type.startsWith('timestamp')
      ? `strftime("${f.name}", '%Y-%m-%dT%H:%M:%S.%fZ')`
      : type === 'boolean'
        ? `CASE WHEN "${f.name}" THEN '1' ELSE '0' END`
        : `CAST("${f.name}" AS VARCHAR)`;
    return `${expr} AS "${f.name}"`;
  });
  const rows = (await conn.runAndReadAll(`SELECT "source", ${select.join(', ')} FROM ${table.scanSql()} AS t`)).getRowObjectsJson() as TextRow[];
  return { rows: new Map(rows.map((r) => [`${r.source}/${r[key]}`, r])), columns: fields.map((f) => f.name) };
}

function sourceRows(dataDir: string, sources: string[], table: string, columns: string[], key: string): Map<string, TextRow> {
  const out = new Map<string, TextRow>();
  for (const source of sources) {
    const db = sourceDb(dataDir, source);
    try {
      for (const r of db.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>) {
        const row: TextRow = { source };
        for (const c of columns) row[c] = r[c] === null || r[c] === undefined ? null : String(r[c]);
        out.set(`${source}/${row[key]}`, row);
      }
    } finally {
      db.close();
    }
  }
  return out;
}

/** Compares each related table's history and Silver with the capture and the sources. */
export async function verifyRelated(conn: DuckDBConnection, dataDir: string, sources: string[], records: FeedRecord[]): Promise<RelatedVerdict> {
  const out: RelatedVerdict = { lost: 0, duplicated: 0, resurrected: 0, problems: [], changes: 0 };
  for (const { table, name, key } of RELATED_TABLES) {
    const expected = expectedChanges(records, table);
    out.changes += expected.size;
    if (expected.size === 0) continue;
    const silverDir = join(dataDir, 'datalake', 'silver', name);
    const historyDir = join(dataDir, 'datalake', 'silver', `${name}_history`);
    if (!existsSync(join(silverDir, '_delta_log')) || !existsSync(join(historyDir, '_delta_log'))) {
      out.lost += expected.size;
      out.problems.push(`silver/${name}: missing, ${expected.size} changes of ${table} captured`);
      continue;
    }
    const history = await DeltaTable.open(historyDir);
    const held = (
      await conn.runAndReadAll(`SELECT "source" || '/' || "_seq" AS k, count(*)::INT AS n FROM ${history.scanSql()} AS t GROUP BY ALL`)
    ).getRowObjectsJson() as Array<{ k: string; n: number }>;
    const counts = new Map(held.map((r) => [r.k, Number(r.n)]));
    for (const k of expected) {
      if (counts.has(k)) continue;
      out.lost++;
      if (out.problems.length < 10) out.problems.push(`${name}_history: missing ${k}`);
    }
    for (const [k, n] of counts) {
      const over = expected.has(k) ? n - 1 : n;
      if (over <= 0) continue;
      out.duplicated += over;
      if (out.problems.length < 10) out.problems.push(`${name}_history: ${expected.has(k) ? 'duplicate' : 'unexpected'} ${k} (x${n})`);
    }
    const silver = await silverRows(conn, silverDir, key);
    const want = sourceRows(dataDir, sources, table, silver.columns, key);
    for (const [k, row] of want) if (diffRows(new Map([[k, row]]), new Map(silver.rows.has(k) ? [[k, silver.rows.get(k)!]] : [])).length > 0) out.lost++;
    for (const k of silver.rows.keys()) if (!want.has(k)) out.resurrected++;
    for (const d of diffRows(want, silver.rows, 10)) out.problems.push(`silver/${name}: ${d}`);
  }
  return out;
}
