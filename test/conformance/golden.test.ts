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
import { cp, readdir, stat, utimes, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, type Snapshot } from '../../src/lakehouse/delta/index.ts';
import { isShoriError, ShoriError } from '../../src/errors.ts';
import { canonicalRow } from './canonical.ts';
import { BROKEN, LOG_ONLY, parseDerived, SAME_ROWS_AS, STATED_LATEST_ROWS, type Derived } from './expected.ts';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(repo, '../shared/conformance');
const COLLECTIONS = ['delta-golden', 'delta-rs-tables'];
const NOT_TABLES = new Set(['log-store-read', 'log-store-listFrom']); // plain files for listing tests

interface TableRef { name: string; dir: string; collection: string }

async function discoverTables(): Promise<TableRef[]> {
  const out: TableRef[] = [];
  for (const collection of COLLECTIONS) {
    const root = path.join(shared, collection);
    for (const entry of (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      if (NOT_TABLES.has(entry)) continue;
      const dir = path.join(root, entry);
      if (existsSync(path.join(dir, '_delta_log')) || BROKEN.has(entry)) { out.push({ name: entry, dir, collection }); continue; }
      for (const sub of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
        if (existsSync(path.join(dir, sub, '_delta_log'))) out.push({ name: `${entry}/${sub}`, dir: path.join(dir, sub), collection });
      }
    }
  }
  return out;
}

interface OracleResult { version: number | null; files?: string[]; columns?: string[]; rows?: string[]; error?: string }

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
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
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

interface Ours { files: string[]; columns: string[]; rows?: string[]; numRows: number | null; error?: unknown; loadError?: unknown }

async function readOurs(conn: DuckDBConnection, table: DeltaTable, version: number, logOnly: boolean): Promise<Ours> {
  let snap: Snapshot;
  try {
    snap = await table.snapshotAt(version);
  } catch (loadError) {
    return { files: [], columns: [], numRows: null, loadError };
  }
  const result: Ours = { files: table.dataFileUris(snap).sort(), columns: snap.schema.fields.map((f) => f.name), numRows: snap.numRows };
  if (logOnly) return result;
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM ${table.scanSql(snap)}`);
    result.rows = reader.getRows().map((r) => canonicalRow(r, snap.schema.fields));
  } catch (error) {
    result.error = error;
  }
  return result;
}

function multisetDiff(a: string[], b: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) - 1);
  const extra = [...counts].filter(([, n]) => n > 0).map(([k]) => k);
  const missing = [...counts].filter(([, n]) => n < 0).map(([k]) => k);
  if (!extra.length && !missing.length) return undefined;
  return `ours has ${a.length} rows, reference ${b.length}; only ours: ${extra.slice(0, 3).join(' | ')}; only reference: ${missing.slice(0, 3).join(' | ')}`;
}

function reason(error: unknown): string {
  if (error instanceof ShoriError) {
    const feature = (error.context as { feature?: string } | undefined)?.feature;
    return `${error.code}${feature ? ` [${feature}]` : ''}: ${error.message}`;
  }
  return String((error as Error)?.message ?? error).split('\n')[0];
}

type Verdict = { kind: 'equal' } | { kind: 'refused'; why: string } | { kind: 'wrong'; why: string };

test('conformance: every table reads as delta-rs reads it, or is refused with a reason', { timeout: 900_000 }, async (t) => {
  const py = await pythonPath();
  if (!py) { t.skip('deltalake (delta-rs) is not installable here'); return; }
  const tables = await discoverTables();
  assert.ok(tables.length >= 115, `found only ${tables.length} tables`);
  const oracle = await runOracle(py, tables);
  const derived = new Map([
    ...parseDerived(path.join(shared, 'delta-golden/EXPECTED.md')),
    ...parseDerived(path.join(shared, 'delta-rs-tables/EXPECTED.md')),
  ]);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  t.after(() => { conn.closeSync(); instance.closeSync(); });

  const verdicts = new Map<string, Verdict>();
  const notes: string[] = [];
  for (const ref of tables) {
    const label = `${ref.collection}/${ref.name}`;
    const theirs = oracle.get(ref.dir) ?? new Map<number | null, OracleResult>();
    const logOnly = LOG_ONLY.has(ref.name);
    let table: DeltaTable;
    try {
      table = await DeltaTable.open(ref.dir);
    } catch (error) {
      const refOk = theirs.has(null);
      if (BROKEN.has(ref.name) || isShoriError(error, 'SHORI_DELTA_UNSUPPORTED') || refOk) {
        verdicts.set(label, { kind: 'refused', why: `${reason(error)}${refOk ? ' (delta-rs refuses too)' : ''}` });
      } else {
        verdicts.set(label, { kind: 'wrong', why: `refused, but delta-rs reads it: ${reason(error)}` });
      }
      continue;
    }
    if (BROKEN.has(ref.name)) { verdicts.set(label, { kind: 'wrong', why: 'broken table was read' }); continue; }
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
        if (!theyFail && !isShoriError(ourError, 'SHORI_DELTA_UNSUPPORTED')) problems.push(`${at}: we fail (${reason(ourError)}) but delta-rs reads it`);
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
      if (ref_?.rows) {
        if (JSON.stringify(ref_.columns) !== JSON.stringify(ours.columns)) problems.push(`${at} columns: ours ${ours.columns} vs ${ref_.columns}`);
        const diff = multisetDiff(rows, ref_.rows);
        if (diff) problems.push(`${at} rows: ${diff}`);
        continue;
      }
      // delta-rs could not read this version: EXPECTED.md decides.
      let checked = false;
      const stated = STATED_LATEST_ROWS[ref.name];
      if (stated && stated.version === v) {
        checked = true;
        if (JSON.stringify(stated.columns) !== JSON.stringify(ours.columns)) problems.push(`${at} columns: ours ${ours.columns} vs stated ${stated.columns}`);
        const diff = multisetDiff(rows, stated.rows);
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
    ...refused.map(([name, v]) => `  refused ${name}: ${'why' in v ? v.why : ''}`),
    ...wrong.map(([name, v]) => `  WRONG ${name}: ${'why' in v ? v.why : ''}`),
    ...notes.map((n) => `  note ${n}`),
  ];
  t.diagnostic(lines.join('\n'));
  console.log(lines.join('\n'));
  assert.equal(verdicts.size, tables.length);
  assert.equal(wrong.length, 0, wrong.map(([n, v]) => `${n}: ${'why' in v ? v.why : ''}`).join('\n'));
  for (const name of BROKEN) {
    const entry = [...verdicts].find(([label]) => label.endsWith(`/${name}`));
    assert.equal(entry?.[1].kind, 'refused', `broken table ${name} must be refused`);
  }
});
