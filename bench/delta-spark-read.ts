// The delta bench's Spark part (bench/delta.bench.ts, --only=spark): reading a table Apache Spark
// wrote (`rows` rows in 10 files, then a DELETE that writes deletion vectors), by ours and by
// delta-rs (Python `deltalake` QueryBuilder, DataFusion) in the same run, with the same SQL: a full
// scan of every column, a selective predicate (one file by its statistics), a filtered aggregate,
// and (ours) the change feed of the DELETE. Spark writes the table once into
// <tmpdir>/shori-bench-cache/spark-<rows>/ (a marker file says it is complete); later runs reuse it
// without starting Spark. Needs pyspark + delta-spark (scripts/ensure-python-deps.sh --spark) for
// the first run; skipped with a note when absent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { Spark } from '../test/helpers/spark.ts';
import { fmt, timed, type Result } from './delta-common.ts';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(tmpdir(), 'shori-bench-cache');

const SPARK_BENCH_TABLE = [
  'spark.sql(f"CREATE TABLE delta.`{path}` (id BIGINT, k INT, name STRING, amount DECIMAL(12,2), at TIMESTAMP) USING delta "',
  "  \"TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.enableChangeDataFeed' = 'true')\")",
  'spark.range(0, rows, 1, 10).selectExpr("id", "CAST(id % 1000 AS INT) AS k", "concat(\'name \', id) AS name",',
  '  "CAST(id % 100000 / 100 AS DECIMAL(12,2)) AS amount", "timestamp_micros(1767225600000000 + id * 1000) AS at").write.format("delta").mode("append").save(path)',
  'spark.sql(f"DELETE FROM delta.`{path}` WHERE k = 7")',
  'result = True',
].join('\n');

/** Times each query (3 runs) with delta-rs' QueryBuilder over the table registered as `t`. */
const DELTA_RS_QUERIES = `
import json, sys, time
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
started = time.perf_counter()
dt = DeltaTable(sys.argv[1])
qb = QueryBuilder().register("t", dt)
out = {"open": time.perf_counter() - started, "version": dt.version(), "queries": {}}
for name, sql in json.loads(sys.argv[2]).items():
    times = []
    for _ in range(3):
        started = time.perf_counter()
        rows = pa.table(qb.execute(sql).read_all()).to_pylist()
        times.append(time.perf_counter() - started)
    out["queries"][name] = {"times": times, "rows": [[None if v is None else str(v) for v in r.values()] for r in rows]}
print(json.dumps(out))
`;

