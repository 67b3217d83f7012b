// Reading parquet from an object store: the bounded local cache (what the lake does) against
// fetching per query, on this machine's loopback servers (moto's S3 server, one request at a time,
// and Azurite). DuckDB here has no httpfs, so a streaming reader cannot be run as such; what it
// would transfer is measured instead: per data file, one ranged GET of exactly the footer (a best
// case: a real reader first reads a guessed tail, and again if the footer is longer) and one
// ranged GET per run of the column chunks the query reads (offsets from DuckDB's parquet_metadata;
// chunks less than 8 KiB apart coalesced into one GET, as Arrow's and object_store's readers do). For each query over 100k rows in 10 files (16 columns):
// - cache, first query: fetch every whole file, then scan (the lake's first read; median of 3
//   readers with empty caches);
// - cache, warm: median of 5 queries on cached files (every later read);
// - whole files per query: median of 5 runs of (drop the files, fetch them, scan): a reader
//   without a cache that fetches whole objects;
// - ranged reads per query: median of 5 runs of the footer + column-chunk GETs alone, and the bytes
//   they move against the whole files: what a range-streaming reader transfers per query (its scan
//   of the bytes would come on top, near the warm figure).
// Prints a table; asserts nothing. Run: npm run bench -- objectstore-read [--quick]
import { open } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, ObjectStorage } from '@shori/delta';
import { Lake } from '../src/lakehouse/lake/lake.ts';
import { SILVER_TICKETS_SCHEMA } from '../src/lakehouse/medallion/tables.ts';
import type { StoreServer } from '../test/helpers/object-stores.ts';
import { runOnStores } from './store-targets.ts';

export const name = 'objectstore-read';
export const onlyWhenNamed = true;

type RangeGet = (key: string, start: number, length: number) => Promise<number>;
type Target = { name: string; server: StoreServer; ranged: (uri: string) => RangeGet };

function ticketsSql(first: number, count: number): string {
  return `SELECT CASE WHEN i % 2 = 0 THEN 'sqlserver' ELSE 'postgres' END AS source, i AS "TicketID",
      'ticket ' || i AS "Title", 'about ticket ' || i || ' ' || repeat('x', (i % 40)::INT) AS "Description", (['Open','Closed','Pending'])[1 + i % 3] AS "Status", 'High' AS "Priority",
      'Hardware' AS "Category", 1000 + i % 500 AS "CustomerID", 'alice' AS "AssignedTo", CAST((i * 37 % 100000) / 100 AS DECIMAL(10,2)) AS "EstimatedCost",
      TIMESTAMPTZ '2026-11-24 08:00:00+00' + to_microseconds(i) AS "CreatedAt", TIMESTAMPTZ '2026-11-25 08:00:00+00' + to_microseconds(i) AS "UpdatedAt",
      NULL::TIMESTAMPTZ AS "ResolvedAt", lpad(i::VARCHAR, 16, '0') AS _seq, NULL::TIMESTAMPTZ AS _source_ts, now() AS _committed_at
    FROM range(${first}, ${first + count}) AS r(i)`;
}

const QUERIES: Array<{ label: string; columns: string[] | 'all'; sql: (scan: string) => string }> = [
  { label: 'count by Status (1 of 16 columns)', columns: ['Status'], sql: (scan) => `SELECT "Status", count(*) FROM ${scan} GROUP BY 1` },
  { label: 'top 50 rows, every column', columns: 'all', sql: (scan) => `SELECT * FROM ${scan} ORDER BY "UpdatedAt" DESC LIMIT 50` },
];

async function ms(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// (@aws-sdk/client-s3 is the dependency of packages/delta, hoisted by the workspace.)
function s3Ranged(server: StoreServer): (uri: string) => RangeGet {
  const client = new S3Client({
    endpoint: server.env.AWS_ENDPOINT_URL_S3,
    region: server.env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY },
  });
  return (uri) => {
    const bucket = new URL(uri).hostname;
    return async (key, start, length) => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }));
      return (await out.Body!.transformToByteArray()).length;
    };
  };
}

function azureRanged(server: StoreServer): (uri: string) => RangeGet {
  const service = BlobServiceClient.fromConnectionString(server.env.AZURE_STORAGE_CONNECTION_STRING);
  return (uri) => {
    const container = service.getContainerClient(new URL(uri).hostname);
    return async (key, start, length) => (await container.getBlobClient(key).downloadToBuffer(start, length)).length;
  };
}

/** The footer's length plus its 8-byte trailer (length, `PAR1`), read from the local copy. */
async function footerLength(file: string, size: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const trailer = Buffer.alloc(8);
    await handle.read(trailer, 0, 8, size - 8);
    return trailer.readUInt32LE(0) + 8;
  } finally {
    await handle.close();
  }
}

