// Interop with Apache Spark + Delta Lake (delta-spark 4.0, local[1]), the reference implementation,
// both ways. ONE Spark session serves the whole file (test/helpers/spark.ts).
// - Tables we write (type variety, partitions, merge with conditions, delete, update, optimize,
//   checkpoints, vacuum, the change data feed): Spark reads every version (versionAsOf and
//   timestampAsOf), DESCRIBE HISTORY, DESCRIBE DETAIL, the change feed (batch and streaming) and a
//   streaming read of an append-only table, all equal to ours, row for row. The same with
//   deletion vectors on (our merge, delete and update write them, optimize purges them), and
//   Spark's RESTORE and DELETE on top of our vectors read back equal.
// - Tables Spark writes (type variety, special-character partition values, merge, deletion
//   vectors with the change feed on, column mapping with rename and drop, v2 checkpoints): ours
//   reads every version and the change feed equal to Spark's, maintains what it can write
//   (optimize, vacuum) and Spark reads the result; what it cannot write is refused by name.
// - The tables the service's write path makes (the medallion: Bronze, the quarantine, the deleted-key
//   memory, Silver with deletion vectors and the change feed, history) through creates, updates,
//   deletes, a key change, a truncate, a reject, checkpoints and a compaction: Spark reads every
//   version equal to ours, DESCRIBE HISTORY has one row per version, Silver's change feed equals ours.
// Under CI=true a missing Spark is a failure, never a skip.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  COMMIT_TIMESTAMP_COLUMN,
  COMMIT_VERSION_COLUMN,
  CHANGE_TYPE_COLUMN,
  DeltaTable,
  isDeltaError,
  type DeltaField,
  type DeltaSchema,
  type Snapshot,
} from '@shori/delta';
import { canonicalRow } from '../conformance/canonical.ts';
import { Spark, type CanonicalRows } from '../helpers/spark.ts';
import { tempDir } from '../helpers/duck.ts';
import { Medallion } from '../../src/lakehouse/medallion/medallion.ts';
import { change, count, raw, silverState, truncate, type TicketImage } from '../../src/lakehouse/medallion/medallion-fixtures.ts';

const spark = await Spark.start();
const SKIP = spark ? false : 'pyspark + delta-spark are not installable here';
after(() => spark?.stop());

const db = await DuckDBInstance.create(':memory:');
const conn: DuckDBConnection = await db.connect();
await conn.run("SET TimeZone = 'UTC'");
after(() => {
  conn.closeSync();
  db.closeSync();
});

const sorted = (rows: string[]) => [...rows].sort();
const commitFile = (dir: string, v: number) => path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`);

async function oursAt(table: DeltaTable, snap: Snapshot): Promise<CanonicalRows> {
  const reader = await conn.runAndReadAll(`SELECT * FROM ${table.scanSql(snap)}`);
  return { columns: snap.schema.fields.map((f) => f.name), rows: reader.getRows().map((r) => canonicalRow(r, snap.schema.fields)) };
}

const FEED_FIELDS: DeltaField[] = [
  { name: CHANGE_TYPE_COLUMN, type: 'string', nullable: false },
  { name: COMMIT_VERSION_COLUMN, type: 'long', nullable: false },
  { name: COMMIT_TIMESTAMP_COLUMN, type: 'timestamp', nullable: false },
];

async function ourChanges(table: DeltaTable, from: number, to?: number): Promise<string[]> {
  const fields = [...table.snapshot.schema.fields, ...FEED_FIELDS];
  const cols = fields.map((f) => `"${f.name.replaceAll('"', '""')}"`).join(', ');
  const reader = await conn.runAndReadAll(`SELECT ${cols} FROM ${await table.changesSql(from, to)}`);
  return sorted(reader.getRows().map((r) => canonicalRow(r, fields)));
}

/** Spark's rows with their columns put in our order (Spark puts the feed columns last too). */
function reorder(theirs: CanonicalRows, columns: string[]): string[] {
  const index = columns.map((c) => theirs.columns.indexOf(c));
  assert.ok(
    index.every((i) => i >= 0),
    `Spark columns ${theirs.columns.join(',')} lack some of ${columns.join(',')}`,
  );
  return sorted(
    theirs.rows.map((r) => {
      const values = JSON.parse(r) as unknown[];
      return JSON.stringify(index.map((i) => values[i]));
    }),
  );
}

