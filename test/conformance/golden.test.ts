// Conformance of our Delta reader against every table in ../shared/conformance (delta-golden and
// delta-rs-tables), with delta-rs (Python `deltalake`, run once over all tables by
// delta-rs-oracle.py) as the reference reader. Each table, at its latest version and every earlier
// one, must either read exactly as delta-rs reads it (columns, live file list, rows as a multiset
// of canonical texts) or be refused with an error naming the unsupported feature. Where delta-rs
// cannot read a version, EXPECTED.md's stated rows and derived counts decide (see expected.ts).
// Broken tables must be refused. Log-only tables are compared on the file list, not data.
// Prints the tally; asserts that nothing is wrong. Timestamp time travel is tested on copies
// whose commit mtimes are set as EXPECTED.md says (git keeps no mtimes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, stat, utimes, mkdtemp, rm } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { duck } from '../helpers/duck.ts';
import { DeltaTable, isDeltaError } from '@shori/delta';
import { discoverTables, multisetDiff, readOurs, reason, type TableRef } from './tables.ts';
import { sharedCorpus } from '../helpers/shared-corpus.ts';
import { BROKEN, LOG_ONLY, parseDerived, REFERENCE_WRONG, SAME_ROWS_AS, STATED_LATEST_ROWS } from './expected.ts';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = sharedCorpus('conformance'); // skips outside CI when ../shared is absent
// Real path: delta-rs reports resolved file paths, so a symlinked corpus must compare equal.
const shared = corpus.skip ? corpus.dir : realpathSync(corpus.dir);
interface OracleResult {
  version: number | null;
  files?: string[];
  columns?: string[];
  rows?: string[];
  error?: string;
  via?: 'to_pyarrow_table' | 'querybuilder';
}

async function pythonPath(): Promise<string | undefined> {
  try {
    const { stdout } = await run('bash', [path.join(repo, 'scripts/ensure-python-deps.sh')], { timeout: 600_000 });
    return stdout.trim().split('\n').pop();
  } catch (error) {
    if (process.env.CI === 'true') throw error; // under CI a missing reference is a failure
    return undefined;
  }
}

