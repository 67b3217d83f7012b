// Delta Lake writer/reader figures on this machine (prints a table; asserts nothing):
// - append: 1M Silver-tickets rows in 10 commits;
// - snapshot load (DeltaTable.open) of tables with 100, 1,000 and 10,000 commits, with the
//   checkpoint every 10 commits that the writer keeps and without any checkpoint for contrast, for
//   a table that grows with its log and for one whose live state stays at 50 files (the long logs
//   are written directly as small JSON commits to build them fast); refresh() after one new
//   commit on the 50-file tables; cleanupLog() of a 10,000-commit log mostly past retention;
// - merge of 10k upserts (8k updates + 2k inserts) into tables of 100k, 1M and 10M rows (10
//   appends of a tenth each): time and files rewritten, first with the updated keys clustered on
//   the newest 8k tickets (the CDC-typical case: one file touched), then spread evenly over the
//   table (every file touched: the copy-on-write worst case), then clustered again (what the
//   worst case's output layout costs later merges: files are split at delta.targetFileSize);
//   each copy-on-write and with deletion vectors, with the cost of a full scan afterwards (and,
//   with deletion vectors, after 10 more uniform merges);
// - optimize() of 500 small files, and again with nothing to do;
// - scanSql() + count(*) over 500 and 5,000 small files, and after compacting them;
// - the change feed (every version) of a 1M-row CDF table after a merge of 10k upserts and a delete,
//   and of a Silver-like table (deletion vectors, change feed) of 100k rows with 100 versions of
//   1k upserts each: all versions, the last 10, one (bench/delta-changes.ts);
// - reading a table Apache Spark wrote (10M rows in 10 files; a DELETE wrote deletion vectors),
//   written once into <tmpdir>/shori-bench-cache and reused: open, a full scan, a selective
//   predicate, a filtered aggregate, by ours and by delta-rs with the same SQL, and the change feed
//   of the DELETE (bench/delta-spark-read.ts); the first run needs pyspark + delta-spark
//   (scripts/ensure-python-deps.sh --spark), skipped with a note when absent.
// Run: npm run bench -- delta [--quick] [--only=snapshot,scan,...] [--merge-modes=cow,dv,cow-cdf,dv-cdf]
//   (--quick: 10x smaller tables)
import { mkdtemp, rm, writeFile, mkdir, readdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, serializeCommit, createActions, TableState, writeCheckpoint, LocalStorage, type Action } from '@shori/delta';
import { SILVER_TICKETS_SCHEMA } from '../src/lakehouse/medallion/tables.ts';
import { fmt, ticketsFrom, ticketsSql, timed, type Result } from './delta-common.ts';
import { benchChanges, benchChangesVersions } from './delta-changes.ts';
import { benchSparkTable } from './delta-spark-read.ts';

export const name = 'delta';

async function benchAppend(conn: DuckDBConnection, root: string, rows: number, results: Result[]): Promise<void> {
  const table = await DeltaTable.createIfAbsent(path.join(root, 'append'), { schema: SILVER_TICKETS_SCHEMA });
  const per = rows / 10;
  const { seconds } = await timed(async () => {
    for (let c = 0; c < 10; c++) await table.append(conn, ticketsSql(c * per, per));
  });
  results.push({
    case: `append ${fmt(rows)} rows in 10 commits`,
    seconds,
    detail: `${fmt(Math.round(rows / seconds))} rows/s, ${table.snapshot.files.length} files`,
  });
}

/**
 * A table of `commits` commits written directly. 'growing': one small add each and a remove every
 * 5th (live files grow with the log). 'steady': each commit adds a file and removes the one added
 * 50 commits earlier, with tombstones past the retention (live state constant: only log length varies).
 */