async function assertEveryVersionEqual(table: DeltaTable, from = 0): Promise<void> {
  for (let v = from; v <= table.snapshot.version; v++) {
    const ours = await oursAt(table, await table.snapshotAt(v));
    const theirs = await spark!.read(table.location, { version: v });
    assert.deepEqual(reorder(theirs, ours.columns), sorted(ours.rows), `version ${v}`);
  }
}

const OUR_SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'amount', type: 'decimal(10,2)', nullable: true },
    { name: 'score', type: 'double', nullable: true },
    { name: 'small', type: 'integer', nullable: true },
    { name: 'flag', type: 'boolean', nullable: true },
    { name: 'day', type: 'date', nullable: true },
    { name: 'at', type: 'timestamp', nullable: true },
    { name: 'region', type: 'string', nullable: true },
  ],
};

function ourRows(first: number, count: number, tag: string): string {
  return `SELECT range AS id, CASE WHEN range % 4 = 0 THEN NULL ELSE '${tag} ' || range END AS name,
    CAST(range * 1.25 AS DECIMAL(10,2)) AS amount, range / 3.0 AS score, CAST(range % 7 AS INTEGER) AS small,
    range % 2 = 0 AS flag, DATE '2026-01-01' + CAST(range AS INTEGER) AS day,
    TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_microseconds(range * 1000003) AS at,
    CASE range % 3 WHEN 0 THEN 'eu west' WHEN 1 THEN 'us/east' ELSE NULL END AS region
    FROM range(${first}, ${first + count})`;
}

test('Spark reads every version, history, detail and change feed of a table we write', { skip: SKIP, timeout: 2_400_000 }, async (t) => {
  const dir = await tempDir(t, 'spark-ours-');
  const table = await DeltaTable.createIfAbsent(dir, {
    schema: OUR_SCHEMA,
    partitionColumns: ['region'],
    properties: { 'delta.enableChangeDataFeed': 'true', 'delta.checkpointInterval': '3' },
  });
  await table.append(conn, ourRows(0, 30, 'first')); // v1
  await table.merge(conn, {
    // v2: conditional update, delete, insert
    sourceSql: `SELECT * REPLACE ('merged ' || id AS name) FROM (${ourRows(25, 10, 'src')})`,
    on: ['id'],
    whenMatched: [
      { action: 'delete', condition: 's.id = 25' },
      { action: 'update', condition: 't.small <> 3' },
    ],
    whenNotMatched: [{ action: 'insert' }],
  });
  await table.delete(conn, 'id % 5 = 1'); // v3 (checkpoint)
  await table.update(conn, { set: { name: `upper(t.name)`, amount: 't.amount + 1' }, where: 't.id < 10' }); // v4
  await table.append(conn, ourRows(100, 5, 'late')); // v5
  await table.optimize(conn, { minFiles: 2 }); // v6 (checkpoint)
  const latest = table.snapshot.version;
  assert.ok(latest >= 6);

  await assertEveryVersionEqual(table);
  // Timestamp time travel: Spark and we resolve each commit's time to the same version.
  for (let v = 1; v <= latest; v++) {
    const at = new Date((await stat(commitFile(dir, v))).mtimeMs).toISOString();
    const ours = await table.snapshotAtTimestamp(new Date(at));
    const theirs = await spark!.read(dir, { timestamp: at });
    assert.deepEqual(
      reorder(
        theirs,
        OUR_SCHEMA.fields.map((f) => f.name),
      ),
      sorted((await oursAt(table, ours)).rows),
      `timestampAsOf ${at} (ours: v${ours.version})`,
    );
  }

  const history = await spark!.sql<{ version: number; operation: string }>(`DESCRIBE HISTORY delta.\`${dir}\``);
  const ourHistory = await table.history();
  assert.deepEqual(
    history.map((h) => [Number(h.version), h.operation]),
    ourHistory.map((h) => [h.version, h.operation]),
  );
  const [detail] = await spark!.sql<{ numFiles: number; partitionColumns: string[]; format: string }>(`DESCRIBE DETAIL delta.\`${dir}\``);
  assert.equal(detail.format, 'delta');
  assert.equal(Number(detail.numFiles), table.snapshot.files.length);
  assert.deepEqual(detail.partitionColumns, ['region']);

  const columns = [...OUR_SCHEMA.fields, ...FEED_FIELDS].map((f) => f.name);
  assert.deepEqual(reorder(await spark!.changes(dir, 0), columns), await ourChanges(table, 0), 'change feed 0..latest');
  assert.deepEqual(reorder(await spark!.changes(dir, 2, 4), columns), await ourChanges(table, 2, 4), 'change feed 2..4');
  const streamed = await spark!.stream(dir, true);
  assert.deepEqual(reorder(streamed, columns), await ourChanges(table, 0), 'streaming change feed');
  const tableChanges = await spark!.sql<Record<string, unknown>>(`SELECT count(*) AS n FROM table_changes_by_path('${dir}', 1)`);
  assert.equal(Number(tableChanges[0].n), (await ourChanges(table, 1)).length);

  // VACUUM by us; Spark still reads the latest version, and its history.
  await table.vacuum({ retentionHours: 0, force: true });
  const after = await oursAt(table, await table.snapshotAt(table.snapshot.version));
  assert.deepEqual(reorder(await spark!.read(dir), after.columns), sorted(after.rows));
  assert.equal((await spark!.sql(`DESCRIBE HISTORY delta.\`${dir}\``)).length, table.snapshot.version + 1);
});

