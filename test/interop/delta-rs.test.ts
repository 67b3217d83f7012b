// Interop with delta-rs (Python `deltalake`, an independent Delta implementation), both ways, on
// the pipeline's own Silver tickets schema (long, strings, nullable strings, decimal(10,2), UTC
// microsecond timestamps, nulls):
// - tables we write (partitioned or not; merges, deletes, update, optimize, vacuum, checkpoints,
//   the change data feed) read identically in delta-rs: schema, rows, version, history
//   operations, txn versions, load_cdf rows; delta-rs loads our checkpoints with the earlier
//   commits gone; the same for a table with deletion vectors on (every version, through
//   delta-rs' QueryBuilder, which applies them);
// - tables delta-rs writes (append, merge, delete, update, its checkpoints, optimize, vacuum, its
//   change data) read identically with ours, and delta-rs reads what we then add to them.
// Under CI=true a missing Python dependency fails the suite instead of skipping it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, quoteIdent, type Snapshot } from '@shori/delta';
import { SILVER_TICKETS_SCHEMA } from '../../src/lakehouse/medallion/tables.ts';
import { duck, rows, tempDir } from '../helpers/duck.ts';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOL = path.join(repo, 'test/interop/delta_rs_tool.py');
const TS_FORMAT = '%Y-%m-%dT%H:%M:%S.%f';

type Row = Record<string, string | null>;
interface TheirRead {
  version: number;
  protocol: { minReaderVersion: number; minWriterVersion: number };
  schema: Array<{ name: string; type: string; nullable: boolean }>;
  rows: Row[];
  history: Array<{ version: number; operation: string }>;
  txns: Record<string, number>;
  files: string[];
}

let pythonPath: Promise<string | undefined> | undefined;
async function python(t: { skip: (msg: string) => void }): Promise<string | undefined> {
  pythonPath ??= run('bash', [path.join(repo, 'scripts/ensure-python-deps.sh')], { timeout: 900_000 })
    .then(({ stdout }) => stdout.trim().split('\n').pop())
    .catch((error: Error) => {
      if (process.env.CI === 'true') throw error;
      return undefined;
    });
  const py = await pythonPath;
  if (!py) t.skip('deltalake (delta-rs) is not installable here');
  return py;
}