async function buildLongLog(
  dir: string,
  commits: number,
  checkpoint: boolean,
  shape: 'growing' | 'steady' = 'growing',
  checkpointEvery?: number,
): Promise<void> {
  const storage = new LocalStorage(dir);
  await mkdir(path.join(dir, '_delta_log'), { recursive: true });
  const state = new TableState();
  const create = createActions({ schema: SILVER_TICKETS_SCHEMA });
  state.apply(create, 0);
  await writeFile(
    path.join(dir, '_delta_log', `${'0'.padStart(20, '0')}.json`),
    serializeCommit([{ commitInfo: { timestamp: Date.now(), operation: 'CREATE TABLE' } }, ...create]),
  );
  const lastCheckpoint = Math.floor(commits / 10) * 10;
  for (let v = 1; v <= commits; v++) {
    const now = Date.now();
    const actions: Action[] = [{ commitInfo: { timestamp: now, operation: 'WRITE', operationParameters: { mode: 'Append' } } }];
    actions.push({ txn: { appId: 'bench', version: v, lastUpdated: now } });
    actions.push({
      add: {
        path: `part-${v}.snappy.parquet`,
        partitionValues: {},
        size: 4096,
        modificationTime: now,
        dataChange: true,
        stats: `{"numRecords":10,"minValues":{"TicketID":${v * 10}},"maxValues":{"TicketID":${v * 10 + 9}},"nullCount":{"TicketID":0}}`,
      },
    });
    if (shape === 'growing' && v % 5 === 0)
      actions.push({
        remove: { path: `part-${v - 3}.snappy.parquet`, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: {}, size: 4096 },
      });
    if (shape === 'steady' && v > 50)
      actions.push({
        remove: {
          path: `part-${v - 50}.snappy.parquet`,
          deletionTimestamp: now - 8 * 86_400_000,
          dataChange: true,
          extendedFileMetadata: true,
          partitionValues: {},
          size: 4096,
        },
      });
    state.apply(actions, v);
    await writeFile(path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`), serializeCommit(actions));
    if (checkpoint && (v === lastCheckpoint || (checkpointEvery !== undefined && v % checkpointEvery === 0))) await writeCheckpoint(storage, state);
  }
}

async function benchSnapshotLoad(root: string, sizes: number[], results: Result[]): Promise<void> {
  const variants = [
    { shape: 'growing' as const, checkpoint: true, label: 'growing table, checkpoint every 10' },
    { shape: 'growing' as const, checkpoint: false, label: 'growing table, no checkpoint' },
    { shape: 'steady' as const, checkpoint: true, label: '50 live files, checkpoint every 10' },
  ];
  for (const commits of sizes) {
    for (const { shape, checkpoint, label } of variants) {
      const dir = path.join(root, `log-${commits}-${shape}-${checkpoint ? 'cp' : 'json'}`);
      await buildLongLog(dir, commits, checkpoint, shape);
      await DeltaTable.open(dir); // warm-up (DuckDB init, file cache)
      const times: number[] = [];
      let files = 0;
      for (let i = 0; i < 5; i++) {
        const { value, seconds } = await timed(() => DeltaTable.open(dir));
        files = value.snapshot.files.length;
        times.push(seconds);
      }
      times.sort((a, b) => a - b);
      results.push({ case: `snapshot load, ${fmt(commits)} commits, ${label}`, seconds: times[2], detail: `median of 5; ${fmt(files)} live files` });
      if (shape === 'steady' && checkpoint) await benchRefresh(dir, commits, results);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** refresh() of an open table after one new commit (and with none), on a `commits`-long log. */
async function benchRefresh(dir: string, commits: number, results: Result[]): Promise<void> {
  const table = await DeltaTable.open(dir);
  const newer: number[] = [];
  const idle: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const v = commits + i;
    const now = Date.now();
    const actions: Action[] = [
      { commitInfo: { timestamp: now, operation: 'WRITE' } },
      { add: { path: `part-${v}.snappy.parquet`, partitionValues: {}, size: 4096, modificationTime: now, dataChange: true, stats: '{"numRecords":10}' } },
    ];
    await writeFile(path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`), serializeCommit(actions));
    newer.push((await timed(() => table.refresh())).seconds);
    idle.push((await timed(() => table.refresh())).seconds);
  }
  newer.sort((a, b) => a - b);
  idle.sort((a, b) => a - b);
  results.push({
    case: `refresh after 1 new commit, ${fmt(commits)} commits, 50 live files`,
    seconds: newer[2],
    detail: `median of 5: ${(newer[2] * 1000).toFixed(2)} ms; with no new commit: ${(idle[2] * 1000).toFixed(2)} ms`,
  });
}

