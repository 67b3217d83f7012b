import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Medallion } from './medallion.ts';
import { BUILTIN_GOLD_DIR, GoldRefresher, loadGoldDefinitions } from './gold.ts';
import { DeltaTable } from '@shori/delta';
import { encodeKey, encodeValue, embeddedTopic } from '../../sources/embedded/debezium-envelope.ts';
import { isShoriError } from '../../errors.ts';

const row = (id: number, status: 'Open' | 'Closed', priority: 'Low' | 'High') => ({
  TicketID: id,
  Title: 't',
  Description: null,
  Status: status,
  Priority: priority,
  Category: 'c',
  CustomerID: 1,
  AssignedTo: null,
  EstimatedCost: '1.25',
  CreatedAt: '2026-01-01T00:00:00.000000Z',
  UpdatedAt: '2026-01-01T00:00:00.000000Z',
  ResolvedAt: null,
});

test('a Gold table is added by dropping a SQL file; it is recomputed only when Silver moved', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gold-'));
  const extra = mkdtempSync(join(tmpdir(), 'gold-sql-'));
  writeFileSync(join(extra, 'high_priority_open.sql'), `SELECT count(*)::BIGINT AS n FROM {{silver.tickets}} WHERE "Priority" = 'High' AND "Status" = 'Open'`);
  const m = await Medallion.open(dataDir);
  try {
    const topic = embeddedTopic('shorisql_1');
    const records = [row(1, 'Open', 'High'), row(2, 'Open', 'Low'), row(3, 'Closed', 'High')].map((r, i) => ({
      stream: topic,
      partition: 0,
      position: i,
      key: encodeKey('shorisql_1', r.TicketID),
      value: encodeValue({ source: 'shorisql_1', op: 'c', before: null, after: r, position: i, lsn: i, eventSerialNo: 1, commitTsMs: 0 }),
      timestamp: 0,
    }));
    await m.writeBatch(records);
    const definitions = loadGoldDefinitions([BUILTIN_GOLD_DIR, extra]);
    assert.ok(definitions.some((d) => d.name === 'tickets_by_status'));
    const gold = new GoldRefresher(dataDir, definitions);
    const sources = { 'silver.tickets': m.silver, 'silver.tickets_history': m.history, 'bronze.cdc_events': m.bronze };
    assert.equal(await gold.refresh(m.conn, sources), true);
    assert.equal(await gold.refresh(m.conn, sources), false, 'Silver did not move: nothing recomputed');
    const table = await DeltaTable.open(join(dataDir, 'datalake/gold/high_priority_open'));
    const rows = (await m.conn.runAndReadAll(`SELECT n FROM ${table.scanSql()} t`)).getRowObjectsJson();
    assert.deepEqual(
      rows.map((r) => Number(r.n)),
      [1],
    );
    assert.deepEqual(
      table.snapshot.schema.fields.map((f) => [f.name, f.type]),
      [['n', 'long']],
    );
  } finally {
    await m.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(extra, { recursive: true, force: true });
  }
});

test('a Gold file name that cannot be a table name is refused with the file named', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gold-sql-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'Bad Name.sql'), 'SELECT 1');
  assert.throws(
    () => loadGoldDefinitions([dir]),
    (e: unknown) => isShoriError(e, 'SHORI_CONFIG_INVALID') && e.message.includes('Bad Name.sql'),
  );
});