/** The byte ranges a range-streaming reader needs for `columns` of one file (footer, column chunks). */
async function chunkRanges(conn: DuckDBConnection, file: string, columns: string[] | 'all'): Promise<Array<[number, number]>> {
  const reader = await conn.runAndReadAll(
    `SELECT path_in_schema AS col, coalesce(nullif(dictionary_page_offset, 0), data_page_offset) AS start, total_compressed_size AS size FROM parquet_metadata('${file}')`,
  );
  const wanted = (reader.getRowObjectsJson() as Array<{ col: string; start: string; size: string }>)
    .filter((r) => columns === 'all' || columns.includes(r.col))
    .map((r): [number, number] => [Number(r.start), Number(r.size)])
    .sort((a, b) => a[0] - b[0]);
  // Ranges less than 8 KiB apart are read as one (as Arrow's and object_store's readers coalesce).
  const merged: Array<[number, number]> = [];
  for (const [start, size] of wanted) {
    const last = merged.at(-1);
    if (last && start - (last[0] + last[1]) <= 8 * 1024) last[1] = Math.max(last[1], start + size - last[0]);
    else merged.push([start, size]);
  }
  return merged;
}

async function benchTarget(conn: DuckDBConnection, target: Target, root: string, quick: boolean): Promise<string[]> {
  const uri = await target.server.lake();
  const total = quick ? 10_000 : 100_000;
  const writer = await Lake.open({ uri, dataDir: path.join(root, 'w'), env: target.server.env });
  const written = await DeltaTable.createIfAbsent(writer.table('silver', 'read'), { schema: SILVER_TICKETS_SCHEMA, name: 'read' });
  for (let c = 0; c < 10; c++) await written.append(conn, ticketsSql(c * (total / 10), total / 10));
  const rows: string[] = [];
  for (const [q, query] of QUERIES.entries()) {
    // The first query of 3 readers, each with an empty cache (the last one is kept for the rest).
    const firsts: number[] = [];
    let storage: ObjectStorage | undefined;
    let table: DeltaTable | undefined;
    for (let i = 0; i < 3; i++) {
      const lake = await Lake.open({ uri, dataDir: path.join(root, `r${q}-${i}`), env: target.server.env });
      const opened = lake.table('silver', 'read');
      if (!(opened instanceof ObjectStorage)) throw new Error('expected an object-store table');
      const reader = await DeltaTable.open(opened);
      firsts.push(await ms(async () => conn.runAndReadAll(query.sql(await reader.scan()))));
      [storage, table] = [opened, reader];
    }
    if (!storage || !table) throw new Error('no reader');
    const first = median(firsts);
    const files = table.snapshot.files.map((f) => f.path);
    const wholeBytes = table.snapshot.files.reduce((sum, f) => sum + f.size, 0);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push(await ms(() => conn.runAndReadAll(query.sql(table.scanSql()))));
    const keys = files.map((f) => path.relative(storage.cache.root, storage.engineUri(f)));
    const refetch: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const key of keys) await storage.cache.remove(key);
      refetch.push(
        await ms(async () => {
          await storage.prepareEngineRead(files);
          await conn.runAndReadAll(query.sql(table.scanSql()));
        }),
      );
    }
    // The ranges, read from the cached files' metadata; then fetched from the store, 8 files at a time.
    const get = target.ranged(uri);
    const plan = await Promise.all(
      table.snapshot.files.map(async (f) => ({
        key: keys[files.indexOf(f.path)],
        size: f.size,
        footerBytes: await footerLength(storage.engineUri(f.path), f.size),
        chunks: await chunkRanges(conn, storage.engineUri(f.path), query.columns),
      })),
    );
    let rangedBytes = 0;
    const ranged: number[] = [];
    for (let i = 0; i < 5; i++) {
      rangedBytes = 0;
      let next = 0;
      const worker = async () => {
        while (next < plan.length) {
          const { key, size, footerBytes, chunks } = plan[next++];
          const footer = await get(key, size - footerBytes, footerBytes); // footer (+ its length and magic) first
          const got = await Promise.all(chunks.map(([start, length]) => get(key, start, length)));
          rangedBytes += footer + got.reduce((a, b) => a + b, 0);
        }
      };
      ranged.push(await ms(() => Promise.all(Array.from({ length: 8 }, worker))));
    }
    const mb = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MiB` : `${(b / 1024).toFixed(0)} KiB`);
    rows.push(
      `| ${target.name} | ${query.label} | ${first.toFixed(0)} ms | ${median(warm).toFixed(0)} ms | ${median(refetch).toFixed(0)} ms (${mb(wholeBytes)}) | ${median(ranged).toFixed(0)} ms (${mb(rangedBytes)}, ${plan.length + plan.reduce((n, p) => n + p.chunks.length, 0)} GETs) |`,
    );
  }
  return rows;
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  await runOnStores<Target>({
    prefix: 'shori-bench-osr-',
    header: [
      '| store | query | cache: first query | cache: warm | whole files per query | ranged reads per query (transfer only) |',
      '|---|---|---|---|---|---|',
    ],
    targets: async ({ s3, azure, root }) => [
      { name: 'S3 (moto, loopback)', server: s3, ranged: s3Ranged(s3) },
      { name: 'Azure Blob (Azurite, loopback)', server: azure, ranged: azureRanged(azure) },
    ],
    bench: (conn, target, dir) => benchTarget(conn, target, dir, quick),
  });
}
