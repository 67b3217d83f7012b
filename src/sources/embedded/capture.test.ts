import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EmbeddedTarget } from '../../generator/embedded-target.ts';
import { RelatedWorkload } from '../../generator/related.ts';
import { createRandom, Workload } from '../../generator/workload.ts';
import { EmbeddedFeed } from '../../feeds/embedded/embedded-feed.ts';
import { decodeMessage } from '../debezium/decode.ts';
import type { ChangeEvent } from '../debezium/types.ts';
import { CaptureReader } from './capture-reader.ts';
import { createCapturedTable, latestSchema, truncateTable } from './capture.ts';
import { openSourceDb, sourceDbPath } from './source-db.ts';
import { TICKETS_DDL } from './tickets-schema.ts';

const changes = (reader: CaptureReader): ChangeEvent[] =>
  reader.read(0, 10_000).flatMap((r) => {
    if (r.value === null) return [];
    const d = decodeMessage(r.key, r.value);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    return d.value.kind === 'change' ? [d.value] : [];
  });

test('Customers and Agents are captured with their declared types; DDL changes the schema of later changes only', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'capture-'));
  const target = new EmbeddedTarget(dataDir, 'src1');
  const related = new RelatedWorkload(createRandom(7));
  const before = { ...related.customer(false), CustomerID: 1001, CreditLimit: '123.45' };
  await target.upsertCustomer(before);
  await target.upsertAgent({ ...related.agent(), AgentID: 'alice', Level: 3, Active: true, HiredOn: '2020-02-29', UpdatedAt: '2026-11-30T10:00:00.000001Z' });
  assert.equal(await target.applyDdl('add-column'), true);
  assert.equal(await target.applyDdl('add-column'), false, 'each step once');
  assert.equal(await target.applyDdl('widen-decimal'), true);
  assert.equal(await target.applyDdl('widen-int'), true);
  assert.equal(await target.customersHavePhone(), true);
  await target.upsertCustomer({ ...before, CreditLimit: '987654321.10', Phone: '+41 44 000 00 00' });
  await target.upsertAgent({ ...related.agent(), AgentID: 'alice', Level: 4, Active: false, HiredOn: '2020-02-29', UpdatedAt: '2026-11-30T11:00:00+01:00' });
  await target.deleteCustomer(1001);

  const db = openSourceDb(dataDir, 'src1');
  const customers = changes(new CaptureReader(db, 'src1', 'Customers'));
  assert.deepEqual(
    customers.map((c) => c.op),
    ['c', 'u', 'd'],
  );
  assert.equal(customers[0].source.table, 'Customers');
  assert.deepEqual(customers[0].key, { CustomerID: 1001 });
  assert.equal(customers[0].after!.CreditLimit, '123.45');
  assert.equal('Phone' in customers[0].after!, false, 'the first change has the schema of its time');
  assert.deepEqual(customers[0].fields!.find((f) => f.name === 'CreditLimit')!.type, { kind: 'decimal', precision: 12, scale: 2 });
  assert.equal(customers[1].after!.Phone, '+41 44 000 00 00');
  assert.equal(customers[1].before!.Phone, null);
  assert.equal(customers[1].after!.CreditLimit, '987654321.10');
  assert.deepEqual(customers[1].fields!.find((f) => f.name === 'CreditLimit')!.type, { kind: 'decimal', precision: 14, scale: 2 });
  assert.equal(customers[2].before!.CustomerID, 1001);

  const agents = changes(new CaptureReader(db, 'src1', 'Agents'));
  assert.deepEqual(
    agents.map((a) => [a.op, a.after!.Level, a.after!.Active, a.after!.HiredOn]),
    [
      ['c', 3, true, '2020-02-29'],
      ['u', 4, false, '2020-02-29'],
    ],
  );
  assert.equal(agents[0].after!.UpdatedAt, '2026-11-30T10:00:00.000001Z');
  assert.equal(agents[1].after!.UpdatedAt, '2026-11-30T10:00:00Z', 'a zoned timestamp, UTC-adjusted');
  assert.deepEqual(
    agents.map((a) => a.fields!.find((f) => f.name === 'Level')!.type),
    [
      { kind: 'int', bits: 32 },
      { kind: 'int', bits: 64 },
    ],
  );
  assert.equal(latestSchema(db, 'Customers')!.columns.at(-1)!.name, 'Phone');

  // TRUNCATE: one keyless record with op 't' after the earlier changes; the rows are gone, with no delete each.
  await target.upsertCustomer({ ...before, CustomerID: 1002 });
  assert.equal(truncateTable(db, 'Customers'), 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM Customers').get() as { n: number }).n, 0);
  const records = new CaptureReader(db, 'src1', 'Customers').read(0, 100);
  assert.equal(records.at(-1)!.key, null);
  assert.deepEqual(
    changes(new CaptureReader(db, 'src1', 'Customers')).map((c) => c.op),
    ['c', 'u', 'd', 'c', 't'],
  );
  await target.upsertCustomer({ ...before, CustomerID: 1003 });
  assert.deepEqual(
    changes(new CaptureReader(db, 'src1', 'Customers'))
      .map((c) => c.op)
      .slice(-2),
    ['t', 'c'],
    'the triggers are back',
  );
  db.close();
  await target.close();
});