async function tool<T>(py: string, ...args: string[]): Promise<T> {
  const { stdout } = await run(py, [TOOL, ...args], { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** Rows in a canonical order (keys sorted: delta-rs puts partition columns last). */
const canonical = (r: Row): string => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
const sortRows = (list: Row[]): Row[] => [...list].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1));

/** Every column as text, as the Python side normalises: timestamps UTC with microseconds. */
function textColumns(fields: Array<{ name: string; type: unknown }>): string {
  return fields
    .map((f) => {
      const col = quoteIdent(f.name);
      if (f.type === 'timestamp') return `strftime(${col} AT TIME ZONE 'UTC', '${TS_FORMAT}') AS ${col}`;
      return `CAST(${col} AS VARCHAR) AS ${col}`;
    })
    .join(', ');
}

async function ourRows(conn: DuckDBConnection, table: DeltaTable, snapshot?: Snapshot): Promise<Row[]> {
  const snap = snapshot ?? table.snapshot;
  return sortRows((await rows(conn, `SELECT ${textColumns(snap.schema.fields)} FROM ${table.scanSql(snap)}`)) as Row[]);
}

async function ourChanges(conn: DuckDBConnection, table: DeltaTable, from: number, to?: number): Promise<Row[]> {
  const fields = [
    ...table.snapshot.schema.fields,
    { name: '_change_type', type: 'string' },
    { name: '_commit_version', type: 'long' },
    { name: '_commit_timestamp', type: 'timestamp' },
  ];
  return sortRows((await rows(conn, `SELECT ${textColumns(fields)} FROM ${await table.changesSql(from, to)}`)) as Row[]);
}

/**
 * Change rows compared without `_commit_timestamp`, which is checked on its own: we take it from the
 * commit file's time, as Spark (the reference) does, while delta-rs takes `commitInfo.timestamp`,
 * written a few milliseconds earlier. Both must still name the same moment, within a second.
 */
function assertSameChanges(ours: Row[], theirs: Row[], label: string): void {
  const strip = (list: Row[]) => sortRows(list.map(({ _commit_timestamp: _, ...rest }) => rest as Row));
  assert.deepEqual(strip(ours), strip(theirs), label);
  const at = (list: Row[]) => new Map(list.map((r) => [r._commit_version, Date.parse(`${r._commit_timestamp}Z`)]));
  const theirTimes = at(theirs);
  for (const [version, ms] of at(ours)) {
    const drift = Math.abs(ms - theirTimes.get(version)!);
    assert.ok(drift < 1000, `${label}: version ${version} commit timestamps ${drift} ms apart`);
  }
}

async function ourHistory(table: DeltaTable): Promise<Array<{ version: number; operation: string }>> {
  return (await table.history()).map((h) => ({ version: h.version, operation: h.operation }));
}

function ourSchema(snap: Snapshot): TheirRead['schema'] {
  return snap.schema.fields.map((f) => ({ name: f.name, type: f.type as string, nullable: f.nullable }));
}

/** Source rows in the Silver tickets shape: ids first..last, every type, nulls on a pattern. */
function tickets(first: number, last: number, status = 'Open'): string {
  return `SELECT CASE WHEN i % 2 = 0 THEN 'sqlserver' ELSE 'postgres' END AS source, i AS "TicketID",
      CASE WHEN i % 5 = 0 THEN NULL ELSE 'ticket ' || i END AS "Title",
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'about ' || i END AS "Description",
      '${status}' AS "Status", 'High' AS "Priority", CASE WHEN i % 4 = 0 THEN NULL ELSE 'Hardware' END AS "Category",
      1000 + i % 17 AS "CustomerID", CASE WHEN i % 2 = 0 THEN 'alice' ELSE NULL END AS "AssignedTo",
      CASE WHEN i % 7 = 0 THEN NULL ELSE CAST((i * 37 % 100000) / 100 AS DECIMAL(10,2)) END AS "EstimatedCost",
      TIMESTAMPTZ '2026-11-24 08:00:00.123456+00' + to_minutes(i) + to_microseconds(i) AS "CreatedAt",
      CASE WHEN i % 11 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-11-25 09:30:00.000001+00' + to_seconds(i) END AS "UpdatedAt",
      CASE WHEN i % 4 = 0 THEN TIMESTAMPTZ '2026-11-26 10:00:00+00' ELSE NULL END AS "ResolvedAt",
      lpad(i::VARCHAR, 12, '0') AS _seq, NULL::TIMESTAMPTZ AS _source_ts, TIMESTAMPTZ '2026-11-27 00:00:00.5+00' AS _committed_at
    FROM range(${first}, ${last + 1}) AS r(i)`;
}

const upsert = (sourceSql: string) => ({
  sourceSql,
  on: ['source', 'TicketID'],
  whenMatched: [{ action: 'update' as const }],
  whenNotMatched: [{ action: 'insert' as const }],
});

async function assertSameAsDeltaRs(py: string, conn: DuckDBConnection, table: DeltaTable, label: string): Promise<TheirRead> {
  const theirs = await tool<TheirRead>(py, 'read', table.location);
  assert.equal(theirs.version, table.snapshot.version, `${label}: version`);
  assert.deepEqual(theirs.schema, ourSchema(table.snapshot), `${label}: schema`);
  assert.deepEqual(sortRows(theirs.rows), await ourRows(conn, table), `${label}: rows`);
  assert.deepEqual(theirs.txns, Object.fromEntries(table.snapshot.txns()), `${label}: txn versions`);
  assert.deepEqual(theirs.files, table.snapshot.files.map((f) => decodeURIComponent(f.path)).sort(), `${label}: live files`);
  return theirs;
}

test('delta-rs reads our partitioned CDF tickets table identically through merge, delete, update, optimize, vacuum and checkpoints', async (t) => {
  const py = await python(t);
  if (!py) return;
  const dir = await tempDir(t, 'interop-ours-');
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, {
    schema: SILVER_TICKETS_SCHEMA,
    name: 'tickets',
    partitionColumns: ['source'],
    properties: { 'delta.enableChangeDataFeed': 'true', 'delta.checkpointInterval': '3' },
  });
  await table.append(conn, tickets(1, 40), { txns: [{ appId: 'app-a', version: 1 }] }); // v1
  const merged = await table.merge(conn, upsert(tickets(35, 50, 'Closed')), { txns: [{ appId: 'app-a', version: 2 }] }); // v2
  assert.deepEqual([merged.rowsUpdated, merged.rowsInserted], [6, 10]);
  await table.delete(conn, `"TicketID" IN (2, 3, 10)`, { txns: [{ appId: 'app-b', version: 7 }] }); // v3 + checkpoint
  await table.update(conn, { set: { Status: `'Pending'`, EstimatedCost: `t."EstimatedCost" + 1` }, where: `t."TicketID" = 4` }); // v4
  await table.append(conn, tickets(51, 60)); // v5
  await table.merge(conn, { sourceSql: `SELECT 'postgres' AS source, 51 AS "TicketID"`, on: ['source', 'TicketID'], whenMatched: [{ action: 'delete' }] }); // v6 + checkpoint
  await table.append(conn, tickets(61, 61)); // v7
  const optimized = await table.optimize(conn, { minFiles: 2 }); // v8
  assert.ok(optimized.committed && optimized.filesRemoved > 2);
  assert.ok((await readdir(path.join(dir, '_delta_log'))).includes('00000000000000000006.checkpoint.parquet'));

  const before = await assertSameAsDeltaRs(py, conn, table, 'after optimize');
  assert.deepEqual(before.protocol, { minReaderVersion: 1, minWriterVersion: 4 });
  assert.deepEqual(before.history, await ourHistory(table));
  assert.deepEqual(before.history.map((h) => h.operation).reverse(), [
    'CREATE TABLE',
    'WRITE',
    'MERGE',
    'DELETE',
    'UPDATE',
    'WRITE',
    'MERGE',
    'WRITE',
    'OPTIMIZE',
  ]);
  // time travel: an old version reads the same in both
  const v2 = await tool<TheirRead>(py, 'read', dir, '2');
  assert.deepEqual(sortRows(v2.rows), await ourRows(conn, table, await table.snapshotAt(2)));

  // the change data feed: our cdc files and the derived inserts, as delta-rs' load_cdf sees them
  const theirCdf = sortRows(await tool<Row[]>(py, 'cdf', dir, '0'));
  const ourCdf = await ourChanges(conn, table, 0);
  assertSameChanges(ourCdf, theirCdf, 'change feed 0..latest');
  const types = (list: Row[]) => list.reduce<Record<string, number>>((m, r) => ({ ...m, [r._change_type!]: (m[r._change_type!] ?? 0) + 1 }), {});
  assert.deepEqual(types(ourCdf), { insert: 40 + 10 + 10 + 1, update_preimage: 7, update_postimage: 7, delete: 4 });
  assertSameChanges(await ourChanges(conn, table, 3, 4), await tool<Row[]>(py, 'cdf', dir, '3', '4'), 'change feed 3..4');

  // vacuum (forced to 0 hours): old files and change data go; delta-rs still reads the same table
  const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
  assert.ok(vacuumed.files.length > 0 && vacuumed.files.some((f) => f.path.startsWith('_change_data/')));
  const after = await assertSameAsDeltaRs(py, conn, table, 'after vacuum');
  assert.deepEqual(
    after.history.slice(0, 2).map((h) => h.operation),
    ['VACUUM END', 'VACUUM START'],
  );

  // our checkpoint alone (commits before it removed, as log cleanup would) is enough for delta-rs
  const cp = await table.checkpoint();
  const log = path.join(dir, '_delta_log');
  for (const name of await readdir(log)) {
    if (name.endsWith('.json') && Number(name.slice(0, 20)) <= cp.version) await rm(path.join(log, name));
  }
  const fromCheckpoint = await tool<TheirRead>(py, 'read', dir);
  assert.equal(fromCheckpoint.version, cp.version);
  assert.deepEqual(sortRows(fromCheckpoint.rows), await ourRows(conn, table));
  assert.deepEqual(fromCheckpoint.txns, { 'app-a': 2, 'app-b': 7 });
  const reopened = await DeltaTable.open(dir);
  assert.deepEqual(await ourRows(conn, reopened), await ourRows(conn, table));
});