/** The same SQL for both readers; `t` is the table. Answers are compared as text. */
function queries(rows: number): Record<string, { label: string; sql: string }> {
  const mid = Math.floor(rows / 2);
  return {
    full: {
      label: 'full scan (count, sums of id, k, amount, max length(name))',
      sql: 'SELECT count(*) AS n, sum(id) AS s_id, sum(k) AS s_k, sum(amount) AS s_amount, max(length(name)) AS l FROM t',
    },
    selective: {
      label: `selective predicate (id in a 10,000-id range)`,
      sql: `SELECT count(*) AS n, sum(amount) AS s FROM t WHERE id BETWEEN ${mid} AND ${mid + 9999}`,
    },
    grouped: { label: 'filtered aggregate (k < 10, sum by k)', sql: 'SELECT k, sum(amount) AS s FROM t WHERE k < 10 GROUP BY k ORDER BY k' },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The cached Spark-written table, written now if absent (undefined: Spark not installed). */
async function sparkTable(rows: number): Promise<{ dir: string; note: string } | undefined> {
  const dir = path.join(CACHE, `spark-${rows}`);
  const marker = `${dir}.complete`;
  if (existsSync(marker)) return { dir, note: `cached: ${(await readFile(marker, 'utf8')).trim()}` };
  const spark = await Spark.start().catch(() => undefined);
  if (!spark) return undefined;
  try {
    await rm(dir, { recursive: true, force: true });
    await mkdir(CACHE, { recursive: true });
    const written = await timed(() => spark.exec(SPARK_BENCH_TABLE, { path: dir, rows }));
    const note = `written by Spark ${spark.version} in ${written.seconds.toFixed(0)} s`;
    await writeFile(marker, `${note} (${new Date().toISOString()})\n`);
    return { dir, note };
  } finally {
    await spark.stop();
  }
}

async function deltaRs(
  dir: string,
  sql: Record<string, string>,
): Promise<{ open: number; queries: Record<string, { times: number[]; rows: string[][] }> } | string> {
  try {
    const { stdout } = await run('bash', [path.join(repo, 'scripts/ensure-python-deps.sh')], { timeout: 1_800_000 });
    const python = stdout.trim().split('\n').pop()!;
    const out = await run(python, ['-c', DELTA_RS_QUERIES, dir, JSON.stringify(sql)], { maxBuffer: 64 * 1024 * 1024, timeout: 3_600_000 });
    return JSON.parse(out.stdout.trim().split('\n').pop()!);
  } catch (error) {
    return `delta-rs failed: ${(error as Error).message.slice(0, 300)}`;
  }
}

export async function benchSparkTable(conn: DuckDBConnection, rows: number, results: Result[]): Promise<void> {
  const made = await sparkTable(rows);
  if (!made) {
    console.log('  spark: pyspark + delta-spark not installed (scripts/ensure-python-deps.sh --spark); skipped');
    return;
  }
  const opened = await timed(() => DeltaTable.open(made.dir));
  const table = opened.value;
  const withDv = table.snapshot.files.filter((f) => f.deletionVector).length;
  const qs = queries(rows);
  const ours: Record<string, { times: number[]; rows: string[][] }> = {};
  for (const [name, q] of Object.entries(qs)) {
    const times: number[] = [];
    let answer: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const { value, seconds } = await timed(async () => (await conn.runAndReadAll(q.sql.replace(' FROM t', ` FROM ${table.scanSql()} AS t`))).getRowsJson());
      answer = value.map((r) => r.map((v) => (v === null ? null : String(v))) as string[]);
      times.push(seconds);
    }
    ours[name] = { times, rows: answer };
  }
  const theirs = await deltaRs(made.dir, Object.fromEntries(Object.entries(qs).map(([k, q]) => [k, q.sql])));
  results.push({
    case: `Spark-written table, ${fmt(rows)} rows in ${table.snapshot.files.length} files (${withDv} with deletion vectors): open (ours)`,
    seconds: opened.seconds,
    detail: `${fmt(table.snapshot.numRows ?? 0)} live rows (after the vectors); ${made.note}${typeof theirs === 'string' ? `; ${theirs}` : `; delta-rs open ${theirs.open.toFixed(3)} s`}`,
  });
  for (const [name, q] of Object.entries(qs)) {
    const mine = ours[name];
    const other = typeof theirs === 'string' ? undefined : theirs.queries[name];
    const same = other ? JSON.stringify(other.rows) === JSON.stringify(mine.rows) : undefined;
    results.push({
      case: `  ${q.label}: ours`,
      seconds: median(mine.times),
      detail: `median of 3 (first ${mine.times[0].toFixed(3)} s); answer ${JSON.stringify(mine.rows.length > 3 ? `${mine.rows.length} rows` : mine.rows)}`,
    });
    if (other)
      results.push({
        case: `  ${q.label}: delta-rs`,
        seconds: median(other.times),
        detail: `median of 3 (first ${other.times[0].toFixed(3)} s); same answer as ours: ${same ? 'yes' : `NO (${JSON.stringify(other.rows).slice(0, 200)})`}`,
      });
  }
  const feed = await timed(
    async () => (await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${await table.changesSql(table.snapshot.version)}`)).getRows()[0][0],
  );
  results.push({ case: '  change feed of its DELETE (from deletion vectors): ours', seconds: feed.seconds, detail: `${fmt(Number(feed.value))} deleted rows` });
}
