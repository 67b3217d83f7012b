import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DeltaTable } from '../index.ts';
import { ROW_GROUP_BYTES } from './write-files.ts';
import { duck, tempDir } from '../test-support/fixtures.ts';

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'payload', type: 'string' as const, nullable: true },
  ],
};

test('row groups are bounded in bytes, not only in rows (wide rows are not buffered 122,880 at a time); ORDER BY is kept and the session setting restored', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  // 40,000 rows of ~2 KB: ~80 MB uncompressed, far fewer rows than DuckDB's default row group.
  await table.append(conn, `SELECT range AS id, repeat(md5(range::VARCHAR), 64) AS payload FROM range(40000) ORDER BY id`);
  const [file] = table.snapshot.files;
  const path = join(dir, decodeURIComponent(file!.path));
  const groups = (
    await conn.runAndReadAll(
      `SELECT row_group_id, max(row_group_num_rows)::BIGINT AS n, sum(total_uncompressed_size)::BIGINT AS bytes FROM parquet_metadata('${path}') GROUP BY ALL ORDER BY 1`,
    )
  ).getRowObjectsJson();
  assert.ok(groups.length >= 4, `${groups.length} row groups`);
  for (const g of groups.slice(0, -1)) assert.ok(Number(g.bytes) <= 2 * ROW_GROUP_BYTES, `row group of ${g.bytes} bytes`);
  // The query's ORDER BY still decides the order in the file.
  const ids = (await conn.runAndReadAll(`SELECT id FROM read_parquet('${path}')`)).getRows().map((r) => Number(r[0]));
  assert.deepEqual(
    ids,
    Array.from({ length: 40000 }, (_, i) => i),
  );
  // preserve_insertion_order was turned off for the COPY only.
  const setting = (await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order') AS v")).getRowObjects()[0]!.v;
  assert.equal(setting, true);
});

test('concurrent writes through one connection each get the unordered session their COPY needs', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const tables = await Promise.all(Array.from({ length: 6 }, (_, i) => DeltaTable.createIfAbsent(join(dir, `t${i}`), { schema })));
  // Rounds of appends to six tables at once through one connection (the README example does this
  // with two): one write turning the setting back on under another's COPY failed that COPY.
  for (let round = 0; round < 10; round++) {
    await Promise.all(tables.map((table, i) => table.append(conn, `SELECT ${round * 10 + i} AS id, repeat('x', ${1 + round * 100}) AS payload`)));
  }
  for (const table of tables) assert.equal(table.snapshot.numRows, 10);
  const setting = (await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order') AS v")).getRowObjects()[0]!.v;
  assert.equal(setting, true);
});