test('delta-rs reads our unpartitioned tickets table from checkpoints every 2 commits', async (t) => {
  const py = await python(t);
  if (!py) return;
  const dir = await tempDir(t, 'interop-flat-');
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema: SILVER_TICKETS_SCHEMA, properties: { 'delta.checkpointInterval': '2' } });
  for (let batch = 0; batch < 5; batch++) {
    await table.merge(conn, upsert(tickets(batch * 10 + 1, batch * 10 + 15, `S${batch}`)), { txns: [{ appId: 'job', version: batch }] });
  }
  await table.delete(conn, `"TicketID" % 9 = 0`);
  assert.equal(table.snapshot.version, 6);
  assert.equal(table.lastCheckpointError, undefined);
  const theirs = await assertSameAsDeltaRs(py, conn, table, 'flat');
  assert.deepEqual(theirs.history, await ourHistory(table));
  assert.equal(theirs.rows.length, 55 - 6);
  for (const name of await readdir(path.join(dir, '_delta_log'))) {
    if (name.endsWith('.json') && Number(name.slice(0, 20)) < 6) await rm(path.join(dir, '_delta_log', name));
  }
  const fromCheckpoint = await tool<TheirRead>(py, 'read', dir);
  assert.deepEqual(sortRows(fromCheckpoint.rows), await ourRows(conn, table));
  assert.deepEqual(fromCheckpoint.txns, { job: 4 });
});

