// Each derived step is idempotent on its own: a crash before or after any table's commit (simulated
// by a step whose commit throws, or throws once it committed, and a fresh Medallion on the same
// folder), then the feed redelivering the uncommitted batch, ends with every table exactly as if
// nothing had happened: Bronze holds each feed record once, Silver the newest state, history each
// change once, the quarantine each reject once, and a deleted key stays deleted when an older
// create is re-published afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Medallion } from './medallion.ts';
import type { DeltaTable } from '@shori/delta';
import { appliedBronzeVersion } from './applied-version.ts';
import { change, count, historyIds, raw, rows, silverState, truncate } from './medallion-fixtures.ts';

const batch1 = () => [change(0, 1, 'c', { TicketID: 1 }), change(1, 2, 'c', { TicketID: 2 }), change(2, 3, 'c', { TicketID: 3 })];
const batch2 = () => [
  change(3, 4, 'u', { TicketID: 1, Status: 'Closed' }),
  change(4, 5, 'd', { TicketID: 2 }),
  raw(5, '{"payload": {"op": "c"'), // malformed: quarantined
  change(6, 6, 'c', { TicketID: 4, EstimatedCost: '123456789012.00' }), // does not fit decimal(10,2)
  change(7, 7, 'u', { TicketID: 3, Status: 'Resolved' }),
];
// Debezium re-publishes older events at new offsets, then a new change arrives.
const batch3 = () => [change(8, 2, 'c', { TicketID: 2 }), change(9, 4, 'u', { TicketID: 1, Status: 'Closed' }), change(10, 8, 'c', { TicketID: 5 })];

const EXPECTED_SILVER = new Map([
  [1, 'Closed/10.00'],
  [3, 'Resolved/10.00'],
  [5, 'Open/10.00'],
]);
const EXPECTED_HISTORY = ['1:c:1', '2:c:2', '3:c:3', '4:u:1', '5:d:2', '7:u:3', '8:c:5'];

type TableKey = 'rejected' | 'deleted' | 'silver' | 'history';
const tableOf = (m: Medallion, key: TableKey): DeltaTable =>
  key === 'rejected' ? m.rejected : key === 'deleted' ? m.specTables[0].deleted : key === 'silver' ? m.silver : m.history;
const methodOf = (key: TableKey): 'append' | 'merge' => (key === 'rejected' || key === 'history' ? 'append' : 'merge');

/** Makes the table's next commit "crash": before it is written, or right after it is. */
function crashOnce(table: DeltaTable, method: 'append' | 'merge', when: 'before' | 'after'): void {
  const original = table[method].bind(table) as (...args: unknown[]) => Promise<unknown>;
  (table as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    (table as unknown as Record<string, unknown>)[method] = original;
    if (when === 'after') await original(...args);
    throw new Error(`injected crash ${when} the ${table.location} commit`);
  };
}

async function assertFinal(m: Medallion): Promise<void> {
  assert.equal(await count(m, m.bronze), 11, 'Bronze holds each feed record once');
  const distinct = await rows(m, m.bronze, 'count(DISTINCT (topic, "partition", "offset")) AS n');
  assert.equal(Number(distinct[0].n), 11);
  assert.deepEqual(await silverState(m), EXPECTED_SILVER);
  assert.deepEqual(await historyIds(m), EXPECTED_HISTORY);
  assert.equal(await count(m, m.rejected), 2, 'each reject once');
  for (const t of m.tables().slice(1)) assert.equal(appliedBronzeVersion(t), m.bronze.snapshot.version, `${t.location} caught up`);
}

for (const key of ['rejected', 'deleted', 'silver', 'history'] as const) {
  for (const when of ['before', 'after'] as const) {
    test(`a crash ${when} the ${key} commit: the restart catches up and every table ends exactly once`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crash-'));
      const first = await Medallion.open(dir);
      await first.writeBatch(batch1());
      crashOnce(tableOf(first, key), methodOf(key), when);
      await assert.rejects(first.writeBatch(batch2()), /injected crash/);
      await first.close();
      // The restart: the feed redelivers batch 2 (its positions were committed or not: both are fine).
      const second = await Medallion.open(dir);
      try {
        const again = await second.writeBatch(batch2());
        assert.equal(again.appended, 0, 'Bronze already held batch 2');
        await second.writeBatch(batch3());
        await assertFinal(second);
      } finally {
        await second.close();
      }
    });
  }
}

