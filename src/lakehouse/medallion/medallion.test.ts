// Pins the medallion's apply semantics on hand-built Debezium records: source order within a batch,
// redelivery of committed positions (txn skip), stale events after a delete (the deleted-key memory),
// stale snapshot reads, and truncates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Medallion } from './medallion.ts';
import { ENGINE_INFO } from '../engine.ts';
import { parseTablesConfig, TablesConfig } from '../../config/tables-config.ts';
import { encodeKey, encodeValue, embeddedTopic } from '../../sources/embedded/debezium-envelope.ts';
import type { TicketRow } from '../../sources/embedded/tickets-schema.ts';
import type { FeedRecord } from '../../feeds/feed.ts';

const SOURCE = 'shorisql_1';
const STREAM = embeddedTopic(SOURCE);

function ticket(id: number, status: TicketRow['Status'], cost = '10.00'): TicketRow {
  return {
    TicketID: id,
    Title: `t${id}`,
    Description: null,
    Status: status,
    Priority: 'High',
    Category: 'Network',
    CustomerID: 1001,
    AssignedTo: null,
    EstimatedCost: cost,
    CreatedAt: '2026-01-01T00:00:00.000001Z',
    UpdatedAt: '2026-01-01T00:00:00.000002Z',
    ResolvedAt: null,
  };
}

/** A record at feed `position` whose source order is `lsn` (they differ on redelivery). */
function change(position: number, lsn: number, op: 'c' | 'u' | 'd' | 'r', row: TicketRow): FeedRecord {
  return {
    stream: STREAM,
    partition: 0,
    position,
    key: encodeKey(SOURCE, row.TicketID),
    value: encodeValue({
      source: SOURCE,
      op,
      before: op === 'c' || op === 'r' ? null : row,
      after: op === 'd' ? null : row,
      position: lsn,
      lsn,
      eventSerialNo: 1,
      commitTsMs: Date.now(),
    }),
    timestamp: Date.now(),
  };
}

function truncate(position: number, lsn: number): FeedRecord {
  const payload = {
    before: null,
    after: null,
    source: { version: '1', connector: 'embedded', name: SOURCE, ts_ms: Date.now(), snapshot: 'false', db: 'TicketsDb', schema: 'dbo', table: 'Tickets', lsn },
    op: 't',
    ts_ms: Date.now(),
  };
  return { stream: STREAM, partition: 0, position, key: null, value: Buffer.from(JSON.stringify(payload)), timestamp: Date.now() };
}

async function silver(m: Medallion): Promise<Map<number, string>> {
  await m.silver.refresh();
  const rows = (
    await m.conn.runAndReadAll(`SELECT "TicketID", "Status", CAST("EstimatedCost" AS VARCHAR) AS c FROM ${m.silver.scanSql()} t ORDER BY 1`)
  ).getRowObjectsJson();
  return new Map(rows.map((r) => [Number(r.TicketID), `${r.Status}/${r.c}`]));
}

async function bronzeCount(m: Medallion): Promise<number> {
  await m.bronze.refresh();
  return Number((await m.conn.runAndReadAll(`SELECT count(*) AS n FROM ${m.bronze.scanSql()} t`)).getRowObjectsJson()[0].n);
}

/**
 * Source order, redelivery, stale events after deletes, stale snapshot reads and a truncate, as
 * Silver must show them (with or without history).
 */
async function appliesInSourceOrder(m: Medallion): Promise<void> {
  // Within a batch the newest change per key wins, whatever the order of arrival.
  const batchA = [change(10, 10, 'c', ticket(1, 'Open')), change(11, 11, 'c', ticket(2, 'Open')), change(12, 12, 'u', ticket(1, 'InProgress', '20.00'))];
  const a = await m.writeBatch(batchA);
  assert.deepEqual(
    await silver(m),
    new Map([
      [1, 'InProgress/20.00'],
      [2, 'Open/10.00'],
    ]),
  );
  assert.deepEqual(a.positions, [{ stream: STREAM, partition: 0, next: 13 }]);

  // Redelivery of committed positions changes nothing, in any table.
  await m.writeBatch(batchA);
  assert.equal(await bronzeCount(m), 3);
  assert.deepEqual(
    await silver(m),
    new Map([
      [1, 'InProgress/20.00'],
      [2, 'Open/10.00'],
    ]),
  );

  // A delete, then (at new positions, as Debezium redelivers after a connector crash) older events
  // for the deleted key and for a live key: neither may win.
  await m.writeBatch([change(13, 13, 'd', ticket(2, 'Open'))]);
  await m.writeBatch([change(14, 11, 'c', ticket(2, 'Open')), change(15, 10, 'c', ticket(1, 'Open'))]);
  assert.deepEqual(await silver(m), new Map([[1, 'InProgress/20.00']]));

  // A snapshot read older than the streamed state does not overwrite it; a newer one does.
  await m.writeBatch([change(16, 9, 'r', ticket(1, 'Closed'))]);
  assert.deepEqual(await silver(m), new Map([[1, 'InProgress/20.00']]));
  // A re-created key (newer than its delete) comes back.
  await m.writeBatch([change(17, 20, 'c', ticket(2, 'Resolved', '5.50'))]);
  assert.deepEqual(
    await silver(m),
    new Map([
      [1, 'InProgress/20.00'],
      [2, 'Resolved/5.50'],
    ]),
  );

  // Truncate: everything older goes; a change after it in the same batch stays.
  await m.writeBatch([truncate(18, 21), change(19, 22, 'c', ticket(3, 'Open'))]);
  assert.deepEqual(await silver(m), new Map([[3, 'Open/10.00']]));
  // A replay of an event older than the truncate cannot bring a truncated row back.
  await m.writeBatch([change(20, 20, 'c', ticket(2, 'Resolved', '5.50'))]);
  assert.deepEqual(await silver(m), new Map([[3, 'Open/10.00']]));
  // Bronze is the log: every feed record once, the re-publications (positions 14, 15, 16, 20) too.
  assert.equal(await bronzeCount(m), 11, 'Bronze keeps every feed record once, the truncate included');
}