test('a table created while a subscription runs becomes a new stream of it, without re-subscribing', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'capture-'));
  const feed = new EmbeddedFeed({ dataDir, sources: ['src1'], pollIntervalMs: 10, discoveryIntervalMs: 0 });
  const assigned: string[] = [];
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest', onAssigned: async (ps) => (assigned.push(...ps.map((p) => p.stream)), []) });
  assert.deepEqual(assigned.sort(), ['src1.TicketsDb.dbo.Agents', 'src1.TicketsDb.dbo.Customers', 'src1.TicketsDb.dbo.Tickets']);
  const db = openSourceDb(dataDir, 'src1');
  createCapturedTable(db, {
    name: 'Orders',
    key: ['OrderID'],
    columns: [
      { name: 'OrderID', type: 'bigint', nullable: false },
      { name: 'Total', type: 'decimal(9,2)', nullable: true },
    ],
    ddl: 'CREATE TABLE IF NOT EXISTS Orders (OrderID INTEGER PRIMARY KEY, Total TEXT)',
  });
  db.prepare("INSERT INTO Orders (OrderID, Total) VALUES (1, '5.50')").run();
  const records = await sub.poll(100, 2000);
  assert.ok(assigned.includes('src1.TicketsDb.dbo.Orders'), 'onAssigned told of the new stream');
  const orders = records.filter((r) => r.stream === 'src1.TicketsDb.dbo.Orders');
  assert.equal(orders.length, 1);
  const d = decodeMessage(orders[0].key, orders[0].value);
  assert.ok(d.ok && d.value.kind === 'change');
  assert.deepEqual(d.value.after, { OrderID: 1, Total: '5.50' });
  db.close();
  await sub.close();
  await feed.close();
});

