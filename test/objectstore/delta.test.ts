// Every Delta operation on each object store (real servers on loopback, started once for this
// file): append, merge, update, delete, checkpoints and _last_checkpoint, log cleanup, optimize,
// vacuum, time travel, the Change Data Feed, two racing writers through the conflict checker, the
// `shori delta` CLI on a URI; a second lake with an empty cache reads every version the same; and
// delta-rs reads every version we wrote on the store, and writes a table there that we read and
// append to (delta-rs then reads our commit). Under CI=true a missing delta-rs fails, never skips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, type DeltaSchema, type Storage } from '@shori/delta';
import { Lake } from '../../src/lakehouse/lake/lake.ts';
import { duck, rows, tempDir } from '../helpers/duck.ts';
import { REPO } from '../helpers/service-process.ts';
import { abfssUri, startStore, type StoreKind, type StoreServer } from '../helpers/object-stores.ts';

const run = promisify(execFile);
const TOOL = path.join(REPO, 'test/interop/delta_rs_tool.py');

const SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: false, metadata: {} },
    { name: 'name', type: 'string', nullable: true, metadata: {} },
    { name: 'amount', type: 'decimal(10,2)', nullable: true, metadata: {} },
  ],
};

let pythonPath: Promise<string | undefined> | undefined;
async function python(t: { skip: (msg: string) => void }): Promise<string | undefined> {
  pythonPath ??= run('bash', [path.join(REPO, 'scripts/ensure-python-deps.sh')], { timeout: 900_000 })
    .then(({ stdout }) => stdout.trim().split('\n').pop())
    .catch((error: Error) => {
      if (process.env.CI === 'true') throw error;
      return undefined;
    });
  const py = await pythonPath;
  if (!py) t.skip('deltalake (delta-rs) is not installable here');
  return py;
}

