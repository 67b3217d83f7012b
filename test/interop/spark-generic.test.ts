// Apache Spark + Delta Lake (the reference implementation) reads the generic Silver and history
// tables the pipeline makes from several captured tables, at every version, equal to ours row for
// row: before the DDL, at the commit that adds a column and widens types (Agents.Level int → bigint,
// Customers.CreditLimit decimal(12,2) → (14,2), a longer varchar: no data rewritten, so older files
// hold the narrower type), and after it. delta-rs does the same in generic-tables-delta-rs.test.ts;
// where they disagree, Spark wins. Under CI=true a missing Spark is a failure, never a skip.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeltaTable } from '@shori/delta';
import { canonicalRow } from '../conformance/canonical.ts';
import { Spark, type CanonicalRows } from '../helpers/spark.ts';
import { openGenericLake } from '../helpers/generic-lake.ts';

const spark = await Spark.start();
after(() => spark?.stop());

/** Spark's rows as canonical JSON arrays in `columns` order, sorted. */
function theirsIn(theirs: CanonicalRows, columns: string[]): string[] {
  const index = columns.map((c) => theirs.columns.indexOf(c));
  assert.ok(
    index.every((i) => i >= 0),
    `Spark's columns ${theirs.columns.join(',')} lack some of ${columns.join(',')}`,
  );
  return theirs.rows.map((r) => JSON.stringify(index.map((i) => (JSON.parse(r) as unknown[])[i]))).sort();
}

test(
  'Spark reads every generic Silver and history table at every version, across ADD COLUMNS and widened types, equal to ours',
  { skip: spark ? false : 'pyspark + delta-spark are not installable here', timeout: 1_800_000 },
  async () => {
    const lake = await openGenericLake('generic-spark-');
    const { m, step } = lake;
    await step(60, 1);
    await step(60, 2, 30); // DDL halfway: a Bronze version with both schemas
    await step(30, 3);
    const tables = (name: string): DeltaTable[] => {
      const t = m.specTables.find((s) => s.spec.name === name)!;
      return [t.silver, t.history!];
    };
    const widened: string[] = [];
    for (const table of [...tables('customers'), ...tables('agents')]) {
      await table.refresh();
      for (let v = 0; v <= table.snapshot.version; v++) {
        const snap = await table.snapshotAt(v);
        const fields = snap.schema.fields;
        const ours = (await m.conn.runAndReadAll(`SELECT * FROM ${table.scanSql(snap)}`)).getRows().map((r) => canonicalRow(r, fields));
        const theirs = await spark!.read(table.location, { version: v });
        const where = `${table.location.split('/').pop()} v${v}`;
        assert.deepEqual(
          theirsIn(
            theirs,
            fields.map((f) => f.name),
          ),
          ours.sort(),
          where,
        );
      }
      const types = Object.fromEntries(table.snapshot.schema.fields.map((f) => [f.name, String(f.type)]));
      if (types.Level === 'long') widened.push(`${table.location.split('/').pop()}.Level`);
      if (types.CreditLimit === 'decimal(14,2)') widened.push(`${table.location.split('/').pop()}.CreditLimit`);
    }
    assert.deepEqual(widened.sort(), ['agents.Level', 'agents_history.Level', 'customers.CreditLimit', 'customers_history.CreditLimit']);
    await lake.close();
  },
);