test('derived tables several Bronze versions behind catch up from Bronze (recovery path) to the same result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crash-'));
  const first = await Medallion.open(dir);
  for (const b of [batch1(), batch2(), batch3()]) await first.appendBronze(b);
  await first.close();
  const second = await Medallion.open(dir);
  try {
    const result = await second.catchUp();
    assert.equal(result.versionsApplied, 3);
    assert.equal(result.rejected, 2);
    assert.equal(result.redelivered, 2, 'the re-published create and update are recognised');
    await assertFinal(second);
    // Running again changes nothing.
    const versions = second.tables().map((t) => t.snapshot.version);
    assert.equal((await second.catchUp()).versionsApplied, 0);
    assert.deepEqual(
      second.tables().map((t) => t.snapshot.version),
      versions,
    );
  } finally {
    await second.close();
  }
});

test('Bronze positions are never lowered: a restart batch split differently appends only what is new', async () => {
  const m = await Medallion.open(mkdtempSync(join(tmpdir(), 'crash-')));
  try {
    const both = [0, 1, 2, 3, 4].flatMap((i) => [change(i, 10 + i, 'c', { TicketID: 10 + i }, 0), change(i, 20 + i, 'c', { TicketID: 20 + i }, 1)]);
    await m.appendBronze(both);
    // Partition 0 redelivered alone up to 2 (another split), then partition 1 beyond what it held.
    const replay = await m.appendBronze([0, 1, 2].map((i) => change(i, 10 + i, 'c', { TicketID: 10 + i }, 0)));
    assert.equal(replay.appended, 0);
    const txn = (p: number) => m.bronze.snapshot.txnVersion(`shori:${m.bronze.snapshot.version >= 0 ? 'shorisql_1.TicketsDb.dbo.Tickets' : ''}:${p}`);
    assert.equal(txn(0), 4, 'partition 0 still at 4, not lowered to 2');
    const next = await m.appendBronze([change(4, 24, 'c', { TicketID: 24 }, 1), change(5, 25, 'c', { TicketID: 25 }, 1)]);
    assert.equal(next.appended, 1, 'only offset 5 of partition 1 is new');
    assert.equal(txn(1), 5);
    assert.deepEqual(
      await m.resumePositions([
        { stream: 'shorisql_1.TicketsDb.dbo.Tickets', partition: 0 },
        { stream: 'shorisql_1.TicketsDb.dbo.Tickets', partition: 1 },
      ]),
      [
        { stream: 'shorisql_1.TicketsDb.dbo.Tickets', partition: 0, next: 5 },
        { stream: 'shorisql_1.TicketsDb.dbo.Tickets', partition: 1, next: 6 },
      ],
    );
    await m.catchUp();
    assert.equal(await count(m, m.bronze), 11);
    assert.equal((await silverState(m)).size, 11);
  } finally {
    await m.close();
  }
});

test('a truncate in the same batch as a create remembers that create deleted; a later re-publication stays deleted', async () => {
  const m = await Medallion.open(mkdtempSync(join(tmpdir(), 'crash-')));
  try {
    await m.writeBatch([change(0, 1, 'c', { TicketID: 1 }), change(1, 2, 'c', { TicketID: 2 })]);
    await m.writeBatch([change(2, 3, 'c', { TicketID: 3 }), truncate(3, 4), change(4, 5, 'c', { TicketID: 4 })]);
    assert.deepEqual(await silverState(m), new Map([[4, 'Open/10.00']]));
    // Re-published creates of 2 and 3, older than the truncate, come back later: nothing returns.
    await m.writeBatch([change(5, 2, 'c', { TicketID: 2 }), change(6, 3, 'c', { TicketID: 3 })]);
    assert.deepEqual(await silverState(m), new Map([[4, 'Open/10.00']]));
    const memory = await count(m, m.specTables[0].deleted, `WHERE _kind = 't'`);
    assert.equal(memory, 1, 'the truncate is remembered');
  } finally {
    await m.close();
  }
});
