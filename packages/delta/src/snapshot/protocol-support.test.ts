// Writer features Spark lists on writer-7 tables (invariants, checkConstraints, generatedColumns
// implied by the legacy protocol it upgraded from): supported while none is defined, so every
// operation and maintenance works; a defined invariant or constraint is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable, isDeltaError, serializeCommit, serializeSchema, type DeltaSchema } from '../index.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const SPARK_40_WRITER_FEATURES = ['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns'];

async function sparkLikeTable(dir: string, schema: DeltaSchema, configuration: Record<string, string> = {}): Promise<void> {
  await mkdir(path.join(dir, '_delta_log'), { recursive: true });
  await writeFile(
    path.join(dir, '_delta_log', `${'0'.padStart(20, '0')}.json`),
    serializeCommit([
      { commitInfo: { timestamp: Date.now(), operation: 'CREATE TABLE', engineInfo: 'Apache-Spark/4.0.5 Delta-Lake/4.0.1' } },
      { protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: SPARK_40_WRITER_FEATURES } },
      {
        metaData: {
          id: 'spark-like',
          format: { provider: 'parquet', options: {} },
          schemaString: serializeSchema(schema),
          partitionColumns: [],
          configuration: { 'delta.enableChangeDataFeed': 'true', ...configuration },
          createdTime: Date.now(),
        },
      },
    ]),
  );
}

const schema: DeltaSchema = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true },
    { name: 'v', type: 'string', nullable: true },
  ],
};

test('a writer-7 table listing invariants, checkConstraints and generatedColumns (none defined) is written and maintained', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  await sparkLikeTable(dir, schema);
  const table = await DeltaTable.open(dir);
  for (let i = 0; i < 3; i++) await table.append(conn, `SELECT ${i}::BIGINT AS id, 'v${i}' AS v`);
  await table.delete(conn, 'id = 1');
  await table.update(conn, { set: { v: `'changed'` }, where: 't.id = 2' });
  const optimized = await table.optimize(conn, { minFiles: 2 });
  assert.equal(optimized.committed, true);
  const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
  assert.ok(vacuumed.files.length > 0, 'vacuum deleted the rewritten files');
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, v FROM ${table.scanSql()} ORDER BY id`), [
    { id: 0, v: 'v0' },
    { id: 2, v: 'changed' },
  ]);
  assert.deepEqual(table.snapshot.protocol.writerFeatures, SPARK_40_WRITER_FEATURES, 'the protocol is left as it was');
});

test('a defined column invariant or CHECK constraint is refused by name on write, still readable', async (t) => {
  const conn = await duck(t);
  const withInvariant: DeltaSchema = {
    type: 'struct',
    fields: [{ name: 'id', type: 'long', nullable: true, metadata: { 'delta.invariants': JSON.stringify({ expression: { expression: 'id > 0' } }) } }],
  };
  const a = await tempDir(t);
  await sparkLikeTable(a, withInvariant);
  const invariantTable = await DeltaTable.open(a);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n FROM ${invariantTable.scanSql()}`), [{ n: 0 }]);
  await assert.rejects(invariantTable.append(conn, 'SELECT 1::BIGINT AS id'), (e) => isDeltaError(e, 'DELTA_UNSUPPORTED') && /invariants/.test(e.message));
  const b = await tempDir(t);
  await sparkLikeTable(b, schema, { 'delta.constraints.positive': 'id > 0' });
  const constrained = await DeltaTable.open(b);
  await assert.rejects(
    constrained.append(conn, `SELECT 1::BIGINT AS id, 'x' AS v`),
    (e) => isDeltaError(e, 'DELTA_UNSUPPORTED') && /CHECK constraints/.test(e.message),
  );
});