/** cleanupLog() on a `commits`-long log (checkpoint every 100) whose commits all but the newest 100 are past the retention. */
async function benchLogCleanup(root: string, commits: number, results: Result[]): Promise<void> {
  const dir = path.join(root, `cleanup-${commits}`);
  await buildLongLog(dir, commits, true, 'steady', 100);
  const logDir = path.join(dir, '_delta_log');
  const old = new Date(Date.now() - 40 * 86_400_000);
  for (const name of await readdir(logDir)) {
    const m = /^(\d{20})\./.exec(name);
    if (m && Number(m[1]) <= commits - 100) await utimes(path.join(logDir, name), old, old);
  }
  const table = await DeltaTable.open(dir);
  const { value, seconds } = await timed(() => table.cleanupLog());
  const again = await timed(() => table.cleanupLog());
  const reopen = await timed(() => DeltaTable.open(dir));
  results.push({
    case: `cleanupLog, ${fmt(commits)} commits, all but 100 expired`,
    seconds,
    detail: `${fmt(value.deleted.length)} files deleted, earliest version now ${fmt(value.earliestVersion)}; again: ${again.seconds.toFixed(3)} s; open after: ${reopen.seconds.toFixed(3)} s`,
  });
  await rm(dir, { recursive: true, force: true });
}

/**
 * A tickets table of `files` small files (`rows` rows each), committed in one commit: the files
 * are written by one DuckDB COPY ... PARTITION_BY into `__k=<n>/` folders (an extra column the
 * table scan ignores), which is much faster than `files` separate appends.
 */
async function buildSmallFileTable(conn: DuckDBConnection, dir: string, files: number, rows: number): Promise<DeltaTable> {
  const table = await DeltaTable.createIfAbsent(dir, { schema: SILVER_TICKETS_SCHEMA });
  const reader = await conn.runAndReadAll(
    `COPY (SELECT *, "TicketID" % ${files} AS __k FROM (${ticketsSql(0, files * rows)})) TO '${dir}' (FORMAT parquet, PARTITION_BY (__k), OVERWRITE_OR_IGNORE, RETURN_STATS)`,
  );
  const now = Date.now();
  const actions: Action[] = [{ commitInfo: { timestamp: now, operation: 'WRITE', operationParameters: { mode: 'Append' } } }];
  for (const row of reader.getRowObjectsJson() as Array<{ filename: string; count: string; file_size_bytes: string }>) {
    actions.push({
      add: {
        path: path.relative(dir, row.filename),
        partitionValues: {},
        size: Number(row.file_size_bytes),
        modificationTime: now,
        dataChange: true,
        stats: `{"numRecords":${Number(row.count)}}`,
      },
    });
  }
  await writeFile(path.join(dir, '_delta_log', `${'1'.padStart(20, '0')}.json`), serializeCommit(actions));
  await table.refresh();
  return table;
}

/** scanSql() and a count(*) over it on tables of many small files. */
async function benchScan(conn: DuckDBConnection, root: string, sizes: number[], results: Result[]): Promise<void> {
  for (const files of sizes) {
    const dir = path.join(root, `scan-${files}`);
    const table = await buildSmallFileTable(conn, dir, files, 20);
    const build = await timed(async () => table.scanSql());
    await conn.runAndReadAll(`SELECT count(*) FROM ${build.value}`); // warm-up (file metadata cache)
    const counts: number[] = [];
    let n = 0;
    for (let i = 0; i < 3; i++) {
      const { value, seconds } = await timed(async () => conn.runAndReadAll(`SELECT count(*) FROM ${table.scanSql()}`));
      n = Number(value.getRows()[0][0]);
      counts.push(seconds);
    }
    counts.sort((a, b) => a - b);
    const filtered = await timed(async () => conn.runAndReadAll(`SELECT count(*) FROM ${table.scanSql()} WHERE "Status" = 'Open' AND "CustomerID" = 1007`));
    results.push({
      case: `scanSql + count(*), ${fmt(files)} small files`,
      seconds: counts[1],
      detail: `median of 3; ${fmt(n)} rows; scanSql ${(build.seconds * 1000).toFixed(1)} ms, ${fmt(build.value.length)} chars; filtered count ${filtered.seconds.toFixed(3)} s`,
    });
    // The cost is opening the files (DuckDB binds each file's schema), not the SQL's size: compact.
    const compacted = await timed(() => table.optimize(conn));
    const after = await timed(async () => conn.runAndReadAll(`SELECT count(*) FROM ${table.scanSql()}`));
    results.push({
      case: `  same after optimize (${fmt(compacted.value.filesRemoved)} -> ${compacted.value.filesAdded} files)`,
      seconds: after.seconds,
      detail: `optimize took ${compacted.seconds.toFixed(3)} s`,
    });
    await rm(dir, { recursive: true, force: true });
  }
}