test(
  'Spark reads every version and the change feed of a table we write with deletion vectors, and writes to it',
  { skip: SKIP, timeout: 2_400_000 },
  async (t) => {
    const dir = await tempDir(t, 'spark-ours-dv-');
    const table = await DeltaTable.createIfAbsent(dir, {
      schema: OUR_SCHEMA,
      partitionColumns: ['region'],
      properties: { 'delta.enableChangeDataFeed': 'true', 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '3' },
    });
    await table.append(conn, ourRows(0, 60, 'first')); // v1
    const merged = await table.merge(conn, {
      // v2: conditional delete and update on old files, inserts
      sourceSql: `SELECT * REPLACE ('merged ' || id AS name) FROM (${ourRows(50, 20, 'src')})`,
      on: ['id'],
      whenMatched: [
        { action: 'delete', condition: 's.id = 55' },
        { action: 'update', condition: 't.small <> 3' },
      ],
      whenNotMatched: [{ action: 'insert' }],
    });
    assert.ok((merged.deletionVectors ?? 0) > 0 && merged.filesRemoved === 0, 'the merge wrote deletion vectors');
    await table.delete(conn, 'id % 5 = 1'); // v3 (checkpoint): vectors, no change data
    await table.update(conn, { set: { name: 'upper(t.name)' }, where: 't.id < 10' }); // v4
    await table.merge(conn, { sourceSql: ourRows(20, 3, 'again'), on: ['id'], whenMatched: [{ action: 'update' }] }); // v5: vectors updated
    await table.optimize(conn, { minFiles: 2 }); // v6 (checkpoint): purges the vectors
    assert.equal(
      table.snapshot.files.some((f) => f.deletionVector),
      false,
    );
    await assertEveryVersionEqual(table);
    const columns = [...OUR_SCHEMA.fields, ...FEED_FIELDS].map((f) => f.name);
    assert.deepEqual(reorder(await spark!.changes(dir, 0), columns), await ourChanges(table, 0), 'change feed 0..latest');
    const history = await spark!.sql<{ version: number; operation: string }>(`DESCRIBE HISTORY delta.\`${dir}\``);
    assert.deepEqual(
      history.map((h) => [Number(h.version), h.operation]),
      (await table.history()).map((h) => [h.version, h.operation]),
    );

    // Spark writes to our table: a DELETE on a file that carries our deletion vector (back at v5)
    // must combine with it; we read Spark's commit and its feed equal to Spark's.
    await spark!.exec(
      'spark.sql(f"RESTORE TABLE delta.`{path}` TO VERSION AS OF 5")\nspark.sql(f"DELETE FROM delta.`{path}` WHERE id IN (21, 40)")\nresult = True',
      { path: dir },
    );
    await table.refresh();
    assert.ok(
      table.snapshot.files.some((f) => f.deletionVector),
      'Spark kept vectors on the restored files',
    );
    await assertEveryVersionEqual(table, 7);
    assert.deepEqual(reorder(await spark!.changes(dir, 7), columns), await ourChanges(table, 7), "change feed of Spark's commits");
    await table.vacuum({ retentionHours: 0, force: true });
    assert.deepEqual(
      reorder(
        await spark!.read(dir),
        OUR_SCHEMA.fields.map((f) => f.name),
      ),
      sorted((await oursAt(table, table.snapshot)).rows),
      'after our vacuum',
    );
  },
);

