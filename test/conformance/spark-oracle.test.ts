// Conformance of our Delta reader against Apache Spark + Delta Lake (the reference implementation),
// over the same tables as golden.test.ts (../shared/conformance). One local[1] Spark session reads
// every table at every version we read (one batched call, test/interop/spark_tool.py `read_many`);
// each version must read as Spark reads it (live data files, columns, rows as a multiset of the
// canonical texts of canonical.ts) or be refused by us with a reason: a broken table, a feature we
// refuse by name (DELTA_UNSUPPORTED), or one Spark refuses too. Versions Spark cannot read are
// counted apart, with Spark's error class. Log-only tables (their data files do not exist) are
// compared on the file list. Prints the tally; asserts that nothing is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duck } from '../helpers/duck.ts';
import { DeltaTable, isDeltaError } from '@shori/delta';
import { discoverTables, multisetDiff, readOurs, reason, type Ours, type TableRef } from './tables.ts';
import { BROKEN, LOG_ONLY } from './expected.ts';
import { sharedCorpus } from '../helpers/shared-corpus.ts';
import { Spark } from '../helpers/spark.ts';

const corpus = sharedCorpus('conformance'); // skips outside CI when ../shared is absent
const shared = corpus.skip ? corpus.dir : realpathSync(corpus.dir);

interface SparkRead {
  path: string;
  version: number | null;
  files?: string[];
  columns?: string[];
  rows?: string[];
  errorClass?: string;
  error?: string;
}

/** Our side of one table: the open error, or every version's read. */
interface OurTable {
  ref: TableRef;
  openError?: unknown;
  versions: Ours[];
}

async function readAllOurs(conn: DuckDBConnection, ref: TableRef): Promise<OurTable> {
  let table: DeltaTable;
  try {
    table = await DeltaTable.open(ref.dir);
  } catch (openError) {
    return { ref, openError, versions: [] };
  }
  const versions: Ours[] = [];
  for (let v = 0; v <= table.snapshot.version; v++) versions.push(await readOurs(conn, table, v, LOG_ONLY.has(ref.name)));
  return { ref, versions };
}

type Verdict =
  | { kind: 'equal'; sparkCannot: number; why: string }
  | { kind: 'refused'; why: string }
  | { kind: 'spark-cannot'; why: string }
  | { kind: 'wrong'; why: string };

const sparkWhy = (r: SparkRead | undefined) => (r ? `${r.errorClass}: ${r.error?.slice(0, 120)}` : 'not asked');

function judgeRefusedOpen(ours: OurTable, latest: SparkRead | undefined): Verdict {
  const sparkFails = !latest?.rows && !latest?.files;
  const spark = sparkFails ? ` (Spark refuses too: ${latest?.errorClass})` : ' (Spark reads it)';
  if (BROKEN.has(ours.ref.name) || isDeltaError(ours.openError, 'DELTA_UNSUPPORTED') || sparkFails) {
    return { kind: 'refused', why: `${reason(ours.openError)}${spark}` };
  }
  return { kind: 'wrong', why: `refused, but Spark reads it: ${reason(ours.openError)}` };
}

/** Compares one version; answers a problem, or undefined; counts what Spark could not read. */
function compareVersion(v: number, ours: Ours, theirs: SparkRead | undefined, logOnly: boolean, sparkErrors: string[]): string | undefined {
  const ourError = ours.loadError ?? ours.error;
  if (ourError !== undefined) {
    const theyRead = ours.loadError ? !!theirs?.files : !!theirs?.rows;
    if (theyRead && !isDeltaError(ourError, 'DELTA_UNSUPPORTED')) return `v${v}: we fail (${reason(ourError)}) but Spark reads it`;
    return undefined;
  }
  if (!theirs?.files) {
    sparkErrors.push(`v${v} ${sparkWhy(theirs)}`);
    return undefined;
  }
  const files = multisetDiff(ours.files, theirs.files);
  if (files) return `v${v} files: ${files}`;
  if (logOnly) return undefined;
  if (!theirs.rows) {
    sparkErrors.push(`v${v} ${sparkWhy(theirs)}`);
    return undefined;
  }
  if (JSON.stringify(theirs.columns) !== JSON.stringify(ours.columns)) return `v${v} columns: ours ${ours.columns} vs Spark ${theirs.columns}`;
  const rows = multisetDiff(ours.rows!, theirs.rows);
  return rows ? `v${v} rows: ${rows}` : undefined;
}

