// The change feed of commits that changed deletion vectors and wrote no change-data files (as
// Spark's DELETE does with deletion vectors on): only the rows whose deletion changed are
// reported. And `_commit_timestamp` is the commit's time as timestamp time travel sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable, serializeCommit, type Action, type AddAction } from '../index.ts';
import { inlineDv } from '../test-support/inline-dv.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'v', type: 'string' as const, nullable: true },
  ],
};
const commitFile = (dir: string, v: number) => path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`);

async function writeCommit(dir: string, v: number, actions: Action[]): Promise<void> {
  await writeFile(commitFile(dir, v), serializeCommit([{ commitInfo: { timestamp: Date.now(), operation: 'DELETE' } }, ...actions]), { flag: 'wx' });
}

function swapDv(file: AddAction, before: number[], after: number[]): Action[] {
  const now = Date.now();
  const { deletionVector: _drop, ...plain } = file;
  return [
    {
      remove: {
        path: file.path,
        deletionTimestamp: now,
        dataChange: true,
        extendedFileMetadata: true,
        partitionValues: {},
        size: file.size,
        ...(before.length ? { deletionVector: inlineDv(before) } : {}),
      },
    },
    { add: { ...plain, modificationTime: now, dataChange: true, deletionVector: inlineDv(after) } },
  ];
}

test('deletion-vector commits without cdc files: only newly deleted rows are deletes, restored rows inserts', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.enableChangeDataFeed': 'true' } });
  await table.append(conn, `SELECT range AS id, 'v' || range AS v FROM range(0, 10)`); // v1, one file
  const [file] = table.snapshot.files;
  const byRow = new Map(
    (await rows(conn, `SELECT file_row_number::INT AS r, id::INT AS id FROM read_parquet('${path.join(dir, file.path)}', file_row_number = true)`)).map((x) => [
      x.r as number,
      x.id as number,
    ]),
  );
  const protocol: Action = {
    protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors', 'changeDataFeed'] },
  };
  await writeCommit(dir, 2, [protocol, ...swapDv(file, [], [1, 3])]); // DELETE: rows 1 and 3
  await writeCommit(dir, 3, swapDv(file, [1, 3], [1, 3, 5])); // DELETE: row 5
  await writeCommit(dir, 4, swapDv(file, [1, 3, 5], [1])); // rows 3 and 5 back (as a RESTORE does)
  await table.refresh();

  const changes = (await table.changes(2)).map((r) => `${r._commit_version}:${r._change_type}:${r.id}`).sort();
  const id = (row: number) => byRow.get(row);
  assert.deepEqual(changes, [`2:delete:${id(1)}`, `2:delete:${id(3)}`, `3:delete:${id(5)}`, `4:insert:${id(3)}`, `4:insert:${id(5)}`].sort());

  // Replaying the whole feed gives the table as it is, row for row.
  const live = new Map<string, number>();
  for (const r of await table.changes(0)) {
    const key = String(r.id);
    live.set(key, (live.get(key) ?? 0) + (r._change_type === 'insert' ? 1 : r._change_type === 'delete' ? -1 : 0));
  }
  const replayed = [...live]
    .filter(([, n]) => n !== 0)
    .map(([k, n]) => {
      assert.equal(n, 1, `id ${k} counted ${n} times`);
      return Number(k);
    })
    .sort((a, b) => a - b);
  const current = (await rows(conn, `SELECT id::INT AS id FROM ${table.scanSql()} ORDER BY id`)).map((r) => r.id);
  assert.deepEqual(replayed, current);
  assert.equal(current.length, 9);
});

test('_commit_timestamp is the commit file time (as timestamp time travel sees it), kept increasing', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.enableChangeDataFeed': 'true' } });
  for (let i = 0; i < 3; i++) await table.append(conn, `SELECT ${i}::BIGINT AS id, 'x' AS v`);
  const base = Date.parse('2026-01-02T03:04:05.678Z');
  const times = [base, base + 60_000, base + 60_000, base + 120_000]; // v1 and v2 share a time
  for (let v = 0; v <= 3; v++) await utimes(commitFile(dir, v), new Date(times[v]), new Date(times[v]));
  const got = (await table.changes(0)).map((r) => [Number(r._commit_version), Date.parse(String(r._commit_timestamp).replace(' ', 'T').replace(/\+00$/, 'Z'))]);
  assert.deepEqual(
    got.sort((a, b) => a[0] - b[0]),
    [
      [1, times[1]],
      [2, times[2] + 1],
      [3, times[3]],
    ],
  );
  // commitInfo.timestamp is not what counts: it is the write time, not the file time.
  const info = JSON.parse((await readFile(commitFile(dir, 3), 'utf8')).split('\n')[0]) as { commitInfo: { timestamp: number } };
  assert.notEqual(info.commitInfo.timestamp, times[3]);
  assert.equal((await table.snapshotAtTimestamp(new Date(times[3]))).version, 3);
  assert.equal((await table.snapshotAtTimestamp(new Date(times[3] - 1))).version, 2);
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const shared = path.resolve(process.env.SHORI_SHARED_DIR || path.resolve(repo, '../shared'), 'conformance/delta-rs-tables');
const SKIP: string | false = existsSync(shared) ? false : `shared corpus ${shared} absent (CI always has it)`;
if (SKIP && process.env.CI === 'true') throw new Error(`CI=true but the ${SKIP}`);

/** The rows of the markdown table under `heading` in EXPECTED.md, as objects keyed by header. */
async function statedRows(heading: string): Promise<Array<Record<string, string>>> {
  const text = await readFile(path.join(shared, 'EXPECTED.md'), 'utf8');
  const lines = text.slice(text.indexOf(`## ${heading}\n`)).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const stop = lines.findIndex((l, i) => i > first && !l.startsWith('|'));
  const table = lines.slice(first, stop);
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(table[0]);
  return table.slice(2).map((l) => Object.fromEntries(cells(l).map((c, i) => [header[i], c])));
}