test('Spark streams an append-only table we write', { skip: SKIP, timeout: 1_200_000 }, async (t) => {
  const dir = await tempDir(t, 'spark-stream-');
  const table = await DeltaTable.createIfAbsent(dir, { schema: OUR_SCHEMA });
  for (let i = 0; i < 3; i++) await table.append(conn, ourRows(i * 10, 10, `batch${i}`));
  const ours = await oursAt(table, table.snapshot);
  assert.deepEqual(reorder(await spark!.stream(dir), ours.columns), sorted(ours.rows));
});

test(
  'Spark reads every table the medallion writes: every version, history, change feed (creates, updates, deletes, a key change, a truncate, a reject, checkpoints, compaction)',
  { skip: SKIP, timeout: 2_400_000 },
  async (t) => {
    const dataDir = await tempDir(t, 'spark-medallion-');
    const m = await Medallion.open(dataDir, { checkpointInterval: 2 });
    t.after(() => m.close());
    const ids = (op: 'c' | 'u' | 'd', from: number, list: Array<number | TicketImage>) =>
      list.map((x, i) => change(from + i, from + i, op, typeof x === 'number' ? { TicketID: x, Description: op === 'c' ? null : `${op} ${x}` } : x));
    const deleted = (position: number, id: number) => [...ids('d', position, [id]), raw(position + 1, null, JSON.stringify({ TicketID: id }))];
    await m.writeBatch(ids('c', 0, [1, 2, 3, 4, 5, 6]));
    await m.writeBatch([truncate(10, 10), ...ids('c', 11, [7, 8, 9, 10, 11])]);
    // Updates (two of key 7: the newest wins), a delete, a primary-key change (10 becomes 40: delete,
    // tombstone, create), an event that is rejected (NULL key). Silver marks 4 of the 5 rows of its
    // file deleted in a deletion vector, which the compaction then purges.
    await m.writeBatch([
      ...ids('u', 20, [
        { TicketID: 7, Status: 'Pending' },
        { TicketID: 8, Status: 'Closed', EstimatedCost: '99.95' },
        { TicketID: 7, Status: 'Resolved' },
      ]),
      ...deleted(23, 9),
      ...deleted(25, 10),
      ...ids('c', 27, [40]),
      change(28, 28, 'c', { TicketID: null }),
    ]);
    assert.ok(
      m.silver.snapshot.files.some((f) => f.deletionVector),
      'Silver wrote a deletion vector',
    );
    const maintained = await m.maintain({ vacuum: false });
    assert.deepEqual(
      maintained.optimized.map((l) => l.split('/').slice(-2).join('/')),
      ['silver/tickets'],
    );
    assert.deepEqual(
      [...(await silverState(m))],
      [
        [7, 'Resolved/10.00'],
        [8, 'Closed/99.95'],
        [11, 'Open/10.00'],
        [40, 'Open/10.00'],
      ],
    );
    assert.equal(await count(m, m.rejected), 1);

    const feeds: string[] = [];
    for (const table of m.tables()) {
      await table.refresh();
      const name = table.location.split('/').slice(-2).join('/');
      assert.ok(table.snapshot.version >= 3, `${name} passed a checkpoint (v${table.snapshot.version})`);
      await assertEveryVersionEqual(table);
      const history = await spark!.sql<{ version: number; operation: string }>(`DESCRIBE HISTORY delta.\`${table.location}\``);
      assert.deepEqual(
        history.map((h) => [Number(h.version), h.operation]),
        (await table.history()).map((h) => [h.version, h.operation]),
        `${name}: one history row per version`,
      );
      assert.equal(history.length, table.snapshot.version + 1);
      if (table.snapshot.properties['delta.enableChangeDataFeed'] !== 'true') continue;
      const columns = [...table.snapshot.schema.fields, ...FEED_FIELDS].map((f) => f.name);
      assert.deepEqual(reorder(await spark!.changes(table.location, 0), columns), await ourChanges(table, 0), `${name}: change feed 0..latest`);
      feeds.push(name);
    }
    assert.deepEqual(
      m.tables().map((t) => t.location.split('/').slice(-2).join('/')),
      ['bronze/cdc_events', 'silver/_rejected', 'silver/_tickets_deleted', 'silver/tickets', 'silver/tickets_history'],
    );
    assert.deepEqual(feeds, ['silver/tickets']);
  },
);

