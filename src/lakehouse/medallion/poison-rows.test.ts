// One bad row never stops the pipeline: each kind of event that cannot be applied lands in Bronze
// and in the quarantine (`silver/_rejected`, with its coordinates, table and reason), a decodable
// oversized event lands in Silver, and later good events for the same and other keys still land.
// With onBadRecord 'fail' the same batch stops with a fatal SHORI_BAD_RECORD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Medallion } from './medallion.ts';
import { isShoriError } from '../../errors.ts';
import { change, count, raw, rows, silverState } from './medallion-fixtures.ts';

const BIG = 'x'.repeat(5 * 1024 * 1024);

function poisonBatch(): ReturnType<typeof change>[] {
  return [
    change(0, 1, 'c', { TicketID: 1, EstimatedCost: '123456789012.00' }), // decimal overflow
    change(1, 2, 'c', { TicketID: null }), // NULL key
    change(2, 3, 'c', { TicketID: 'abc' }), // non-numeric key
    change(3, 4, 'x', { TicketID: 2 }), // unknown op
    raw(4, '{"before": null, "after": {"TicketID": 3', '{"TicketID": 3}'), // malformed JSON
    change(5, 6, 'c', { TicketID: 4, Description: BIG }), // 5 MB: decodable, fits
    change(6, 7, 'c', { TicketID: 5 }),
  ];
}

test('poison rows: each lands in Bronze and in _rejected (or Silver), later good events still land', async () => {
  const m = await Medallion.open(mkdtempSync(join(tmpdir(), 'poison-')));
  try {
    const first = await m.writeBatch(poisonBatch());
    assert.equal(first.rejected, 5);
    assert.equal(await count(m, m.bronze), 7, 'Bronze holds every record, bad ones included');
    const rejected = await rows(m, m.rejected, `"offset", "table", reason, payload IS NOT NULL AS has_payload, bronze_version`, 'ORDER BY 1');
    assert.deepEqual(
      rejected.map((r) => Number(r.offset)),
      [0, 1, 2, 3, 4],
    );
    assert.match(String(rejected[0].reason), /EstimatedCost: 123456789012\.00 is not a valid decimal\(10,2\)/);
    assert.match(String(rejected[1].reason), /key column TicketID is NULL/);
    assert.match(String(rejected[2].reason), /TicketID: abc is not a valid long/);
    assert.match(String(rejected[3].reason), /not decodable: .*unknown op/);
    assert.match(String(rejected[4].reason), /not decodable/);
    assert.deepEqual(
      rejected.map((r) => r.table),
      ['tickets', 'tickets', 'tickets', null, null],
    );
    assert.ok(rejected.every((r) => r.has_payload === true && Number(r.bronze_version) === m.bronze.snapshot.version));
    assert.deepEqual(
      await silverState(m),
      new Map([
        [4, 'Open/10.00'],
        [5, 'Open/10.00'],
      ]),
    );
    const big = await rows(m, m.silver, 'length("Description") AS n', `WHERE "TicketID" = 4`);
    assert.equal(Number(big[0].n), BIG.length);

    // Later good events for the same keys and others land.
    const later = await m.writeBatch([
      change(7, 8, 'c', { TicketID: 1, EstimatedCost: '12.50' }),
      change(8, 9, 'u', { TicketID: 5, Status: 'Closed' }),
      change(9, 10, 'c', { TicketID: 6 }),
    ]);
    assert.equal(later.rejected, 0);
    assert.deepEqual(
      await silverState(m),
      new Map([
        [1, 'Open/12.50'],
        [4, 'Open/10.00'],
        [5, 'Closed/10.00'],
        [6, 'Open/10.00'],
      ]),
    );
    assert.equal(await count(m, m.rejected), 5, 'nothing quarantined twice');
  } finally {
    await m.close();
  }
});

test('with onBadRecord fail, a bad row stops the catch-up with a fatal error, and again after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'poison-'));
  const m = await Medallion.open(dir, { onBadRecord: 'fail' });
  try {
    await m.writeBatch([change(0, 1, 'c', { TicketID: 1 })]);
    await m.appendBronze([change(1, 2, 'c', { TicketID: 'abc' }), change(2, 3, 'c', { TicketID: 2 })]);
    const fatal = (e: unknown) => isShoriError(e, 'SHORI_BAD_RECORD') && e.fatal && e.message.includes('TicketID: abc');
    await assert.rejects(m.catchUp(), fatal);
    await assert.rejects(m.catchUp(), fatal, 'a retry fails the same way');
    assert.deepEqual(await silverState(m), new Map([[1, 'Open/10.00']]), 'nothing of the bad batch applied');
    assert.equal(await count(m, m.rejected), 0);
  } finally {
    await m.close();
  }
});
