import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from '@shori/delta';
import { duck, tempDir } from '../../test/helpers/duck.ts';

const bin = fileURLToPath(new URL('../../bin/shori.js', import.meta.url));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
function shori(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'name', type: 'string' as const, nullable: true },
    { name: 'amount', type: 'decimal(10,2)' as const, nullable: true },
    { name: 'ts', type: 'timestamp' as const, nullable: true },
    { name: 'region', type: 'string' as const, nullable: true },
  ],
};

async function sampleTable(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; table: DeltaTable }> {
  const dir = await tempDir(t, 'cli-');
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, partitionColumns: ['region'], properties: { 'delta.enableChangeDataFeed': 'true' } });
  await table.append(conn, `SELECT 1 AS id, 'a' AS name, 1.50 AS amount, TIMESTAMPTZ '2024-05-01 12:00:00.123456+00' AS ts, 'eu' AS region`, {
    txns: [{ appId: 'job', version: 4 }],
  });
  await table.append(conn, `SELECT 2 AS id, NULL AS name, NULL AS amount, NULL AS ts, NULL AS region`);
  await table.merge(conn, {
    sourceSql: `SELECT 1 AS id, 'A' AS name, 2.25 AS amount, NULL::TIMESTAMPTZ AS ts, 'eu' AS region`,
    on: ['id'],
    whenMatched: [{ action: 'update' }],
  });
  return { dir, table };
}

test('inspect reports version, protocol, schema, files, txns and history', async (t) => {
  const { dir } = await sampleTable(t);
  const json = await shori('delta', 'inspect', dir, '--json');
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.version, 3);
  assert.deepEqual(report.protocol, { minReaderVersion: 1, minWriterVersion: 4 });
  assert.deepEqual(report.partitionColumns, ['region']);
  assert.deepEqual(report.txns, { job: 4 });
  assert.equal(report.numRows, 2);
  assert.deepEqual(
    report.schema.map((f: { name: string; type: string }) => `${f.name}:${f.type}`),
    ['id:long', 'name:string', 'amount:decimal(10,2)', 'ts:timestamp', 'region:string'],
  );
  assert.deepEqual(
    report.history.map((h: { operation: string }) => h.operation),
    ['MERGE', 'WRITE', 'WRITE', 'CREATE TABLE'],
  );
  const text = await shori('delta', 'inspect', dir);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^version\s+3$/m);
  assert.match(text.stdout, /^ {2}job = 4$/m);
  assert.match(text.stdout, /delta\.enableChangeDataFeed = true/);
});

test('cat prints one JSON object per row (lossless decimals, ISO timestamps), CSV, and time travel', async (t) => {
  const { dir, table } = await sampleTable(t);
  const r = await shori('delta', 'cat', dir);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .sort((a, b) => a.id - b.id);
  assert.deepEqual(rows, [
    { id: 1, name: 'A', amount: '2.25', ts: null, region: 'eu' },
    { id: 2, name: null, amount: null, ts: null, region: null },
  ]);
  const v1 = await shori('delta', 'cat', dir, '--version', '1');
  assert.deepEqual(
    v1.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [{ id: 1, name: 'a', amount: '1.50', ts: '2024-05-01T12:00:00.123456Z', region: 'eu' }],
  );
  // commit times are the commit files' modification times: space them a second apart
  const base = Date.now() - 10_000;
  for (let v = 0; v <= table.snapshot.version; v++) {
    const when = new Date(base + v * 1000);
    await utimes(path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`), when, when);
  }
  const at = String(base + 1500);
  const byTime = await shori('delta', 'cat', dir, '--timestamp', at);
  assert.equal(byTime.stdout, v1.stdout);
  const before = await shori('delta', 'cat', dir, '--timestamp', '2000-01-01T00:00:00Z');
  assert.equal(before.code, 1);
  assert.match(before.stderr, /2000-01-01T00:00:00.000Z is before the earliest available commit/);
  const csv = await shori('delta', 'cat', dir, '--format', 'csv', '--version', '1');
  assert.equal(csv.stdout, 'id,name,amount,ts,region\n1,a,1.50,2024-05-01 12:00:00.123456+00,eu\n');
});

test('changes prints the change data feed', async (t) => {
  const { dir } = await sampleTable(t);
  const r = await shori('delta', 'changes', dir, '--from', '1');
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((c) => `${c._commit_version}:${c._change_type}:${c.id}:${c.name}`)
    .sort();
  assert.deepEqual(got, ['1:insert:1:a', '2:insert:2:null', '3:update_postimage:1:A', '3:update_preimage:1:a']);
});

test('a refused table or a bad call exits non-zero with the reason on stderr', async (t) => {
  const dir = await tempDir(t, 'cli-');
  await mkdir(path.join(dir, '_delta_log'));
  await writeFile(
    path.join(dir, '_delta_log', '00000000000000000000.json'),
    [
      JSON.stringify({ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['someFutureFeature'], writerFeatures: ['someFutureFeature'] } }),
      JSON.stringify({
        metaData: {
          id: 'x',
          format: { provider: 'parquet', options: {} },
          schemaString: JSON.stringify({ type: 'struct', fields: [{ name: 'a', type: 'long', nullable: true, metadata: {} }] }),
          partitionColumns: [],
          configuration: {},
        },
      }),
    ].join('\n'),
  );
  const refused = await shori('delta', 'cat', dir);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /DELTA_UNSUPPORTED: .*someFutureFeature/);
  const missing = await shori('delta', 'inspect', path.join(dir, 'nope'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /DELTA_NOT_A_TABLE/);
  const usage = await shori('delta', 'cat', dir, '--format', 'xml');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--format must be json or csv/);
  const unknown = await shori('delta', 'cat', dir, '--bogus');
  assert.equal(unknown.code, 2);
});

test('optimize, vacuum (refused, dry run, forced) and checkpoint', async (t) => {
  const { dir } = await sampleTable(t);
  const opt = await shori('delta', 'optimize', dir, '--min-files', '2', '--json');
  assert.equal(opt.code, 0, opt.stderr);
  assert.equal(JSON.parse(opt.stdout).committed, false); // one file per partition: nothing to compact
  const refused = await shori('delta', 'vacuum', dir, '--retention-hours', '0');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /shorter than the table's delta.deletedFileRetentionDuration/);
  const dry = await shori('delta', 'vacuum', dir, '--retention-hours', '0', '--force', '--dry-run', '--json');
  const planned = JSON.parse(dry.stdout);
  assert.equal(planned.dryRun, true);
  // the merge replaced the eu file: its old file is a tombstone, deleted at retention 0 (cdc file too)
  assert.equal(planned.files.length, 2);
  const real = await shori('delta', 'vacuum', dir, '--retention-hours', '0', '--force');
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /deleted 2 files, \d+ bytes; retention 0 hours \(commits 4 VACUUM START, 5 VACUUM END\)/);
  const cp = await shori('delta', 'checkpoint', dir, '--json');
  assert.equal(cp.code, 0, cp.stderr);
  assert.equal(JSON.parse(cp.stdout).version, 5);
  assert.ok((await readdir(path.join(dir, '_delta_log'))).includes('00000000000000000005.checkpoint.parquet'));
  const after = await shori('delta', 'cat', dir);
  assert.equal(after.stdout.trim().split('\n').length, 2);
});