test('we read what delta-rs writes (append, merge, delete, update, checkpoint, optimize, vacuum, change data) and it reads what we add', async (t) => {
  const py = await python(t);
  if (!py) return;
  const dir = await tempDir(t, 'interop-theirs-');
  const conn = await duck(t);
  await tool(py, 'write-tickets', dir);
  const table = await DeltaTable.open(dir);
  assert.equal(table.snapshot.version, 4);
  assert.ok((await readdir(path.join(dir, '_delta_log'))).includes('00000000000000000003.checkpoint.parquet'));
  const theirs = await assertSameAsDeltaRs(py, conn, table, 'delta-rs table');
  assert.deepEqual(theirs.history, await ourHistory(table));
  assert.equal(theirs.rows.length, 20 + 4 - 2 + 3);
  // their change data (cdc files for merge/delete/update, derived inserts for appends) reads the same
  assertSameChanges(await ourChanges(conn, table, 0), await tool<Row[]>(py, 'cdf', dir, '0'), 'their change feed 0..latest');

  // we write to their table (it has the feed: our merge writes cdc files) and delta-rs reads it
  await table.merge(
    conn,
    upsert(`SELECT 'sqlserver' AS source, 6 AS "TicketID", 'six' AS "Title", 'Closed' AS "Status", 6.60 AS "EstimatedCost", TIMESTAMPTZ '2026-12-01 00:00:00.000007+00' AS "UpdatedAt"
    UNION ALL SELECT 'postgres', 99, NULL, 'Open', NULL, NULL`),
    { txns: [{ appId: 'job', version: 3 }] },
  );
  await table.delete(conn, `"TicketID" = 7`);
  await assertSameAsDeltaRs(py, conn, table, 'after our writes');
  assertSameChanges(await ourChanges(conn, table, 5), await tool<Row[]>(py, 'cdf', dir, '5'), 'change feed after our writes');

  // delta-rs compacts and vacuums; we read the result identically
  await tool(py, 'append-tickets', dir, '100', '2');
  await tool(py, 'optimize', dir);
  await tool(py, 'vacuum', dir);
  await tool(py, 'checkpoint', dir);
  await table.refresh();
  const last = await assertSameAsDeltaRs(py, conn, table, 'after delta-rs optimize + vacuum');
  assert.deepEqual(
    last.history.slice(0, 3).map((h) => h.operation),
    ['VACUUM END', 'VACUUM START', 'OPTIMIZE'],
  );
  // and from its checkpoint alone
  for (const name of await readdir(path.join(dir, '_delta_log'))) {
    if (name.endsWith('.json') && Number(name.slice(0, 20)) <= table.snapshot.version) await rm(path.join(dir, '_delta_log', name));
  }
  const reopened = await DeltaTable.open(dir);
  assert.equal(reopened.snapshot.version, table.snapshot.version);
  assert.deepEqual(await ourRows(conn, reopened), await ourRows(conn, table));
  assert.deepEqual(Object.fromEntries(reopened.snapshot.txns()), { job: 3 });
});