function judge(ours: OurTable, spark: Map<string, SparkRead>, counts: { compared: number }): Verdict {
  const key = (v: number | null) => `${ours.ref.dir}@${v}`;
  if (ours.openError !== undefined) return judgeRefusedOpen(ours, spark.get(key(null)));
  if (BROKEN.has(ours.ref.name)) return { kind: 'wrong', why: 'broken table was read' };
  const problems: string[] = [];
  const sparkErrors: string[] = [];
  const logOnly = LOG_ONLY.has(ours.ref.name);
  ours.versions.forEach((o, v) => {
    const before = sparkErrors.length;
    const problem = compareVersion(v, o, spark.get(key(v)), logOnly, sparkErrors);
    if (problem) problems.push(problem);
    else if (o.loadError === undefined && o.error === undefined && sparkErrors.length === before) counts.compared++;
  });
  if (problems.length) return { kind: 'wrong', why: problems.slice(0, 5).join('; ') };
  const last = ours.versions.at(-1)!;
  const ourError = last.loadError ?? last.error;
  if (ourError !== undefined) return { kind: 'refused', why: reason(ourError) };
  if (sparkErrors.length === ours.versions.length) return { kind: 'spark-cannot', why: sparkErrors.slice(0, 2).join('; ') };
  return { kind: 'equal', sparkCannot: sparkErrors.length, why: sparkErrors.join('; ') };
}

test('conformance: every table reads as Apache Spark reads it, or is refused with a reason', { skip: corpus.skip, timeout: 1_800_000 }, async (t) => {
  const tables = await discoverTables(shared);
  assert.ok(tables.length >= 115, `found only ${tables.length} tables`);
  const conn = await duck(t);
  await conn.run("SET TimeZone = 'UTC'");
  const ours: OurTable[] = [];
  for (const ref of tables) ours.push(await readAllOurs(conn, ref));

  const spark = await Spark.start();
  if (!spark) {
    t.skip('Apache Spark + Delta Lake are not installable here');
    return;
  }
  t.after(() => spark.stop());
  const reads = ours.flatMap((o): Array<{ path: string; version: number | null }> =>
    o.openError !== undefined ? [{ path: o.ref.dir, version: null }] : o.versions.map((_, version) => ({ path: o.ref.dir, version })),
  );
  const started = Date.now();
  const answers = await spark.send<SparkRead[]>({ op: 'read_many', reads });
  const sparkSeconds = (Date.now() - started) / 1000;
  assert.equal(answers.length, reads.length);
  const byKey = new Map(answers.map((a) => [`${a.path}@${a.version}`, a]));

  const counts = { compared: 0 };
  const verdicts: Array<readonly [string, Verdict]> = ours.map((o) => [`${o.ref.collection}/${o.ref.name}`, judge(o, byKey, counts)] as const);
  const by = <K extends Verdict['kind']>(k: K) => verdicts.filter((e): e is readonly [string, Extract<Verdict, { kind: K }>] => e[1].kind === k);
  const equal = by('equal');
  const lines = [
    `Spark ${spark.version}: read and equal: ${equal.length} / refused by us with reason: ${by('refused').length} / Spark cannot read: ${by('spark-cannot').length} / wrong: ${by('wrong').length}`,
    `table versions compared row by row (or by file list, log-only) with Spark: ${counts.compared}; versions of equal tables Spark cannot read: ${equal.reduce((n, [, v]) => n + v.sparkCannot, 0)}; Spark's ${reads.length} reads took ${sparkSeconds.toFixed(1)} s`,
    ...by('refused').map(([name, v]) => `  refused ${name}: ${v.why}`),
    ...by('equal')
      .filter(([, v]) => v.sparkCannot > 0)
      .map(([name, v]) => `  equal where Spark reads, Spark cannot read ${name} ${v.why}`),
    ...by('spark-cannot').map(([name, v]) => `  Spark cannot read ${name}: ${v.why}`),
    ...by('wrong').map(([name, v]) => `  WRONG ${name}: ${v.why}`),
  ];
  console.log(lines.join('\n'));
  assert.equal(verdicts.length, tables.length);
  assert.equal(
    by('wrong').length,
    0,
    by('wrong')
      .map(([n, v]) => `${n}: ${v.why}`)
      .join('\n'),
  );
  assert.ok(counts.compared > 0, 'Spark compared no table version');
  for (const name of BROKEN) {
    const entry = verdicts.find(([label]) => label.endsWith(`/${name}`));
    assert.equal(entry?.[1].kind, 'refused', `broken table ${name} must be refused`);
  }
});