test('cdf-table-with-cdc-and-dvs (Databricks): the change feed equals the 43 rows delta-rs states', { skip: SKIP }, async () => {
  const table = await DeltaTable.open(path.join(shared, 'cdf-table-with-cdc-and-dvs'));
  const ours = (await table.changes(0)).map((r) => `${r.id}|${r.comment ?? ''}|${r._change_type}|${r._commit_version}`).sort();
  const stated = (await statedRows('cdf-table-with-cdc-and-dvs')).map((r) => `${r.id}|${r.comment}|${r._change_type}|${r._commit_version}`).sort();
  assert.equal(stated.length, 43);
  assert.deepEqual(ours, stated);
});

test('cdc_ict_table: with In-Commit Timestamps on, _commit_timestamp is commitInfo.inCommitTimestamp', { skip: SKIP }, async (t) => {
  const dir = await tempDir(t);
  await cp(path.join(shared, 'cdc_ict_table'), dir, { recursive: true });
  const table = await DeltaTable.open(dir);
  const ict = new Map<number, number>();
  for (let v = 0; v <= table.snapshot.version; v++) {
    const first = JSON.parse((await readFile(commitFile(dir, v), 'utf8')).split('\n')[0]) as { commitInfo?: { inCommitTimestamp?: number } };
    if (first.commitInfo?.inCommitTimestamp !== undefined) ict.set(v, first.commitInfo.inCommitTimestamp);
  }
  const changes = await table.changes(0);
  assert.ok(changes.length > 0);
  for (const r of changes) {
    const v = Number(r._commit_version);
    assert.ok(ict.has(v), `version ${v} has an in-commit timestamp`);
    assert.equal(Date.parse(String(r._commit_timestamp).replace(' ', 'T').replace(/\+00$/, 'Z')), ict.get(v), `v${v}`);
  }
});