test('a source file of the Tickets-only format is migrated: old change rows keep decoding, new ones carry their schema', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'capture-'));
  const old = openSourceDb(dataDir, 'src1');
  old.close();
  // Rebuild the old format: no schema ids, no schema catalogue, the old triggers.
  const raw = new DatabaseSync(sourceDbPath(dataDir, 'src1'));
  raw.exec('DROP TABLE cdc_changes; DROP TABLE cdc_schemas; DROP TRIGGER cdc_tickets_insert;');
  raw.exec(TICKETS_DDL.replace('  commit_ts TEXT NOT NULL,\n  schema_id INTEGER\n', '  commit_ts TEXT NOT NULL\n'));
  raw.exec(`CREATE TRIGGER cdc_tickets_insert AFTER INSERT ON Tickets BEGIN
    INSERT INTO cdc_changes (op, tbl, before, after, commit_ts) VALUES ('c', 'Tickets', NULL, json_object('TicketID', NEW.TicketID, 'Title', NEW.Title, 'Description', NEW.Description, 'Status', NEW.Status, 'Priority', NEW.Priority, 'Category', NEW.Category, 'CustomerID', NEW.CustomerID, 'AssignedTo', NEW.AssignedTo, 'EstimatedCost', NEW.EstimatedCost, 'CreatedAt', NEW.CreatedAt, 'UpdatedAt', NEW.UpdatedAt, 'ResolvedAt', NEW.ResolvedAt), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  END;`);
  const w = new Workload({ seed: 3, mix: { insert: 1, update: 0, delete: 0 } });
  const t = w.newTicket();
  raw
    .prepare(
      'INSERT INTO Tickets (Title, Description, Status, Priority, Category, CustomerID, AssignedTo, EstimatedCost, CreatedAt, UpdatedAt, ResolvedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(t.Title, t.Description, t.Status, t.Priority, t.Category, t.CustomerID, t.AssignedTo, t.EstimatedCost, t.CreatedAt, t.UpdatedAt, t.ResolvedAt);
  raw.close();

  const target = new EmbeddedTarget(dataDir, 'src1'); // opens and migrates
  await target.insert(w.newTicket());
  const db = openSourceDb(dataDir, 'src1');
  const ids = (db.prepare('SELECT schema_id FROM cdc_changes ORDER BY lsn').all() as Array<{ schema_id: number | null }>).map((r) => r.schema_id);
  assert.equal(ids[0], null);
  assert.equal(typeof ids[1], 'number');
  const tickets = changes(new CaptureReader(db, 'src1', 'Tickets'));
  assert.equal(tickets.length, 2);
  assert.equal(tickets[0].after!.EstimatedCost, t.EstimatedCost);
  assert.deepEqual(Object.keys(tickets[0].after!), Object.keys(tickets[1].after!));
  db.close();
  await target.close();
});

test('reading one record at a time gives the records of one read, and a change whose records were all read is not parsed again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'capture-'));
  const target = new EmbeddedTarget(dataDir, 'src1');
  const related = new RelatedWorkload(createRandom(9));
  const customer = { ...related.customer(false), CustomerID: 2001 };
  await target.upsertCustomer(customer);
  await target.upsertCustomer({ ...customer, CreditLimit: '1.00' });
  await target.deleteCustomer(2001);
  await target.upsertCustomer({ ...customer, CustomerID: 2002 });
  const db = openSourceDb(dataDir, 'src1');
  // A primary-key update: delete, tombstone and create from one change row.
  db.prepare('UPDATE Customers SET CustomerID = 2003 WHERE CustomerID = 2002').run();
  const reader = new CaptureReader(db, 'src1', 'Customers');
  const all = reader.read(0, 100);
  assert.deepEqual(
    all.map((r) => r.value === null),
    [false, false, false, true, false, false, true, false],
  );
  const oneByOne = [];
  for (let r = reader.read(0, 1); r.length > 0; r = reader.read(r.at(-1)!.position + 1, 1)) oneByOne.push(...r);
  // The envelope's ts_ms is the time of reading, as Debezium's is the time of processing.
  const comparable = (records: typeof all) =>
    records.map((r) => {
      const value = r.value === null ? null : (JSON.parse(r.value.toString()) as { payload: Record<string, unknown> });
      if (value) for (const k of ['ts_ms', 'ts_us', 'ts_ns']) delete value.payload[k];
      return { position: r.position, key: r.key?.toString(), value };
    });
  assert.deepEqual(comparable(oneByOne), comparable(all));
  // Corrupt the first change row: a reader past it never parses it (it did on every poll).
  const first = db.prepare("SELECT min(lsn) AS lsn FROM cdc_changes WHERE tbl = 'Customers'").get() as { lsn: number };
  db.prepare('UPDATE cdc_changes SET after = ? WHERE lsn = ?').run('{not json', first.lsn);
  assert.deepEqual(comparable(reader.read(all[0].position + 1, 100)), comparable(all.slice(1)));
  assert.throws(() => reader.read(all[0].position, 100), SyntaxError);
  db.close();
  await target.close();
});