/** optimize() of a streaming table's small files, then again with nothing to do. */
async function benchOptimize(conn: DuckDBConnection, root: string, files: number, results: Result[]): Promise<void> {
  const dir = path.join(root, `optimize-${files}`);
  const table = await buildSmallFileTable(conn, dir, files, 200);
  const { value, seconds } = await timed(() => table.optimize(conn));
  const idle = await timed(() => table.optimize(conn));
  results.push({
    case: `optimize(conn), ${fmt(files)} small files`,
    seconds,
    detail: `${value.filesRemoved} files -> ${value.filesAdded}, ${fmt(value.rowsWritten)} rows; again (nothing to do, committed=${idle.value.committed}): ${(idle.seconds * 1000).toFixed(2)} ms`,
  });
  await rm(dir, { recursive: true, force: true });
}

/** Rows (8k updates spread evenly or on the newest keys, then 2k new tickets) for one merge. */
function upsertSource(size: number, pattern: string, next: number, status = 'Closed'): string {
  const updates =
    pattern === 'uniform'
      ? `(SELECT i * ${Math.floor(size / 8000)} AS i FROM range(0, 8000) AS u(i)) AS r`
      : `(SELECT ${size - 8000} + i AS i FROM range(0, 8000) AS u(i)) AS r`;
  return `${ticketsFrom(updates, status)} UNION ALL ${ticketsSql(next, 2000)}`;
}

