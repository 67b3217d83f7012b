// The lake on object storage against local disk (prints a table; asserts nothing), on this
// machine's loopback servers: moto's S3 server (one request at a time, as the tests run it) and
// Azurite, against a local folder:
// - commit latency: 40 small appends (10 rows) in a row; median and p95 per commit (parquet write,
//   upload, put-if-absent of the commit, refresh);
// - merge throughput: 10k upserts (8k updates, 2k inserts) into 100k rows written in 10 appends,
//   by the writer (its files are in its cache) and by a second lake with an empty cache (the
//   files the merge reads are fetched first);
// - reading: count(*) over the 100k rows from an empty cache (fetch + scan) and again (cached).
// Run: npm run bench -- objectstore [--quick]   (--quick: 10x fewer rows, 10 commits)
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { Lake } from '../src/lakehouse/lake/lake.ts';
import { SILVER_TICKETS_SCHEMA } from '../src/lakehouse/medallion/tables.ts';

import { runOnStores } from './store-targets.ts';

export const name = 'objectstore';
export const onlyWhenNamed = true;

function ticketsSql(first: number, count: number, status = 'Open'): string {
  return `SELECT CASE WHEN i % 2 = 0 THEN 'sqlserver' ELSE 'postgres' END AS source, i AS "TicketID",
      'ticket ' || i AS "Title", 'about ticket ' || i AS "Description", '${status}' AS "Status", 'High' AS "Priority",
      'Hardware' AS "Category", 1000 + i % 500 AS "CustomerID", 'alice' AS "AssignedTo", CAST((i * 37 % 100000) / 100 AS DECIMAL(10,2)) AS "EstimatedCost",
      TIMESTAMPTZ '2026-11-24 08:00:00+00' + to_microseconds(i) AS "CreatedAt", TIMESTAMPTZ '2026-11-25 08:00:00+00' + to_microseconds(i) AS "UpdatedAt",
      NULL::TIMESTAMPTZ AS "ResolvedAt", lpad(i::VARCHAR, 16, '0') AS _seq, NULL::TIMESTAMPTZ AS _source_ts, now() AS _committed_at
    FROM range(${first}, ${first + count}) AS r(i)`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

interface Target {
  name: string;
  uri: string;
  env: Record<string, string>;
}

async function openTable(target: Target, dataDir: string, table: string): Promise<DeltaTable> {
  const lake = await Lake.open({ uri: target.uri, dataDir, env: target.env });
  return DeltaTable.createIfAbsent(lake.table('silver', table), { schema: SILVER_TICKETS_SCHEMA, name: table });
}

async function benchTarget(conn: DuckDBConnection, target: Target, root: string, quick: boolean): Promise<string[]> {
  const rows: string[] = [];
  const commits = quick ? 10 : 40;
  const small = await openTable(target, path.join(root, 'a'), 'commits');
  const latencies: number[] = [];
  for (let c = 0; c < commits; c++) latencies.push((await timed(() => small.append(conn, ticketsSql(c * 10, 10)))).seconds * 1000);
  latencies.sort((x, y) => x - y);
  rows.push(
    `| ${target.name} | commit latency, ${commits} appends of 10 rows | median ${quantile(latencies, 0.5).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms |`,
  );

  const total = quick ? 10_000 : 100_000;
  const writer = await openTable(target, path.join(root, 'b'), 'merge');
  for (let c = 0; c < 10; c++) await writer.append(conn, ticketsSql(c * (total / 10), total / 10));
  const upserts = total / 10;
  const source = `SELECT * FROM (${ticketsSql(total - upserts * 0.8, upserts, 'Closed')})`;
  const spec = { sourceSql: source, on: ['source', 'TicketID'], whenMatched: [{ action: 'update' as const }], whenNotMatched: [{ action: 'insert' as const }] };
  const warm = await timed(() => writer.merge(conn, spec));
  rows.push(
    `| ${target.name} | merge ${upserts.toLocaleString('en-US')} upserts into ${total.toLocaleString('en-US')} rows, writer's cache | ${warm.seconds.toFixed(2)} s, ${Math.round(upserts / warm.seconds).toLocaleString('en-US')} rows/s |`,
  );
  const cold = await openTable(target, path.join(root, 'c'), 'merge');
  const coldMerge = await timed(() => cold.merge(conn, { ...spec, sourceSql: `SELECT * FROM (${ticketsSql(total - upserts * 0.8 + 5, upserts, 'Pending')})` }));
  rows.push(
    `| ${target.name} | the same merge from a second lake, empty cache | ${coldMerge.seconds.toFixed(2)} s, ${Math.round(upserts / coldMerge.seconds).toLocaleString('en-US')} rows/s |`,
  );

  const reader = await openTable(target, path.join(root, 'd'), 'merge');
  const first = await timed(async () => conn.runAndReadAll(`SELECT count(*) FROM ${await reader.scan()}`));
  const again = await timed(async () => conn.runAndReadAll(`SELECT count(*) FROM ${await reader.scan()}`));
  rows.push(
    `| ${target.name} | count(*) over ${(total + upserts * 0.2).toLocaleString('en-US')} rows, ${reader.snapshot.files.length} files: empty cache / cached | ${(first.seconds * 1000).toFixed(0)} ms / ${(again.seconds * 1000).toFixed(0)} ms |`,
  );
  return rows;
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  await runOnStores<Target>({
    prefix: 'shori-bench-os-',
    header: ['| store | case | figure |', '|---|---|---|'],
    targets: async ({ s3, azure, root }) => [
      { name: 'local disk', uri: path.join(root, 'lake'), env: {} },
      { name: 'S3 (moto, loopback)', uri: await s3.lake(), env: s3.env },
      { name: 'Azure Blob (Azurite, loopback)', uri: await azure.lake(), env: azure.env },
    ],
    bench: (conn, target, dir) => benchTarget(conn, target, dir, quick),
  });
}