async function deltaRs<T>(server: StoreServer, py: string, ...args: string[]): Promise<T> {
  const env = { ...process.env, ...server.deltaRs.env, DELTA_RS_STORAGE_OPTIONS: JSON.stringify(server.deltaRs.options) };
  const { stdout } = await run(py, [TOOL, ...args], { env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

const values = (from: number, n: number, name = 'n') =>
  `SELECT * FROM (VALUES ${Array.from({ length: n }, (_, i) => `(${from + i}, '${name}${from + i}', ${(from + i) * 1.5})`).join(', ')}) AS v(id, name, amount)`;

async function contents(conn: DuckDBConnection, table: DeltaTable, version?: number): Promise<string[]> {
  const snap = version === undefined ? table.snapshot : await table.snapshotAt(version);
  const list = await rows(conn, `SELECT id, name, CAST(amount AS VARCHAR) AS amount FROM ${await table.scan(snap)} ORDER BY id`);
  return list.map((r) => `${r.id}|${r.name}|${r.amount}`);
}

for (const kind of ['s3', 'azure'] as StoreKind[]) {
  describe(`Delta on ${kind}`, () => {
    let server: StoreServer;
    before(async () => {
      server = await startStore(kind);
    });
    after(async () => {
      await server?.stop();
    });

    async function openLake(t: Parameters<typeof tempDir>[0], uri: string): Promise<Lake> {
      return Lake.open({ uri, dataDir: await tempDir(t, 'lake-'), env: server.env });
    }

    test('append, merge, update, delete, checkpoints, optimize, vacuum, log cleanup, time travel, CDF; a fresh cache reads the same', async (t) => {
      const conn = await duck(t);
      const uri = await server.lake();
      const lake = await openLake(t, uri);
      const storage: Storage = lake.table('silver', 'items');
      const table = await DeltaTable.createIfAbsent(storage, {
        schema: SCHEMA,
        name: 'items',
        properties: { 'delta.enableChangeDataFeed': 'true', 'delta.checkpointInterval': '3', 'delta.logRetentionDuration': 'interval 1 days' },
      });
      const expected: string[][] = [await contents(conn, table)];
      const step = async (work: Promise<unknown>) => {
        await work;
        expected[table.snapshot.version] = await contents(conn, table);
      };
      await step(table.append(conn, values(1, 5)));
      await step(table.append(conn, values(6, 5)));
      await step(table.merge(conn, { sourceSql: values(4, 4, 'm'), on: ['id'], whenMatched: [{ action: 'update' }], whenNotMatched: [{ action: 'insert' }] }));
      await step(table.update(conn, { set: { name: "'updated'" }, where: 'id = 2' }));
      await step(table.delete(conn, 'id = 1'));
      await step(table.append(conn, values(11, 2)));
      assert.ok(table.snapshot.files.length >= 2);
      await step(table.optimize(conn, { minFiles: 2 }));
      assert.equal(table.snapshot.version, 7);
      assert.equal(table.lastCheckpointError, undefined);
      const lastCheckpoint = JSON.parse(Buffer.from((await storage.get('_delta_log/_last_checkpoint'))!).toString());
      assert.equal(lastCheckpoint.version, 6, 'checkpoints at 3 and 6, _last_checkpoint points at 6');
      assert.ok(await storage.stat('_delta_log/00000000000000000003.checkpoint.parquet'));
      assert.equal(table.snapshot.files.length, 1, 'optimize compacted the files into one');
      assert.deepEqual(expected[7], [
        '2|updated|3.00',
        '3|n3|4.50',
        '4|m4|6.00',
        '5|m5|7.50',
        '6|m6|9.00',
        '7|m7|10.50',
        '8|n8|12.00',
        '9|n9|13.50',
        '10|n10|15.00',
        '11|n11|16.50',
        '12|n12|18.00',
      ]);
      assert.deepEqual(expected[6], expected[7], 'optimize changes no row');

      // Every version reads the same through a second lake whose cache starts empty.
      const other = await DeltaTable.open((await openLake(t, uri)).table('silver', 'items'));
      for (let v = 0; v <= 7; v++) assert.deepEqual(await contents(conn, other, v), expected[v], `version ${v}`);

      // Change data feed across the merge (v3) and the delete (v5).
      const changes = await table.changes(3, 5, conn);
      // (ids sort as text: single digits only here)
      const kinds = changes.map((c) => `${c._commit_version}:${c._change_type}:${c.id}`).sort();
      assert.deepEqual(
        kinds.filter((k) => k.startsWith('5:')),
        ['5:delete:1'],
      );
      assert.deepEqual(
        kinds.filter((k) => k.startsWith('3:update_postimage')),
        ['3:update_postimage:4', '3:update_postimage:5', '3:update_postimage:6', '3:update_postimage:7'],
        'ids 4..7 updated by the merge',
      );
      assert.equal(kinds.filter((k) => k.startsWith('3:update_preimage')).length, 4);
      assert.deepEqual(
        kinds.filter((k) => k.startsWith('4:')),
        ['4:update_postimage:2', '4:update_preimage:2'],
      );

      // Vacuum with no retention removes every file no longer referenced; the latest still reads.
      const before = (await storage.listRecursive('')).filter((f) => f.path.endsWith('.parquet') && !f.path.startsWith('_delta_log')).length;
      const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
      assert.ok(vacuumed.files.length > 0 && vacuumed.files.length < before);
      for (const f of vacuumed.files) assert.equal(await storage.stat(f.path), undefined, `${f.path} deleted from the store`);
      assert.deepEqual(await contents(conn, await DeltaTable.open((await openLake(t, uri)).table('silver', 'items'))), expected[7]);

      // Log cleanup: with the clock far ahead, commits before the latest checkpoint go.
      const cleaned = await table.cleanupLog({ now: Date.now() + 3 * 86_400_000 });
      assert.ok(cleaned.deleted.length > 0, 'old log files deleted');
      assert.equal(await storage.get('_delta_log/00000000000000000000.json'), undefined);
      assert.deepEqual(await contents(conn, await DeltaTable.open((await openLake(t, uri)).table('silver', 'items'))), expected[7]);
    });

    test('two writers racing on one table: every commit lands once, losers retry through the conflict checker', async (t) => {
      const conn = await duck(t);
      const uri = await server.lake();
      const a = await DeltaTable.createIfAbsent((await openLake(t, uri)).table('bronze', 'events'), { schema: SCHEMA, name: 'events' });
      const b = await DeltaTable.open((await openLake(t, uri)).table('bronze', 'events'));
      const results = await Promise.all(
        [...Array.from({ length: 5 }, (_, i) => a.append(conn, values(100 + i * 10, 3)))].concat(
          Array.from({ length: 5 }, (_, i) => b.append(conn, values(500 + i * 10, 3))),
        ),
      );
      const versions = results.map((r) => r.version).sort((x, y) => x - y);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'ten commits, ten distinct versions');
      await a.refresh();
      assert.equal((await contents(conn, a)).length, 30, 'no append lost');
    });

    test(`the shori delta CLI works on a table URI${kind === 'azure' ? ' (abfss://, the same blobs as az://)' : ''}`, async (t) => {
      const conn = await duck(t);
      const uri = await server.lake();
      const table = await DeltaTable.createIfAbsent((await openLake(t, uri)).table('gold', 'cli'), { schema: SCHEMA, name: 'cli' });
      await table.append(conn, values(1, 3));
      await table.append(conn, values(4, 3));
      const env = { ...process.env, ...server.env, DATA_DIR: await tempDir(t, 'cli-') };
      const shori = (...args: string[]) => run(process.execPath, [path.join(REPO, 'bin/shori.js'), 'delta', ...args], { env, timeout: 120_000 });
      // On Azure the CLI is given the ADLS Gen2 form of the table written through az://.
      const tableUri = `${kind === 'azure' ? abfssUri(uri) : uri}/gold/cli`;
      const inspected = JSON.parse((await shori('inspect', tableUri, '--json')).stdout);
      assert.equal(inspected.version, 2);
      const cat = (await shori('cat', tableUri, '--version', '1')).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id);
      assert.deepEqual(
        cat.map(Number).sort((x: number, y: number) => x - y),
        [1, 2, 3],
      );
      await shori('optimize', tableUri, '--min-files', '2');
      await table.refresh();
      assert.equal(table.snapshot.files.length, 1);
    });

    test('delta-rs reads every version we wrote; a table delta-rs wrote is read and appended by ours', async (t) => {
      const py = await python(t);
      if (!py) return;
      const conn = await duck(t);
      const uri = await server.lake();
      const ours = await DeltaTable.createIfAbsent((await openLake(t, uri)).table('silver', 'ours'), {
        schema: SCHEMA,
        name: 'ours',
        properties: { 'delta.checkpointInterval': '2' },
      });
      await ours.append(conn, values(1, 4));
      await ours.merge(conn, { sourceSql: values(3, 3, 'm'), on: ['id'], whenMatched: [{ action: 'update' }], whenNotMatched: [{ action: 'insert' }] });
      await ours.delete(conn, 'id = 2');
      for (let v = 0; v <= ours.snapshot.version; v++) {
        const read: { version: number; rows: Array<Record<string, string | null>> } = await deltaRs(server, py, 'read', `${uri}/silver/ours`, String(v));
        assert.equal(read.version, v);
        const seen = read.rows.map((r) => `${r.id}|${r.name}|${Number(r.amount).toFixed(2)}`).sort();
        assert.deepEqual(seen, (await contents(conn, ours, v)).sort(), `delta-rs at version ${v}`);
      }

      const theirUri = `${uri}/silver/theirs`;
      await deltaRs(server, py, 'write-tickets', theirUri);
      const theirs = await DeltaTable.open((await openLake(t, uri)).table('silver', 'theirs'));
      const before = await deltaRs<{ version: number; rows: unknown[] }>(server, py, 'read', theirUri);
      assert.equal(theirs.snapshot.version, before.version);
      const count = async () => Number((await rows(conn, `SELECT count(*) AS n FROM ${await theirs.scan()}`))[0].n);
      assert.equal(await count(), before.rows.length, 'we read what delta-rs wrote');
      await theirs.append(
        conn,
        `SELECT 'src_z' AS source, 900 AS "TicketID", 'ours' AS "Title", 'Open' AS "Status", 1.25 AS "EstimatedCost", TIMESTAMPTZ '2026-11-30 10:00:00+00' AS "UpdatedAt"`,
      );
      const after = await deltaRs<{ version: number; rows: Array<Record<string, string | null>> }>(server, py, 'read', theirUri);
      assert.equal(after.version, before.version + 1);
      assert.ok(
        after.rows.some((r) => r.TicketID === '900' && r.Title === 'ours'),
        'delta-rs reads our append',
      );
      assert.equal(await count(), before.rows.length + 1);
    });
  });
}