async function runOracle(py: string, tables: TableRef[]): Promise<Map<string, Map<number | null, OracleResult>>> {
  const child = spawn(py, [path.join(repo, 'test/conformance/delta-rs-oracle.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(tables.map((t) => t.dir).join('\n') + '\n');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`delta-rs oracle exited with ${code}: ${stderr.slice(-2000)}`);
  const out = new Map<string, Map<number | null, OracleResult>>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as OracleResult & { table: string };
    if (!out.has(r.table)) out.set(r.table, new Map());
    out.get(r.table)!.set(r.version, r);
  }
  return out;
}

type Verdict = { kind: 'equal' } | { kind: 'refused'; why: string } | { kind: 'wrong'; why: string };

test('conformance: every table reads as delta-rs reads it, or is refused with a reason', { skip: corpus.skip, timeout: 900_000 }, async (t) => {
  const py = await pythonPath();
  if (!py) {
    t.skip('deltalake (delta-rs) is not installable here');
    return;
  }
  const tables = await discoverTables(shared);
  assert.ok(tables.length >= 115, `found only ${tables.length} tables`);
  const oracle = await runOracle(py, tables);
  const derived = new Map([...parseDerived(path.join(shared, 'delta-golden/EXPECTED.md')), ...parseDerived(path.join(shared, 'delta-rs-tables/EXPECTED.md'))]);
  const conn = await duck(t);
  await conn.run("SET TimeZone = 'UTC'");

  const verdicts = new Map<string, Verdict>();
  const notes: string[] = [];
  const oracleVia = new Map<string, number>(); // table versions compared row by row with delta-rs, by its read path
  let expectedOnly = 0; // table versions delta-rs could not read: EXPECTED.md and counts decide
  for (const ref of tables) {
    const label = `${ref.collection}/${ref.name}`;
    const theirs = oracle.get(ref.dir) ?? new Map<number | null, OracleResult>();
    const logOnly = LOG_ONLY.has(ref.name);
    let table: DeltaTable;
    try {
      table = await DeltaTable.open(ref.dir);
    } catch (error) {
      const refOk = theirs.has(null);
      if (BROKEN.has(ref.name) || isDeltaError(error, 'DELTA_UNSUPPORTED') || refOk) {
        verdicts.set(label, { kind: 'refused', why: `${reason(error)}${refOk ? ' (delta-rs refuses too)' : ''}` });
      } else {
        verdicts.set(label, { kind: 'wrong', why: `refused, but delta-rs reads it: ${reason(error)}` });
      }
      continue;
    }
    if (BROKEN.has(ref.name)) {
      verdicts.set(label, { kind: 'wrong', why: 'broken table was read' });
      continue;
    }
    const sectionName = derived.has(ref.name) ? ref.name : ref.name.split('/')[0];
    const counts = derived.get(sectionName);
    const latest = table.snapshot.version;
    const problems: string[] = [];
    let refusedLatest: string | undefined;
    for (let v = 0; v <= latest; v++) {
      const ours = await readOurs(conn, table, v, logOnly);
      const ref_ = theirs.get(v);
      const at = `v${v}`;
      const ourError = ours.loadError ?? ours.error;
      if (ourError !== undefined) {
        const theyFail = !ref_ || (ours.loadError ? !ref_.files : !!ref_.error);
        if (v === latest) refusedLatest = reason(ourError);
        if (!theyFail && !isDeltaError(ourError, 'DELTA_UNSUPPORTED')) problems.push(`${at}: we fail (${reason(ourError)}) but delta-rs reads it`);
        continue;
      }
      // The live file list: against delta-rs when it built the snapshot, else derived counts.
      if (ref_?.files) {
        const diff = multisetDiff(ours.files, ref_.files);
        if (diff) problems.push(`${at} files: ${diff}`);
      } else if (counts?.get(v) && counts.get(v)!.files !== ours.files.length) {
        problems.push(`${at}: ${ours.files.length} files, EXPECTED.md derives ${counts.get(v)!.files}`);
      }
      if (logOnly) continue;
      const rows = ours.rows!;
      const stated = STATED_LATEST_ROWS[ref.name];
      if (ref_?.rows && !REFERENCE_WRONG[ref.name]) {
        oracleVia.set(ref_.via ?? 'to_pyarrow_table', (oracleVia.get(ref_.via ?? 'to_pyarrow_table') ?? 0) + 1);
        if (JSON.stringify(ref_.columns) !== JSON.stringify(ours.columns)) problems.push(`${at} columns: ours ${ours.columns} vs ${ref_.columns}`);
        const diff = multisetDiff(rows, ref_.rows);
        if (diff) problems.push(`${at} rows: ${diff}`);
        if (!stated || stated.version !== v) continue;
      } else {
        expectedOnly++;
      }
      // Where delta-rs could not read this version EXPECTED.md decides; its stated rows are checked too where it could.
      let checked = false;
      if (stated && stated.version === v) {
        checked = true;
        const picks = stated.columns.map((c) => ours.columns.indexOf(c));
        if (picks.includes(-1)) problems.push(`${at} columns: ours ${ours.columns} lack some of ${stated.columns}`);
        const projected = picks.length === ours.columns.length ? rows : rows.map((r) => JSON.stringify(picks.map((i) => (JSON.parse(r) as unknown[])[i])));
        const diff = multisetDiff(projected, stated.rows);
        if (diff) problems.push(`${at} stated rows: ${diff}`);
      }
      const alias = SAME_ROWS_AS[ref.name];
      const aliasRows = alias ? oracle.get(path.join(path.dirname(ref.dir), alias))?.get(v)?.rows : undefined;
      if (aliasRows) {
        checked = true;
        const diff = multisetDiff(rows, aliasRows);
        if (diff) problems.push(`${at} rows vs ${alias}: ${diff}`);
      }
      const c = counts?.get(v);
      if (c) {
        checked = true;
        if (c.rows !== rows.length) problems.push(`${at}: ${rows.length} rows, EXPECTED.md derives ${c.rows}`);
      }
      if (ours.numRows !== null) {
        checked = true; // stats numRecords minus DV cardinalities: an independent count
        if (ours.numRows !== rows.length) problems.push(`${at}: ${rows.length} rows, stats say ${ours.numRows}`);
      }
      if (!checked) notes.push(`${label} ${at}: delta-rs cannot read it (${ref_?.error?.slice(0, 80)}) and EXPECTED.md states nothing for it`);
    }
    if (problems.length) verdicts.set(label, { kind: 'wrong', why: problems.slice(0, 5).join('; ') });
    else if (refusedLatest) verdicts.set(label, { kind: 'refused', why: refusedLatest });
    else verdicts.set(label, { kind: 'equal' });
  }

  const by = (k: Verdict['kind']) => [...verdicts].filter(([, v]) => v.kind === k);
  const equal = by('equal').length;
  const refused = by('refused');
  const wrong = by('wrong');
  const lines = [
    `read and equal: ${equal} / refused with reason: ${refused.length} / wrong: ${wrong.length}`,
    `table versions compared row by row with delta-rs: ${[...oracleVia].map(([via, n]) => `${n} via ${via}`).join(', ')}; without a delta-rs read (EXPECTED.md only): ${expectedOnly}`,
    ...refused.map(([name, v]) => `  refused ${name}: ${'why' in v ? v.why : ''}`),
    ...wrong.map(([name, v]) => `  WRONG ${name}: ${'why' in v ? v.why : ''}`),
    ...notes.map((n) => `  note ${n}`),
    ...Object.entries(REFERENCE_WRONG).map(([n, why]) => `  note ${n}: checked against EXPECTED.md, not delta-rs (${why})`),
  ];
  console.log(lines.join('\n'));
  assert.equal(verdicts.size, tables.length);
  assert.equal(wrong.length, 0, wrong.map(([n, v]) => `${n}: ${'why' in v ? v.why : ''}`).join('\n'));
  for (const name of BROKEN) {
    const entry = [...verdicts].find(([label]) => label.endsWith(`/${name}`));
    assert.equal(entry?.[1].kind, 'refused', `broken table ${name} must be refused`);
  }
});

async function copyWithMtimes(t: { after: (fn: () => Promise<void>) => void }, source: string, mtimes: Record<string, string | number>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shori-tt-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(source, dir, { recursive: true });
  for (const [file, when] of Object.entries(mtimes)) {
    const date = new Date(when);
    await utimes(path.join(dir, '_delta_log', file), date, date);
    assert.equal((await stat(path.join(dir, '_delta_log', file))).mtimeMs, date.getTime());
  }
  return dir;
}

const commit = (v: number) => `${String(v).padStart(20, '0')}.json`;

test('timestamp time travel: time-travel-start-start20-start40 (commit file mtimes, SA-TT)', { skip: corpus.skip }, async (t) => {
  const start = 1540415658000;
  const min = 60_000;
  const dir = await copyWithMtimes(t, path.join(shared, 'delta-golden/time-travel-start-start20-start40'), {
    [commit(0)]: start,
    [commit(1)]: start + 20 * min,
    [commit(2)]: start + 40 * min,
  });
  const table = await DeltaTable.open(dir);
  for (const [offset, version] of [
    [0, 0],
    [10, 0],
    [20, 1],
    [30, 1],
    [40, 2],
  ]) {
    assert.equal((await table.snapshotAtTimestamp(new Date(start + offset * min))).version, version, `start+${offset}min`);
  }
  await assert.rejects(table.snapshotAtTimestamp(new Date(start - 1)), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /before the earliest/.test(e.message));
});

test('timestamp time travel: simple_table ignores the uncommitted .tmp commit (delta-rs time_travel_by_ds)', { skip: corpus.skip }, async (t) => {
  const day = (d: number) => `2020-05-0${d}T22:47:31-07:00`;
  const dir = await copyWithMtimes(t, path.join(shared, 'delta-rs-tables/simple_table'), {
    [commit(0)]: day(1),
    [commit(1)]: day(2),
    [commit(2)]: day(3),
    [commit(3)]: day(4),
    [commit(4)]: day(5),
    [`.tmp/${commit(5)}`]: day(6),
  });
  const table = await DeltaTable.open(dir);
  const cases: Array<[string, number]> = [
    ['2020-05-02T22:47:31-07:00', 1],
    ['2020-05-02T23:47:31-07:00', 1],
    ['2020-05-03T22:47:31-07:00', 2],
    ['2020-05-04T22:47:31-07:00', 3],
    ['2020-05-05T21:47:31-07:00', 3],
    ['2020-05-05T22:47:31-07:00', 4],
    ['2020-05-25T22:47:31-07:00', 4],
  ];
  for (const [when, version] of cases) assert.equal((await table.snapshotAtTimestamp(new Date(when))).version, version, when);
});

test(
  'timestamp time travel: checkpoints_vacuumed starts at its oldest checkpoint (delta-rs time_travel_by_ds_checkpoint_vacuumed)',
  { skip: corpus.skip },
  async (t) => {
    const at = (d: string) => `2020-05-${d}T22:47:31-07:00`;
    const dir = await copyWithMtimes(t, path.join(shared, 'delta-rs-tables/checkpoints_vacuumed'), {
      '00000000000000000005.checkpoint.parquet': at('01'),
      [commit(5)]: at('02'),
      [commit(6)]: at('03'),
      [commit(7)]: at('04'),
      [commit(8)]: at('05'),
      [commit(9)]: at('06'),
      '00000000000000000010.checkpoint.parquet': at('06'),
      [commit(10)]: at('08'),
      [commit(11)]: at('09'),
      [commit(12)]: at('10'),
    });
    const table = await DeltaTable.open(dir);
    assert.equal(table.snapshot.version, 12);
    assert.equal((await table.snapshotAtTimestamp(new Date('2020-05-02T00:47:31-07:00'))).version, 5);
    assert.equal((await table.snapshotAtTimestamp(new Date('2020-05-09T00:47:31-07:00'))).version, 10);
  },
);

test('timestamp time travel: cdc_ict_table uses inCommitTimestamp, not file mtimes', { skip: corpus.skip }, async (t) => {
  // mtimes deliberately contradict the ICT values; v1's ICT (2023) is far before the others (2026).
  const dir = await copyWithMtimes(t, path.join(shared, 'delta-rs-tables/cdc_ict_table'), {
    [commit(0)]: 4_000_000_000_000,
    [commit(1)]: 4_000_000_000_000,
    [commit(2)]: 1000,
    [commit(3)]: 1000,
  });
  const table = await DeltaTable.open(dir);
  assert.equal((await table.snapshotAtTimestamp(new Date(1783874212175))).version, 2);
  assert.equal((await table.snapshotAtTimestamp(new Date(1783874213881))).version, 3);
  assert.equal((await table.snapshotAtTimestamp(new Date(1783874212174))).version, 1); // v0's ICT <= T, but v1's too and it is later
  assert.equal((await table.snapshotAtTimestamp(new Date(1683874206883))).version, 1);
  await assert.rejects(table.snapshotAtTimestamp(new Date(1683874206882)), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));
});