/** History rows as `seq:op:id` (each source change once). */
async function historyRows(m: Medallion): Promise<string[]> {
  await m.history.refresh();
  const rows = (await m.conn.runAndReadAll(`SELECT _seq, _op, "TicketID" FROM ${m.history.scanSql()} t ORDER BY 1, 2, 3`)).getRowObjectsJson();
  return rows.map((r) => `${Number(r._seq)}:${r._op}:${r.TicketID}`);
}

// c1, c2, u1, d2, r1@9, c2@20, c3@22 (the truncate is not a row change)
const SEQUENCE_HISTORY = ['9:r:1', '10:c:1', '11:c:2', '12:u:1', '13:d:2', '20:c:2', '22:c:3'];

test('source order, redelivery, stale events after deletes, stale snapshot reads, truncate', async () => {
  const m = await Medallion.open(mkdtempSync(join(tmpdir(), 'medallion-')));
  try {
    await appliesInSourceOrder(m);
    // History holds each source change once: the re-published events (same lsn, key and op) are not added again.
    await m.history.refresh();
    const history = (
      await m.conn.runAndReadAll(`SELECT _seq, _op, "TicketID", count(*) AS n FROM ${m.history.scanSql()} t GROUP BY ALL HAVING count(*) > 1`)
    ).getRowObjectsJson();
    assert.deepEqual(history, [], 'no change twice in history');
    assert.deepEqual(await historyRows(m), SEQUENCE_HISTORY);

    // Resume: every table has the partition's last position.
    assert.deepEqual(await m.resumePositions([{ stream: STREAM, partition: 0 }]), [{ stream: STREAM, partition: 0, next: 21 }]);
  } finally {
    await m.close();
  }
});

test('TABLES_CONFIG history: false: the same Silver without a history table; turned on again, history is caught up from Bronze', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'medallion-'));
  const historyDir = join(dataDir, 'datalake/silver/tickets_history');
  const off = parseTablesConfig(JSON.stringify({ tables: { Tickets: { history: false } } }), 'tables.json');
  const m = await Medallion.open(dataDir, { tables: off });
  try {
    await appliesInSourceOrder(m);
    assert.equal(existsSync(historyDir), false, 'no tickets_history');
    assert.equal(m.specTables[0].history, null);
    assert.throws(() => m.history, /silver\/tickets keeps no history/);
    assert.deepEqual(
      m.tables().map((t) => t.location.split('/').slice(-2).join('/')),
      ['bronze/cdc_events', 'silver/_rejected', 'silver/_tickets_deleted', 'silver/tickets'],
    );
  } finally {
    await m.close();
  }
  // A restart with history still off creates none either.
  const again = await Medallion.open(dataDir, { tables: off });
  try {
    await again.writeBatch([change(21, 23, 'u', ticket(3, 'Closed'))]);
    assert.deepEqual(await silver(again), new Map([[3, 'Closed/10.00']]));
    assert.equal(existsSync(historyDir), false);
  } finally {
    await again.close();
  }
  // History on: a new history, caught up from Bronze's snapshot when opened, each change once.
  const on = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  try {
    const result = await on.catchUp();
    assert.equal(result.versionsApplied, 0, 'nothing left to apply per Bronze version');
    assert.deepEqual(result.tablesDiscovered, ['silver/tickets_history created and caught up from Bronze: 12 events up to Bronze version 8']);
    assert.deepEqual(await historyRows(on), [...SEQUENCE_HISTORY, '23:u:3']);
    assert.deepEqual(await silver(on), new Map([[3, 'Closed/10.00']]), 'Silver is not applied twice');
  } finally {
    await on.close();
  }
});