const SPARK_TYPES_TABLE = `
p = path
spark.sql(f"""CREATE TABLE delta.\`{p}\` (id BIGINT, b TINYINT, s SMALLINT, i INT, f FLOAT, d DOUBLE, dec DECIMAL(10,2),
  big DECIMAL(38,10), str STRING, bin BINARY, flag BOOLEAN, day DATE, ts TIMESTAMP, ntz TIMESTAMP_NTZ, arr ARRAY<INT>,
  m MAP<STRING,INT>, st STRUCT<a: INT, b: STRING>, part STRING) USING delta PARTITIONED BY (part)
  TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true', 'delta.enableDeletionVectors' = 'true', 'delta.checkpointInterval' = '3')""")
rows_sql = """SELECT id, CAST(id % 100 AS TINYINT) AS b, CAST(id * 3 AS SMALLINT) AS s, CAST(id * 7 AS INT) AS i,
  CAST(id / 3.0 AS FLOAT) AS f, id / 7.0D AS d, CAST(id * 1.25 AS DECIMAL(10,2)) AS dec, CAST(id AS DECIMAL(38,10)) / 3 AS big,
  CASE WHEN id % 5 = 0 THEN NULL ELSE concat('s', id) END AS str, CAST(concat('b', id) AS BINARY) AS bin, id % 2 = 0 AS flag,
  date_add(DATE'2026-01-01', CAST(id AS INT)) AS day, timestamp_micros(1767225600000000 + id * 1000003) AS ts,
  CAST(timestamp_micros(1767225600000000 + id * 1000003) AS TIMESTAMP_NTZ) AS ntz, array(CAST(id AS INT), NULL) AS arr,
  map('k', CAST(id AS INT)) AS m, named_struct('a', CAST(id AS INT), 'b', concat('x', id)) AS st,
  element_at(array('a b', 'x/y', 'ü=%', NULL, '#1:2'), CAST(id % 5 + 1 AS INT)) AS part FROM range({lo}, {hi})"""
spark.sql(f"INSERT INTO delta.\`{p}\` " + rows_sql.format(lo=0, hi=40))
spark.sql(f"""MERGE INTO delta.\`{p}\` t USING ({rows_sql.format(lo=35, hi=45)}) s ON t.id = s.id
  WHEN MATCHED AND s.id % 2 = 0 THEN UPDATE SET str = 'merged', d = s.d + 1
  WHEN MATCHED THEN DELETE
  WHEN NOT MATCHED THEN INSERT *""")
spark.sql(f"DELETE FROM delta.\`{p}\` WHERE id % 4 = 1")
spark.sql(f"UPDATE delta.\`{p}\` SET str = upper(str), dec = dec + 1 WHERE id < 10")
spark.sql(f"INSERT INTO delta.\`{p}\` " + rows_sql.format(lo=100, hi=104))
result = [r["version"] for r in rows(spark.sql(f"DESCRIBE HISTORY delta.\`{p}\`"))]
`;