async function timedScan(conn: DuckDBConnection, table: DeltaTable): Promise<{ seconds: number; rows: number }> {
  const { value, seconds } = await timed(
    async () => (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(DISTINCT "Status")::BIGINT FROM ${table.scanSql()}`)).getRows()[0][0],
  );
  return { seconds, rows: Number(value) };
}

/**
 * Merge of 10k upserts, copy-on-write and with deletion vectors (delta.enableDeletionVectors), each
 * without and with the change feed (Silver's setting: the merge then also writes the pre-images):
 * clustered, uniform, clustered again; then a full scan (count, distinct Status) of the result, and
 * for deletion vectors 10 more uniform merges and the scan again (vectors grow with each merge).
 */
/** [deletion vectors, change feed]: the case without the feed; Silver has the feed on. */
const MERGE_MODES: Array<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

async function benchMerge(conn: DuckDBConnection, root: string, sizes: number[], results: Result[], modes = MERGE_MODES): Promise<void> {
  for (const size of sizes) {
    for (const [dv, cdf] of modes) {
      const dir = path.join(root, `merge-${size}-${dv ? 'dv' : 'cow'}-${cdf ? 'cdf' : 'plain'}`);
      const properties: Record<string, string> = {
        ...(dv ? { 'delta.enableDeletionVectors': 'true' } : {}),
        ...(cdf ? { 'delta.enableChangeDataFeed': 'true' } : {}),
      };
      const table = await DeltaTable.createIfAbsent(dir, { schema: SILVER_TICKETS_SCHEMA, properties });
      const mode = `${dv ? 'deletion vectors' : 'copy-on-write'}${cdf ? ', change feed' : ''}`;
      const commits = 10;
      const per = size / commits;
      const build = await timed(async () => {
        for (let c = 0; c < commits; c++) await table.append(conn, ticketsSql(c * per, per));
      });
      let next = size;
      // clustered first, then uniform (copy-on-write: every file rewritten), then clustered again:
      // how much the uniform merge's output layout makes later merges rewrite
      for (const pattern of ['clustered', 'uniform', 'clustered, after uniform'] as const) {
        const source = upsertSource(size, pattern === 'uniform' ? 'uniform' : 'clustered', next);
        next += 2000;
        const filesBefore = table.snapshot.files.length;
        const bytesBefore = table.snapshot.files.reduce((n, f) => n + f.size, 0);
        const { value, seconds } = await timed(() =>
          table.merge(conn, { sourceSql: source, on: ['source', 'TicketID'], whenMatched: [{ action: 'update' }], whenNotMatched: [{ action: 'insert' }] }),
        );
        const touched = dv
          ? `${value.deletionVectors}/${filesBefore} files given a deletion vector, ${value.filesRemoved} removed`
          : `${value.filesRemoved}/${filesBefore} files (${fmt(Math.round(bytesBefore / 1048576))} MiB) rewritten`;
        results.push({
          case: `merge 10k upserts into ${fmt(size)} rows (${pattern}, ${mode})`,
          seconds,
          detail: `${fmt(value.rowsUpdated ?? 0)} updated, ${fmt(value.rowsInserted ?? 0)} inserted; ${touched}; ${value.filesAdded} new files, ${fmt(value.rowsWritten)} rows written (table built in ${build.seconds.toFixed(1)} s)`,
        });
      }
      const scan = await timedScan(conn, table);
      const deleted = table.snapshot.files.reduce((n, f) => n + (f.deletionVector?.cardinality ?? 0), 0);
      results.push({
        case: `  full scan after those merges (${mode})`,
        seconds: scan.seconds,
        detail: `${fmt(scan.rows)} rows in ${table.snapshot.files.length} files, ${fmt(deleted)} rows deleted by vectors`,
      });
      if (dv) {
        const more = await timed(async () => {
          for (let i = 0; i < 10; i++) {
            await table.merge(conn, {
              sourceSql: upsertSource(size, 'uniform', next, `Closed ${i}`),
              on: ['source', 'TicketID'],
              whenMatched: [{ action: 'update' }],
              whenNotMatched: [{ action: 'insert' }],
            });
            next += 2000;
          }
        });
        const again = await timedScan(conn, table);
        const deletedNow = table.snapshot.files.reduce((n, f) => n + (f.deletionVector?.cardinality ?? 0), 0);
        results.push({
          case: `  same after 10 more uniform merges (${mode})`,
          seconds: again.seconds,
          detail: `${fmt(again.rows)} rows in ${table.snapshot.files.length} files, ${fmt(deletedNow)} rows deleted by vectors; the 10 merges took ${(more.seconds / 10).toFixed(3)} s each on average`,
        });
      }
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function printTable(results: Result[]): void {
  const width = Math.max(...results.map((r) => r.case.length));
  console.log(`\n${'case'.padEnd(width)}  ${'seconds'.padStart(9)}  detail`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(9)}  ${'-'.repeat(40)}`);
  for (const r of results) console.log(`${r.case.padEnd(width)}  ${r.seconds.toFixed(3).padStart(9)}  ${r.detail}`);
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const scale = quick ? 10 : 1;
  const root = await mkdtemp(path.join(tmpdir(), 'shori-bench-delta-'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const results: Result[] = [];
  console.log(`Delta benchmarks (node ${process.version}${quick ? ', --quick' : ''}); tables under ${root}`);
  // --only=<part>[,<part>]: append, snapshot, cleanup, optimize, scan, merge, changes, spark (default: all)
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;
  const want = (part: string) => !only || only.has(part);
  try {
    if (want('append')) {
      await benchAppend(conn, root, 1_000_000 / scale, results);
      console.log(`  ${results.at(-1)!.case}: ${results.at(-1)!.seconds.toFixed(2)} s`);
    }
    if (want('snapshot')) await benchSnapshotLoad(root, quick ? [100, 1000] : [100, 1000, 10_000], results);
    if (want('cleanup')) await benchLogCleanup(root, quick ? 1000 : 10_000, results);
    if (want('optimize')) await benchOptimize(conn, root, 500, results);
    if (want('scan')) await benchScan(conn, root, quick ? [500] : [500, 5000], results);
    console.log('  log, optimize and scan cases done');
    // --merge-modes=cow,dv,cow-cdf,dv-cdf (default: all four)
    const modesArg = args
      .find((a) => a.startsWith('--merge-modes='))
      ?.slice('--merge-modes='.length)
      .split(',');
    const modes = modesArg ? MERGE_MODES.filter(([dv, cdf]) => modesArg.includes(`${dv ? 'dv' : 'cow'}${cdf ? '-cdf' : ''}`)) : MERGE_MODES;
    if (want('merge'))
      await benchMerge(
        conn,
        root,
        [100_000, 1_000_000, 10_000_000].map((n) => n / scale),
        results,
        modes,
      );
    if (want('changes')) {
      await benchChanges(conn, root, 1_000_000 / scale, results);
      await benchChangesVersions(conn, root, 100_000 / scale, quick ? 20 : 100, results);
    }
    if (want('spark')) await benchSparkTable(conn, 10_000_000 / scale, results);
  } finally {
    printTable(results);
    conn.closeSync();
    instance.closeSync();
    await rm(root, { recursive: true, force: true });
  }
}

export default { name, run };

if (import.meta.main) await run(process.argv.slice(2));