test('malformed input is kept in Bronze with its error, never lost, and does not stop the batch', async () => {
  const m = await Medallion.open(mkdtempSync(join(tmpdir(), 'medallion-')));
  try {
    const bad: FeedRecord = {
      stream: STREAM,
      partition: 0,
      position: 1,
      key: Buffer.from('{"TicketID":1}'),
      value: Buffer.from('{"payload": {"op": "c", "after": '),
      timestamp: 0,
    };
    const result = await m.writeBatch([bad, change(2, 2, 'c', ticket(7, 'Open'))]);
    assert.equal(result.decodeErrors, 1);
    const rows = (await m.conn.runAndReadAll(`SELECT "offset", payload, decode_error FROM ${m.bronze.scanSql()} t ORDER BY 1`)).getRowObjectsJson();
    assert.equal(rows.length, 2);
    assert.equal(rows[0].payload, '{"payload": {"op": "c", "after": ');
    assert.ok(typeof rows[0].decode_error === 'string' && rows[0].decode_error.length > 0);
    assert.equal(rows[1].decode_error, null);
    assert.deepEqual(await silver(m), new Map([[7, 'Open/10.00']]));
    // Every commit of every table names the service as its engine.
    for (const table of m.tables()) {
      for (const entry of await table.history()) assert.equal(entry.engineInfo, ENGINE_INFO, `${table.location} v${entry.version}`);
    }
  } finally {
    await m.close();
  }
});

test('a crash between the Bronze and the history commits: the restart completes history, and Bronze keeps each record once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'medallion-'));
  const first = await Medallion.open(dataDir);
  const batch = [change(1, 1, 'c', ticket(1, 'Open')), change(2, 2, 'u', ticket(1, 'InProgress')), change(3, 3, 'c', ticket(2, 'Open'))];
  // History's commit fails once Bronze has committed: the process "dies" there.
  const append = first.history.append.bind(first.history);
  first.history.append = async () => {
    throw new Error('injected crash before the history commit');
  };
  await assert.rejects(first.writeBatch(batch), /injected crash/);
  first.history.append = append;
  await first.close();

  const second = await Medallion.open(dataDir);
  try {
    await second.writeBatch(batch);
    await second.history.refresh();
    const history = (await second.conn.runAndReadAll(`SELECT count(*) AS n FROM ${second.history.scanSql()} t`)).getRowObjectsJson();
    assert.equal(Number(history[0].n), 3, 'history holds the batch once');
    assert.equal(await bronzeCount(second), 3, 'Bronze holds the batch once');
    assert.deepEqual(
      await silver(second),
      new Map([
        [1, 'InProgress/10.00'],
        [2, 'Open/10.00'],
      ]),
    );
  } finally {
    await second.close();
  }
});

test('a source that adds or drops a column is reported once, and nothing is lost', async () => {
  const m = await Medallion.open(mkdtempSync(join(tmpdir(), 'medallion-')));
  try {
    const payload = (id: number, lsn: number) => ({
      before: null,
      after: {
        TicketID: id,
        Title: 't',
        Status: 'Open',
        Priority: 'Low',
        Category: 'c',
        CustomerID: 1,
        EstimatedCost: '1.00',
        CreatedAt: '2023-11-14T22:13:20.000001Z',
        UpdatedAt: '2023-11-14T22:13:20.000002Z',
        Severity: 3,
      },
      source: { version: '1', connector: 'embedded', name: SOURCE, ts_ms: 0, snapshot: 'false', db: 'TicketsDb', schema: 'dbo', table: 'Tickets', lsn },
      op: 'c',
      ts_ms: 0,
    });
    const rec = (position: number): FeedRecord => ({
      stream: STREAM,
      partition: 0,
      position,
      key: encodeKey(SOURCE, position),
      value: Buffer.from(JSON.stringify(payload(position, position))),
      timestamp: 0,
    });
    const first = await m.writeBatch([rec(1), rec(2)]);
    assert.ok(
      first.schemaDrift.some((d) => d.includes('Tickets.Severity') && d.includes('Bronze only')),
      first.schemaDrift.join('; '),
    );
    assert.ok(first.schemaDrift.some((d) => d.includes('no column Tickets.Description')));
    assert.equal(new Set(first.schemaDrift).size, first.schemaDrift.length, 'each difference once');
    const second = await m.writeBatch([rec(3)]);
    assert.deepEqual(second.schemaDrift, [], 'already reported');
    assert.equal((await silver(m)).size, 3, 'the rows still reach Silver');
  } finally {
    await m.close();
  }
});