test('delta-rs reads our deletion-vector tickets table (merge, delete, update, checkpoint, optimize, vacuum) at every version, and our change data', async (t) => {
  const py = await python(t);
  if (!py) return;
  const dir = await tempDir(t, 'interop-dv-');
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, {
    schema: SILVER_TICKETS_SCHEMA,
    name: 'tickets',
    partitionColumns: ['source'],
    properties: { 'delta.enableChangeDataFeed': 'true', 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '4' },
  });
  await table.append(conn, tickets(1, 60)); // v1
  const merged = await table.merge(conn, upsert(tickets(50, 70, 'Closed')), { txns: [{ appId: 'job', version: 1 }] }); // v2
  assert.deepEqual([merged.rowsUpdated, merged.rowsInserted, merged.deletionVectors, merged.filesRemoved], [11, 10, 2, 0]);
  await table.delete(conn, `"TicketID" IN (2, 3, 10, 55)`); // v3: vectors only, no change-data file
  await table.update(conn, { set: { Status: `'Pending'` }, where: `t."TicketID" % 7 = 0` }); // v4 + checkpoint
  await table.merge(conn, {
    sourceSql: `SELECT 'postgres' AS source, 51 AS "TicketID" UNION ALL SELECT 'sqlserver', 20`,
    on: ['source', 'TicketID'],
    whenMatched: [{ action: 'delete' }],
  }); // v5
  assert.ok(table.snapshot.files.some((f) => f.deletionVector) && (await readdir(dir)).some((n) => n.startsWith('deletion_vector_')));
  const theirs = await assertSameAsDeltaRs(py, conn, table, 'deletion vectors');
  assert.deepEqual(theirs.protocol, { minReaderVersion: 3, minWriterVersion: 7 });
  assert.deepEqual(theirs.history, await ourHistory(table));
  const versions = await tool<Array<{ version: number; rows: Row[] }>>(py, 'versions', dir);
  assert.deepEqual(
    versions.map((v) => v.version),
    [0, 1, 2, 3, 4, 5],
  );
  for (const { version, rows: at } of versions) {
    assert.deepEqual(sortRows(at), await ourRows(conn, table, await table.snapshotAt(version)), `version ${version}`);
  }
  // Our merge and update commits carry change-data files; delta-rs' load_cdf reads them as we do.
  assertSameChanges(await ourChanges(conn, table, 2, 2), await tool<Row[]>(py, 'cdf', dir, '2', '2'), 'change feed of the merge');
  assertSameChanges(await ourChanges(conn, table, 4, 5), await tool<Row[]>(py, 'cdf', dir, '4', '5'), 'change feed of the update and the deleting merge');

  const optimized = await table.optimize(conn, { minFiles: 2 }); // v6: purges the vectors (more than 5% of each file)
  assert.ok(optimized.committed && !table.snapshot.files.some((f) => f.deletionVector));
  await table.vacuum({ retentionHours: 0, force: true });
  assert.equal(
    (await readdir(dir)).some((n) => n.startsWith('deletion_vector_')),
    false,
    'vacuum deleted the vector files no version needs',
  );
  await assertSameAsDeltaRs(py, conn, table, 'after optimize and vacuum');
});
