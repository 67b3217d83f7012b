// Table maintenance honours LAKEHOUSE_VACUUM_RETENTION_HOURS: VACUUM deletes what no version of the
// last N hours needs (here: leftovers of failed writes, judged by their age), on every table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Medallion } from './medallion.ts';
import { change, silverState } from './medallion-fixtures.ts';

/** A file a crashed write left in `table`, last modified `hoursAgo`. */
function leftover(dataDir: string, table: string, hoursAgo: number): string {
  const file = join(dataDir, 'datalake', table, `part-00000-${randomUUID()}-c000.snappy.parquet`);
  writeFileSync(file, 'left by a crashed write');
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  utimesSync(file, at, at);
  return file;
}

const threads = async (m: Medallion) => Number((await m.conn.runAndReadAll("SELECT current_setting('threads') AS n")).getRowObjects()[0]?.n);

test('VACUUM keeps the files of the last LAKEHOUSE_VACUUM_RETENTION_HOURS hours, on every table', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shori-maintain-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const m = await Medallion.open(dataDir);
  t.after(() => m.close());
  await m.writeBatch([change(0, 1, 'c', { TicketID: 1 }), change(1, 2, 'c', { TicketID: 2 })]);
  await m.writeBatch([change(2, 3, 'u', { TicketID: 1, Status: 'Closed' })]);
  const before = await silverState(m);
  const threadsBefore = await threads(m);

  const tables = ['bronze/cdc_events', 'silver/tickets', 'silver/tickets_history'];
  const old = tables.map((table) => leftover(dataDir, table, 10 * 24)); // 10 days
  const recent = tables.map((table) => leftover(dataDir, table, 3)); // 3 hours

  // Unset: each table's own retention (7 days by default).
  assert.equal((await m.maintain({ vacuum: true })).vacuumedFiles, old.length);
  assert.ok(old.every((f) => !existsSync(f)) && recent.every((f) => existsSync(f)), 'only the 10-day-old leftovers went');
  // 168 h (the default knob): the 3-hour-old ones stay.
  assert.equal((await m.maintain({ vacuum: true, retentionHours: 168 })).vacuumedFiles, 0);
  assert.ok(recent.every((f) => existsSync(f)));
  // 2 h: shorter than the tables' 7 days, and still honoured (the operator chose it).
  assert.equal((await m.maintain({ vacuum: true, retentionHours: 2 })).vacuumedFiles, recent.length);
  assert.ok(recent.every((f) => !existsSync(f)));
  // Live files are never touched, and the writer's DuckDB gets its threads back after maintenance.
  assert.deepEqual(await silverState(m), before);
  assert.equal(await threads(m), threadsBefore);
  assert.deepEqual(
    [...before],
    [
      [1, 'Closed/10.00'],
      [2, 'Open/10.00'],
    ],
  );
});