test(
  'ours reads every version and the change feed of a Spark table (types, partitions, merge, deletion vectors), maintains it, Spark reads back',
  { skip: SKIP, timeout: 2_400_000 },
  async (t) => {
    const dir = await tempDir(t, 'spark-theirs-');
    await spark!.exec(SPARK_TYPES_TABLE, { path: dir });
    const table = await DeltaTable.open(dir);
    assert.ok(table.snapshot.version >= 5);
    assert.ok(
      table.snapshot.files.some((f) => f.deletionVector),
      'Spark wrote deletion vectors',
    );
    await assertEveryVersionEqual(table);
    const columns = [...table.snapshot.schema.fields, ...FEED_FIELDS].map((f) => f.name);
    assert.deepEqual(await ourChanges(table, 0), reorder(await spark!.changes(dir, 0), columns), 'change feed 0..latest');

    // We maintain Spark's table: optimize (purging deletion vectors), checkpoint, vacuum; Spark reads it.
    const before = await oursAt(table, table.snapshot);
    const optimized = await table.optimize(conn, { minFiles: 2 });
    assert.equal(optimized.committed, true);
    assert.equal(
      table.snapshot.files.some((f) => f.deletionVector),
      false,
      'optimize purged the deletion vectors',
    );
    await table.checkpoint();
    await table.vacuum({ retentionHours: 0, force: true });
    await table.append(conn, `SELECT * REPLACE (CAST(999 AS BIGINT) AS id) FROM ${table.scanSql()} LIMIT 1`);
    const after = await oursAt(table, table.snapshot);
    assert.equal(after.rows.length, before.rows.length + 1);
    assert.deepEqual(reorder(await spark!.read(dir), after.columns), sorted(after.rows), 'Spark reads our maintenance of its table');
    const history = await spark!.sql<{ version: number; operation: string }>(`DESCRIBE HISTORY delta.\`${dir}\``);
    assert.equal(history.length, table.snapshot.version + 1);
    assert.deepEqual(
      reorder(await spark!.changes(dir, table.snapshot.version), columns),
      await ourChanges(table, table.snapshot.version),
      "our append in Spark's feed",
    );
  },
);

const SPARK_COLUMN_MAPPING_TABLE = `
p = path
spark.sql(f"""CREATE TABLE delta.\`{p}\` (id BIGINT, a STRING, b INT, c DOUBLE) USING delta
  TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.checkpointPolicy' = 'v2', 'delta.checkpointInterval' = '2')""")
spark.sql(f"INSERT INTO delta.\`{p}\` SELECT id, concat('a', id), CAST(id AS INT), id / 2.0D FROM range(0, 5)")
spark.sql(f"ALTER TABLE delta.\`{p}\` RENAME COLUMN a TO a_renamed")
spark.sql(f"INSERT INTO delta.\`{p}\` SELECT id, concat('r', id), CAST(id AS INT), id / 2.0D FROM range(5, 8)")
spark.sql(f"ALTER TABLE delta.\`{p}\` DROP COLUMN b")
spark.sql(f"INSERT INTO delta.\`{p}\` SELECT id, concat('d', id), id / 2.0D FROM range(8, 10)")
spark.sql(f"ALTER TABLE delta.\`{p}\` ADD COLUMNS (b INT)")
spark.sql(f"INSERT INTO delta.\`{p}\` SELECT id, concat('n', id), id / 2.0D, CAST(-id AS INT) FROM range(10, 12)")
spark.sql(f"DELETE FROM delta.\`{p}\` WHERE id = 3")
result = True
`;

test(
  'ours reads every version of a Spark table with column mapping (rename, drop, re-add) and v2 checkpoints; refuses to write it by name',
  { skip: SKIP, timeout: 2_400_000 },
  async (t) => {
    const dir = await tempDir(t, 'spark-cm-');
    await spark!.exec(SPARK_COLUMN_MAPPING_TABLE, { path: dir });
    const table = await DeltaTable.open(dir);
    assert.equal(table.snapshot.properties['delta.columnMapping.mode'], 'name');
    assert.deepEqual(
      table.snapshot.schema.fields.map((f) => f.name),
      ['id', 'a_renamed', 'c', 'b'],
    );
    await assertEveryVersionEqual(table);
    const latest = await oursAt(table, table.snapshot);
    assert.ok(
      latest.rows.some((r) => r.endsWith(',"-11"]')),
      'the re-added column holds its new values',
    );
    assert.ok(
      latest.rows.some((r) => r.startsWith('["1",') && r.endsWith(',null]')),
      'older rows read NULL in the re-added column',
    );
    await assert.rejects(table.optimize(conn, { minFiles: 2 }), (e) => isDeltaError(e, 'DELTA_UNSUPPORTED') && /columnMapping/.test(e.message));
  },
);
