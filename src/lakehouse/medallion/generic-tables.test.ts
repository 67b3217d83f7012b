import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EmbeddedFeed } from '../../feeds/embedded/embedded-feed.ts';
import type { FeedRecord, FeedSubscription } from '../../feeds/feed.ts';
import { EmbeddedTarget } from '../../generator/embedded-target.ts';
import { runWorkload } from '../../generator/runner.ts';
import { parseTablesConfig, TablesConfig } from '../../config/tables-config.ts';
import { Medallion } from './medallion.ts';
import { isShoriError } from '../../errors.ts';
import { openSpecTables } from './spec-tables.ts';
import { backfillTable } from './backfill-step.ts';
import { appliedBronzeVersion, BRONZE_VERSION_APP_ID } from './applied-version.ts';
import { localLakeTables } from './local-lake.ts';
import type { DeltaTable } from '@shori/delta';
import { TICKETS_SPEC } from './tickets-spec.ts';
import { addColumn, changeColumnType, createCapturedTable, truncateTable } from '../../sources/embedded/capture.ts';
import { openSourceDb } from '../../sources/embedded/source-db.ts';

const SOURCES = ['src1', 'src2'];
type Row = Record<string, string | null>;

const ts = (c: string) => `strftime("${c}", '%Y-%m-%dT%H:%M:%S.%fZ')`;

async function silverRows(m: Medallion, name: string, columns: string[], key: string): Promise<Map<string, Row>> {
  const t = m.specTables.find((s) => s.spec.name === name)!;
  await t.silver.refresh();
  const fields = new Map(t.silver.snapshot.schema.fields.map((f) => [f.name, f.type]));
  const select = columns.map((c) => {
    const type = String(fields.get(c));
    const expr = type.startsWith('timestamp') ? ts(c) : type === 'boolean' ? `CASE WHEN "${c}" THEN '1' ELSE '0' END` : `CAST("${c}" AS VARCHAR)`;
    return `${expr} AS "${c}"`;
  });
  const rows = (await m.conn.runAndReadAll(`SELECT "source", ${select.join(', ')} FROM ${t.silver.scanSql()} AS t`)).getRowObjectsJson() as Row[];
  return new Map(rows.map((r) => [`${r.source}/${r[key]}`, r]));
}

function sourceRows(dataDir: string, table: string, columns: string[], key: string, sources = SOURCES): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const source of sources) {
    const db = new DatabaseSync(join(dataDir, 'sources', `${source}.db`), { readOnly: true });
    for (const r of db.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>) {
      const row: Row = { source };
      for (const c of columns) row[c] = r[c] === null ? null : String(r[c]);
      out.set(`${source}/${row[key]}`, row);
    }
    db.close();
  }
  return out;
}

async function drain(sub: FeedSubscription): Promise<FeedRecord[]> {
  const out: FeedRecord[] = [];
  for (;;) {
    const got = await sub.poll(10_000, 200);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

async function feedAll(m: Medallion, records: FeedRecord[], chunk = 150): Promise<string[]> {
  const notes: string[] = [];
  for (let i = 0; i < records.length; i += chunk) notes.push(...(await m.writeBatch(records.slice(i, i + chunk))).tablesDiscovered);
  return notes;
}

const CUSTOMER_COLUMNS = ['CustomerID', 'Name', 'Email', 'Tier', 'CreditLimit', 'CreatedAt', 'UpdatedAt'];
const AGENT_COLUMNS = ['AgentID', 'DisplayName', 'Team', 'Level', 'Active', 'HiredOn', 'UpdatedAt'];

test('every captured table becomes a Silver table keyed by its Debezium key, equal to its sources; a restart reads the specs back', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const targets = SOURCES.map((s) => new EmbeddedTarget(dataDir, s));
  await runWorkload({ targets, rate: 0, count: 150, mix: { insert: 5, update: 4, delete: 1 }, seed: 11, relatedFraction: 1 });
  const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const m = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  const notes = await feedAll(m, await drain(sub));
  assert.ok(
    notes.some((n) => n.includes('silver/customers (key CustomerID)')),
    notes.join('; '),
  );
  assert.ok(
    notes.some((n) => n.includes('silver/agents (key AgentID)')),
    notes.join('; '),
  );
  assert.deepEqual(
    [...(await silverRows(m, 'customers', CUSTOMER_COLUMNS, 'CustomerID'))].sort(),
    [...sourceRows(dataDir, 'Customers', CUSTOMER_COLUMNS, 'CustomerID')].sort(),
  );
  assert.deepEqual([...(await silverRows(m, 'agents', AGENT_COLUMNS, 'AgentID'))].sort(), [...sourceRows(dataDir, 'Agents', AGENT_COLUMNS, 'AgentID')].sort());
  const agents = m.specTables.find((s) => s.spec.name === 'agents')!;
  assert.deepEqual(
    agents.silver.snapshot.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
    [
      'source:string',
      'AgentID:string',
      'DisplayName:string',
      'Team:string',
      'Level:integer',
      'Active:boolean',
      'HiredOn:date',
      'UpdatedAt:timestamp',
      '_seq:string',
      '_source_ts:timestamp',
      '_committed_at:timestamp',
    ],
  );
  const customers = m.specTables.find((s) => s.spec.name === 'customers')!;
  assert.equal(customers.silver.snapshot.schema.fields.find((f) => f.name === 'CreatedAt')!.type, 'timestamp_ntz', 'a local timestamp stays local');
  assert.equal(customers.silver.snapshot.schema.fields.find((f) => f.name === 'CreditLimit')!.type, 'decimal(12,2)');
  await m.close();

  // Restart: the specs come back from the tables' own metadata, and later changes keep applying.
  await runWorkload({ targets, rate: 0, count: 60, mix: { insert: 1, update: 1, delete: 1 }, seed: 12, relatedFraction: 1 });
  const again = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  assert.deepEqual(again.specTables.map((s) => s.spec.name).sort(), ['agents', 'customers', 'tickets']);
  assert.deepEqual(await feedAll(again, await drain(sub)), [], 'nothing discovered twice');
  assert.deepEqual(
    [...(await silverRows(again, 'customers', CUSTOMER_COLUMNS, 'CustomerID'))].sort(),
    [...sourceRows(dataDir, 'Customers', CUSTOMER_COLUMNS, 'CustomerID')].sort(),
  );
  await again.close();
  await sub.close();
  await feed.close();
  for (const t of targets) await t.close();
});

test('TABLES_CONFIG: an excluded table stays in Bronze only, and is caught up from Bronze when included later; a configured key replaces the Debezium key', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const targets = [new EmbeddedTarget(dataDir, 'src1')];
  await runWorkload({ targets, rate: 0, count: 40, mix: { insert: 1, update: 1, delete: 0 }, seed: 5, relatedFraction: 1 });
  const feed = new EmbeddedFeed({ dataDir, sources: ['src1'], pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const config = parseTablesConfig(JSON.stringify({ exclude: ['agents'], tables: { Customers: { key: ['CustomerID', 'Tier'] } } }), 'test');
  const m = await Medallion.open(dataDir, { tables: config });
  const notes = await feedAll(m, await drain(sub));
  assert.ok(notes.includes('table Agents is excluded by TABLES_CONFIG'), notes.join('; '));
  assert.equal(existsSync(join(dataDir, 'datalake/silver/agents')), false);
  assert.deepEqual(m.specTables.find((s) => s.spec.name === 'customers')!.spec.keyColumns, ['CustomerID', 'Tier']);
  // One change of Agents that its table will not take (UpdatedAt local for a moment, where every
  // other change has it zoned): in Bronze only, while Agents is excluded.
  const src1 = new DatabaseSync(join(dataDir, 'sources', 'src1.db'));
  assert.equal(changeColumnType(src1, 'Agents', 'UpdatedAt', 'datetime2'), true);
  const agent = { DisplayName: 'Local', Team: 'Ops', Level: 1, Active: true, HiredOn: '2026-01-02', UpdatedAt: '2026-11-30T09:00:00.000000Z' };
  await targets[0].upsertAgent({ AgentID: 'local', ...agent });
  changeColumnType(src1, 'Agents', 'UpdatedAt', 'datetimeoffset');
  src1.close();
  assert.equal((await m.writeBatch(await drain(sub))).rejected, 0, 'an excluded table rejects nothing');
  const quarantined = async (x: Medallion) =>
    (await x.conn.runAndReadAll(`SELECT "table", reason FROM ${await x.rejected.scan()} WHERE "table" = 'agents'`)).getRowObjectsJson();
  await m.close();

  // Agents included later (TABLES_CONFIG changed, restart): its first new change finds it, and its
  // earlier changes, in Bronze only so far, are caught up before it; the one it cannot take is
  // quarantined, as it would have been had Agents been included all along.
  const agentsBefore = sourceRows(dataDir, 'Agents', AGENT_COLUMNS, 'AgentID', ['src1']).size - 1;
  assert.ok(agentsBefore > 1, 'the workload wrote agents');
  await targets[0].upsertAgent({
    AgentID: 'late',
    DisplayName: 'Late',
    Team: 'Ops',
    Level: 1,
    Active: true,
    HiredOn: '2026-01-02',
    UpdatedAt: '2026-11-30T10:00:00.000000Z',
  });
  const later = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  const found = await feedAll(later, await drain(sub));
  assert.ok(
    found.some((n) =>
      /^table Agents discovered: silver\/agents .*; \d+ earlier changes caught up from Bronze \(1 could not be applied: in silver\/_rejected\)$/.test(n),
    ),
    found.join('; '),
  );
  const held = await quarantined(later);
  assert.equal(held.length, 1, 'the change Agents cannot take is quarantined once');
  assert.match(String(held[0].reason), /schema conflict/);
  const expected = sourceRows(dataDir, 'Agents', AGENT_COLUMNS, 'AgentID', ['src1']);
  expected.delete('src1/local');
  assert.deepEqual([...(await silverRows(later, 'agents', AGENT_COLUMNS, 'AgentID'))].sort(), [...expected].sort());
  const agents = later.specTables.find((s) => s.spec.name === 'agents')!;
  const current = Number(
    (await later.conn.runAndReadAll(`SELECT count(*) AS n FROM ${agents.history!.scanSql()} WHERE __is_current`)).getRowObjectsJson()[0].n,
  );
  assert.equal(current, agentsBefore + 1, 'history has every agent, its current versions the source rows');

  // The same catch-up in chunks of 3 into fresh tables: equal, and only the last commit of each
  // table records the applied Bronze version (a crash before it leaves none: the recovery path).
  const fresh = await openSpecTables(localLakeTables(mkdtempSync(join(tmpdir(), 'backfill-'))), agents.spec, {});
  const through = later.bronze.snapshot.version;
  const done = await backfillTable(later.conn, later.bronze, fresh, 'Agents', through, {
    quarantine: { table: later.rejected, onBadRecord: 'quarantine' },
    chunk: 3,
  });
  assert.ok(done.events > 6, `${done.events} events: several chunks`);
  assert.deepEqual([done.rejected, done.quarantined], [1, 0], 'run again, the catch-up finds the reject quarantined already');
  assert.equal((await quarantined(later)).length, 1);
  const rowsOf = async (table: DeltaTable) =>
    (await later.conn.runAndReadAll(`SELECT * EXCLUDE (_committed_at) FROM ${table.scanSql()} ORDER BY ALL`)).getRowsJson();
  assert.deepEqual(await rowsOf(fresh.silver), await rowsOf(agents.silver));
  for (const t of [fresh.deleted, fresh.silver, fresh.history!]) {
    assert.equal(appliedBronzeVersion(t), through);
    assert.equal(
      (await t.snapshotAt(t.snapshot.version - 1)).txnVersion(BRONZE_VERSION_APP_ID),
      undefined,
      `${t.location}: no applied version before the last chunk`,
    );
  }
  await later.close();
  await sub.close();
  await feed.close();
  await targets[0].close();
});

test('LAKEHOUSE_ON_BAD_RECORD=fail: a change a catch-up from Bronze cannot apply stops it with a fatal error naming the event', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const target = new EmbeddedTarget(dataDir, 'src1');
  await runWorkload({ targets: [target], rate: 0, count: 20, mix: { insert: 1, update: 1, delete: 0 }, seed: 9, relatedFraction: 1 });
  const src1 = new DatabaseSync(join(dataDir, 'sources', 'src1.db'));
  changeColumnType(src1, 'Agents', 'UpdatedAt', 'datetime2');
  const agent = { DisplayName: 'Local', Team: 'Ops', Level: 1, Active: true, HiredOn: '2026-01-02', UpdatedAt: '2026-11-30T09:00:00.000000Z' };
  await target.upsertAgent({ AgentID: 'local', ...agent });
  changeColumnType(src1, 'Agents', 'UpdatedAt', 'datetimeoffset');
  src1.close();
  const feed = new EmbeddedFeed({ dataDir, sources: ['src1'], pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const excluded = await Medallion.open(dataDir, { tables: parseTablesConfig(JSON.stringify({ exclude: ['agents'] }), 'test'), onBadRecord: 'fail' });
  await feedAll(excluded, await drain(sub));
  await excluded.close();
  await target.upsertAgent({ AgentID: 'late', ...agent });
  const strict = await Medallion.open(dataDir, { tables: TablesConfig.defaults(), onBadRecord: 'fail' });
  const fatal = (e: unknown) => isShoriError(e, 'SHORI_BAD_RECORD') && e.fatal && /agents at .*\/0\/\d+: schema conflict/.test(e.message);
  await assert.rejects(feedAll(strict, await drain(sub)), fatal);
  const held = (await strict.conn.runAndReadAll(`SELECT count(*) AS n FROM ${await strict.rejected.scan()}`)).getRowObjectsJson()[0].n;
  assert.equal(Number(held), 0, 'nothing quarantined');
  await strict.close();
  await sub.close();
  await feed.close();
  await target.close();
});

test('DDL in the middle: an added column and widened types reach Silver and history as metaData commits; an unsafe change is quarantined', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const targets = SOURCES.map((s) => new EmbeddedTarget(dataDir, s));
  const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const m = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  await runWorkload({ targets, rate: 0, count: 120, mix: { insert: 5, update: 4, delete: 1 }, seed: 21, relatedFraction: 1 });
  await feedAll(m, await drain(sub));
  const customers = () => m.specTables.find((s) => s.spec.name === 'customers')!;
  const before = customers().silver.snapshot.version;
  // DDL on one source only, then more changes on both: the other source keeps its older schema.
  await runWorkload({ targets: [targets[0]], rate: 0, count: 1, mix: { insert: 1, update: 0, delete: 0 }, seed: 22, relatedFraction: 0, ddlAfter: 0 });
  await runWorkload({ targets, rate: 0, count: 120, mix: { insert: 5, update: 4, delete: 1 }, seed: 23, relatedFraction: 1 });
  // Tickets too (a hand-written spec): ALTER TABLE ADD COLUMN, then a change that fills it.
  const src1 = openSourceDb(dataDir, 'src1');
  addColumn(src1, 'Tickets', { name: 'Channel', type: 'nvarchar(20)', nullable: true });
  const ticket = (src1.prepare('SELECT min(TicketID) AS id FROM Tickets').get() as { id: number }).id;
  src1.prepare("UPDATE Tickets SET Channel = 'email' WHERE TicketID = ?").run(ticket);
  src1.close();
  const result = await feedAll(m, await drain(sub));
  assert.deepEqual(result, []);
  const tickets = m.specTables.find((s) => s.spec.name === 'tickets')!;
  assert.deepEqual(
    tickets.silver.snapshot.schema.fields.map((f) => `${f.name}:${String(f.type)}`).slice(1, -3),
    [...TICKETS_SPEC.columns.map((c) => `${c.name}:${String(c.type)}`), 'Channel:string'],
    'the hand-written columns keep their types; the added one follows them',
  );
  assert.ok(tickets.history!.snapshot.schema.fields.some((f) => f.name === 'Channel'));
  const channels = (
    await m.conn.runAndReadAll(`SELECT "source", "TicketID", "Channel" FROM ${tickets.silver.scanSql()} WHERE "Channel" IS NOT NULL`)
  ).getRowObjectsJson();
  assert.deepEqual(
    channels.map((r) => [r.source, Number(r.TicketID), r.Channel]),
    [['src1', ticket, 'email']],
  );
  const silver = customers().silver;
  const fields = silver.snapshot.schema.fields;
  assert.equal(fields.find((f) => f.name === 'Phone')?.type, 'string');
  assert.equal(fields.find((f) => f.name === 'CreditLimit')?.type, 'decimal(14,2)');
  assert.equal(fields.find((f) => f.name === 'Name')?.metadata?.__CHAR_VARCHAR_TYPE_STRING, 'varchar(400)');
  assert.equal(m.specTables.find((s) => s.spec.name === 'agents')!.silver.snapshot.schema.fields.find((f) => f.name === 'Level')?.type, 'long');
  assert.ok(
    customers().history!.snapshot.schema.fields.some((f) => f.name === 'Phone'),
    'history has the column too',
  );
  const ops = (await silver.history()).filter((h) => h.version > before).map((h) => h.operation);
  assert.ok(ops.includes('ADD COLUMNS') || ops.includes('CHANGE COLUMN'), ops.join(','));
  const columns = [...CUSTOMER_COLUMNS, 'Phone'];
  const expected = sourceRows(dataDir, 'Customers', CUSTOMER_COLUMNS, 'CustomerID');
  // src2 never had the column: its rows read NULL; src1's rows carry it.
  const withPhone = new Map<string, Row>();
  for (const source of SOURCES) {
    const db = new DatabaseSync(join(dataDir, 'sources', `${source}.db`), { readOnly: true });
    const hasPhone = (db.prepare('PRAGMA table_info(Customers)').all() as Array<{ name: string }>).some((c) => c.name === 'Phone');
    for (const r of db.prepare('SELECT * FROM Customers').all() as Array<Record<string, unknown>>) {
      const row = expected.get(`${source}/${r.CustomerID}`)!;
      withPhone.set(`${source}/${r.CustomerID}`, { ...row, Phone: hasPhone && r.Phone !== null ? String(r.Phone) : null });
    }
    db.close();
  }
  assert.deepEqual([...(await silverRows(m, 'customers', columns, 'CustomerID'))].sort(), [...withPhone].sort());
  const reopened = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  assert.equal(reopened.specTables[0].spec.columns.at(-1)?.name, 'Channel', 'a restart reads the added Tickets column back');
  await reopened.close();

  // An unsafe change (a local timestamp becomes a zoned one): reported and quarantined, never coerced.
  const db = new DatabaseSync(join(dataDir, 'sources', 'src2.db'));
  changeColumnType(db, 'Customers', 'CreatedAt', 'datetimeoffset');
  db.close();
  await targets[1].upsertCustomer({
    CustomerID: 1499,
    Name: 'Zed',
    Email: null,
    Tier: 'Gold',
    CreditLimit: '1.00',
    CreatedAt: '2026-01-01T00:00:00.000000Z',
    UpdatedAt: '2026-01-01T00:00:00.000000Z',
  });
  const last = await m.writeBatch(await drain(sub));
  assert.equal(last.rejected, 1);
  assert.match(
    last.schemaDrift.join(' '),
    /silver\/customers: a change of src2 cannot be applied without loss \(column CreatedAt is timestamp_ntz in Silver but timestamp/,
  );
  assert.match(last.rejects[0].reason, /schema conflict/);
  await m.close();
  await sub.close();
  await feed.close();
  for (const t of targets) await t.close();
});

test('history is SCD type 2: its intervals reconstruct each source table at three chosen instants, across a TRUNCATE', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const targets = SOURCES.map((s) => new EmbeddedTarget(dataDir, s));
  const instants: Array<{ at: string; customers: Map<string, Row>; agents: Map<string, Row> }> = [];
  let truncated = { rows: 0, at: '' };
  for (let phase = 0; phase < 3; phase++) {
    await runWorkload({ targets, rate: 0, count: 80, mix: { insert: 4, update: 5, delete: 1 }, seed: 31 + phase, relatedFraction: 1 });
    await new Promise((r) => setTimeout(r, 5));
    instants.push({
      at: new Date().toISOString(),
      customers: sourceRows(dataDir, 'Customers', CUSTOMER_COLUMNS, 'CustomerID'),
      agents: sourceRows(dataDir, 'Agents', AGENT_COLUMNS, 'AgentID'),
    });
    await new Promise((r) => setTimeout(r, 5));
    if (phase === 0) {
      // TRUNCATE Customers on src1 between the first two instants: the rows it removed end there.
      const db = new DatabaseSync(join(dataDir, 'sources', 'src1.db'));
      truncated = {
        rows: truncateTable(db, 'Customers'),
        at: (db.prepare('SELECT commit_ts AS at FROM cdc_changes WHERE before IS NULL AND after IS NULL').get() as { at: string }).at,
      };
      db.close();
    }
  }
  assert.ok(truncated.rows > 0, 'the truncate removed rows');
  const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const m = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  await feedAll(m, await drain(sub), 97);
  const asOf = async (name: string, columns: string[], key: string, at: string): Promise<Map<string, Row>> => {
    const history = m.specTables.find((s) => s.spec.name === name)!.history!;
    await history.refresh();
    const types = new Map(history.snapshot.schema.fields.map((f) => [f.name, String(f.type)]));
    const select = columns.map((c) => {
      const type = types.get(c)!;
      const expr = type.startsWith('timestamp') ? ts(c) : type === 'boolean' ? `CASE WHEN "${c}" THEN '1' ELSE '0' END` : `CAST("${c}" AS VARCHAR)`;
      return `${expr} AS "${c}"`;
    });
    const rows = (
      await m.conn.runAndReadAll(`SELECT "source", ${select.join(', ')} FROM ${history.scanSql()} AS h
      WHERE _op <> 'd' AND __valid_from <= TIMESTAMPTZ '${at}' AND (__valid_to IS NULL OR TIMESTAMPTZ '${at}' < __valid_to)`)
    ).getRowObjectsJson() as Row[];
    const out = new Map(rows.map((r) => [`${r.source}/${r[key]}`, r]));
    assert.equal(out.size, rows.length, `${name} at ${at}: one version per key`);
    return out;
  };
  for (const instant of instants) {
    assert.deepEqual(
      [...(await asOf('customers', CUSTOMER_COLUMNS, 'CustomerID', instant.at))].sort(),
      [...instant.customers].sort(),
      `customers at ${instant.at}`,
    );
    assert.deepEqual([...(await asOf('agents', AGENT_COLUMNS, 'AgentID', instant.at))].sort(), [...instant.agents].sort(), `agents at ${instant.at}`);
  }
  // The current versions are the Silver rows.
  const current = m.specTables.find((s) => s.spec.name === 'customers')!;
  const n = (sql: string) => m.conn.runAndReadAll(sql).then((r) => Number(r.getRowObjectsJson()[0].n));
  assert.equal(
    await n(
      `SELECT count(*) AS n FROM ${current.history!.scanSql()} AS h WHERE "source" = 'src1' AND __valid_to = TIMESTAMPTZ '${truncated.at}' AND NOT __is_current`,
    ),
    truncated.rows,
    'the truncate ended the interval of every row it removed, at its source commit time',
  );
  assert.equal(
    await n(`SELECT count(*) AS n FROM ${current.history!.scanSql()} AS h WHERE __is_current`),
    await n(`SELECT count(*) AS n FROM ${current.silver.scanSql()} AS s`),
  );
  await m.close();
  await sub.close();
  await feed.close();
  for (const t of targets) await t.close();
});

test('a table without a primary key: an append-only history by default (restart, DDL, truncate, a binary column), or Silver under a configured key', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const target = new EmbeddedTarget(dataDir, 'src1');
  const db = openSourceDb(dataDir, 'src1');
  const text = (name: string) => ({ name, type: 'nvarchar(50)', nullable: true });
  const columns = [
    { name: 'LoggedAt', type: 'datetime2', nullable: false },
    text('Actor'),
    text('Action'),
    { name: 'Sig', type: 'varbinary(16)', nullable: true },
  ];
  createCapturedTable(db, {
    name: 'AuditLog',
    key: [],
    columns,
    ddl: 'CREATE TABLE IF NOT EXISTS AuditLog (LoggedAt TEXT NOT NULL, Actor TEXT, Action TEXT, Sig TEXT)',
  });
  createCapturedTable(db, {
    name: 'Readings',
    key: [],
    columns: [text('Sensor'), { name: 'Value', type: 'int', nullable: true }],
    ddl: 'CREATE TABLE IF NOT EXISTS Readings (Sensor TEXT, Value INTEGER)',
  });
  const log = db.prepare('INSERT INTO AuditLog (LoggedAt, Actor, Action, Sig) VALUES (?, ?, ?, ?)');
  log.run('2026-11-30T10:00:00.000001Z', 'ann', 'login', null);
  log.run('2026-11-30T10:00:00.000001Z', 'ann', 'login', null); // the same row twice, one statement each: two changes
  log.run('2026-11-30T10:05:00.000000Z', 'bob', 'export', '00ff10fe'); // varbinary: Connect bytes (base64 in JSON)
  db.exec("UPDATE AuditLog SET Action = 'logout' WHERE Actor = 'bob'");
  db.exec("DELETE FROM AuditLog WHERE Action = 'logout'");
  for (const [sensor, value] of [
    ['s1', 1],
    ['s2', 2],
    ['s1', 3],
  ] as const)
    db.prepare('INSERT INTO Readings (Sensor, Value) VALUES (?, ?)').run(sensor, value);
  db.exec("DELETE FROM Readings WHERE Sensor = 's2'");

  const feed = new EmbeddedFeed({ dataDir, sources: ['src1'], pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const config = parseTablesConfig(JSON.stringify({ tables: { Readings: { key: ['Sensor'] } } }), 'test');
  const m = await Medallion.open(dataDir, { tables: config });
  const records = await drain(sub);
  assert.equal(records.filter((r) => r.key === null && r.value === null).length, 2, "the deletes' tombstones, keyless as Debezium writes them");
  const notes = await feedAll(m, records);
  assert.ok(notes.includes('table AuditLog discovered: silver/auditlog_history (no key: append-only history, no current state)'), notes.join('; '));
  assert.ok(
    notes.some((n) => n.includes('silver/readings (key Sensor)')),
    notes.join('; '),
  );
  assert.equal(existsSync(join(dataDir, 'datalake/silver/auditlog')), false, 'no current state');
  assert.equal(existsSync(join(dataDir, 'datalake/silver/_auditlog_deleted')), false);
  assert.equal(
    (await m.conn.runAndReadAll(`SELECT count(*) AS n FROM ${m.rejected.scanSql()}`)).getRowObjectsJson()[0].n,
    '0',
    'a keyless tombstone is not a poison record',
  );
  const readings = m.specTables.find((s) => s.spec.name === 'readings')!;
  assert.deepEqual(
    (await m.conn.runAndReadAll(`SELECT "Sensor", "Value" FROM ${readings.silver.scanSql()} ORDER BY 1`)).getRowObjectsJson(),
    [{ Sensor: 's1', Value: 3 }],
    'the configured key: the newest row per Sensor',
  );
  await m.close();

  // Later: a column is added, the table is truncated, and the service restarts in between.
  addColumn(db, 'AuditLog', { name: 'Ip', type: 'nvarchar(45)', nullable: true });
  truncateTable(db, 'AuditLog');
  db.prepare('INSERT INTO AuditLog (LoggedAt, Actor, Action, Ip) VALUES (?, ?, ?, ?)').run('2026-11-30T11:00:00.000000Z', 'cy', 'login', '10.0.0.1');
  const again = await Medallion.open(dataDir, { tables: config });
  assert.deepEqual(
    again.appendOnly.map((t) => t.spec.name),
    ['auditlog'],
    'the append-only table is read back from its history',
  );
  assert.deepEqual(await feedAll(again, await drain(sub)), []);
  const history = again.appendOnly[0].history;
  await history.refresh();
  assert.deepEqual(
    history.snapshot.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
    [
      'source:string',
      'LoggedAt:timestamp_ntz',
      'Actor:string',
      'Action:string',
      'Sig:binary',
      'Ip:string',
      '_op:string',
      '_seq:string',
      '_source_ts:timestamp',
      '_committed_at:timestamp',
    ],
  );
  const rows = (
    await again.conn.runAndReadAll(
      `SELECT _op, "Actor", "Action", "Ip", strftime("LoggedAt", '%H:%M') AS at, hex("Sig") AS sig FROM ${history.scanSql()} ORDER BY _seq`,
    )
  ).getRowObjectsJson();
  assert.deepEqual(
    rows.map((r) => [r._op, r.Actor, r.Action, r.Ip, r.at, r.sig]),
    [
      ['c', 'ann', 'login', null, '10:00', null],
      ['c', 'ann', 'login', null, '10:00', null],
      ['c', 'bob', 'export', null, '10:05', '00FF10FE'],
      ['u', 'bob', 'logout', null, '10:05', '00FF10FE'],
      ['d', 'bob', 'logout', null, '10:05', '00FF10FE'],
      ['t', null, null, null, null, null],
      ['c', 'cy', 'login', '10.0.0.1', '11:00', null],
    ],
    'every change once, binary as its bytes',
  );
  await again.close();
  await sub.close();
  await feed.close();
  db.close();
  await target.close();
});

test('history: false per table: Silver without <table>_history, deletes and a truncate remembered; other tables keep theirs; turned off later, a history is left as it was', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'generic-'));
  const target = new EmbeddedTarget(dataDir, 'src1');
  const db = openSourceDb(dataDir, 'src1');
  const keyed = (name: string, key: string, column: string) =>
    createCapturedTable(db, {
      name,
      key: [key],
      columns: [
        { name: key, type: 'int', nullable: false },
        { name: column, type: 'nvarchar(50)', nullable: true },
      ],
      ddl: `CREATE TABLE IF NOT EXISTS ${name} (${key} INTEGER PRIMARY KEY, ${column} TEXT)`,
    });
  keyed('Notes', 'NoteID', 'Body');
  keyed('Tags', 'TagID', 'Label');
  const note = db.prepare('INSERT INTO Notes (NoteID, Body) VALUES (?, ?)');
  const tag = db.prepare('INSERT INTO Tags (TagID, Label) VALUES (?, ?)');
  for (const id of [1, 2, 3]) note.run(id, `n${id}`);
  db.exec("UPDATE Notes SET Body = 'n1b' WHERE NoteID = 1");
  db.exec('DELETE FROM Notes WHERE NoteID = 2');
  truncateTable(db, 'Notes');
  for (const id of [4, 5]) note.run(id, `n${id}`);
  db.exec("UPDATE Notes SET Body = 'n4b' WHERE NoteID = 4");
  db.exec('DELETE FROM Notes WHERE NoteID = 5');
  for (const id of [1, 2]) tag.run(id, `t${id}`);
  db.exec("UPDATE Tags SET Label = 't1b' WHERE TagID = 1");
  db.exec('DELETE FROM Tags WHERE TagID = 2');

  const feed = new EmbeddedFeed({ dataDir, sources: ['src1'], pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const notesOff = parseTablesConfig(JSON.stringify({ tables: { Notes: { history: false } } }), 'test');
  const m = await Medallion.open(dataDir, { tables: notesOff });
  const records = await drain(sub);
  const found = await feedAll(m, records, 10);
  assert.ok(found.includes('table Notes discovered: silver/notes (key NoteID), no history (TABLES_CONFIG history: false)'), found.join('; '));
  assert.ok(found.includes('table Tags discovered: silver/tags (key TagID), silver/tags_history'), found.join('; '));
  const lake = (name: string) => join(dataDir, 'datalake/silver', name);
  assert.equal(existsSync(lake('notes_history')), false, 'no history table for Notes');
  assert.ok(existsSync(lake('_notes_deleted')));
  const expectNotes = () => [...sourceRows(dataDir, 'Notes', ['NoteID', 'Body'], 'NoteID', ['src1'])].sort();
  assert.deepEqual(
    expectNotes().map(([k, r]) => `${k}=${r.Body}`),
    ['src1/4=n4b'],
  );
  assert.deepEqual([...(await silverRows(m, 'notes', ['NoteID', 'Body'], 'NoteID'))].sort(), expectNotes());

  // Debezium re-publishes older creates (new feed positions, their old source positions): the create
  // of note 5 is older than its delete, the create of note 1 older than the truncate. Neither returns.
  const createOf = (id: number) =>
    records.find(
      (r) => r.stream.endsWith('.Notes') && r.value !== null && /"op":"c"/.test(String(r.value)) && new RegExp(`"NoteID":${id}\\b`).test(String(r.value)),
    )!;
  const replay = await m.writeBatch([createOf(5), createOf(1)].map((r, i) => ({ ...r, partition: 1, position: i + 1 })));
  assert.equal(replay.appended, 2, 'Bronze keeps the re-publications');
  assert.deepEqual([...(await silverRows(m, 'notes', ['NoteID', 'Body'], 'NoteID'))].sort(), expectNotes(), 'a replayed older create stays deleted');
  assert.equal(existsSync(lake('notes_history')), false);

  // Tags keeps its history: every change once.
  const tags = m.specTables.find((s) => s.spec.name === 'tags')!;
  const tagChanges = async (on: Medallion, table: DeltaTable) =>
    (await on.conn.runAndReadAll(`SELECT _op || ':' || "TagID" AS c FROM ${table.scanSql()} ORDER BY _seq`)).getRowObjectsJson().map((r) => r.c);
  assert.deepEqual(await tagChanges(m, tags.history!), ['c:1', 'c:2', 'u:1', 'd:2']);
  const tagsHistory = tags.history!;
  const tagsHistoryVersion = tagsHistory.snapshot.version;
  await m.close();

  // History turned off for Tags too (a restart): its existing history is left as it is, not written.
  tag.run(3, 't3');
  db.exec("UPDATE Tags SET Label = 't1c' WHERE TagID = 1");
  note.run(6, 'n6');
  const bothOff = parseTablesConfig(JSON.stringify({ history: false }), 'test');
  const again = await Medallion.open(dataDir, { tables: bothOff });
  assert.deepEqual(again.specTables.map((s) => `${s.spec.name}:${s.history !== null}`).sort(), ['notes:false', 'tags:false', 'tickets:false']);
  assert.deepEqual(await feedAll(again, await drain(sub)), [], 'nothing discovered again');
  const expectTags = [...sourceRows(dataDir, 'Tags', ['TagID', 'Label'], 'TagID', ['src1'])].sort();
  assert.deepEqual(
    expectTags.map(([k, r]) => `${k}=${r.Label}`),
    ['src1/1=t1c', 'src1/3=t3'],
  );
  assert.deepEqual([...(await silverRows(again, 'tags', ['TagID', 'Label'], 'TagID'))].sort(), expectTags);
  assert.deepEqual([...(await silverRows(again, 'notes', ['NoteID', 'Body'], 'NoteID'))].sort(), expectNotes());
  await tagsHistory.refresh();
  assert.equal(tagsHistory.snapshot.version, tagsHistoryVersion, 'tags_history is not written any more');
  assert.deepEqual(await tagChanges(again, tagsHistory), ['c:1', 'c:2', 'u:1', 'd:2'], 'and keeps what it held');
  assert.ok(!again.tables().some((t) => t.location.endsWith('_history')));
  assert.equal(existsSync(lake('notes_history')), false);
  await again.close();

  // History on again: Tags' resumes from the Bronze version it stopped at; Notes' is created and
  // caught up from Bronze's snapshot when opened. Both then hold every change once.
  const on = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  const reported = (await on.catchUp()).tablesDiscovered;
  assert.ok(
    reported.some((n) => /^silver\/notes_history created and caught up from Bronze: \d+ events/.test(n)),
    reported.join('; '),
  );
  await tagsHistory.refresh();
  assert.deepEqual(await tagChanges(on, tagsHistory), ['c:1', 'c:2', 'u:1', 'd:2', 'c:3', 'u:1']);
  const notesHistory = on.specTables.find((s) => s.spec.name === 'notes')!.history!;
  const noteChanges = (
    await on.conn.runAndReadAll(
      `SELECT _op || ':' || coalesce(CAST("NoteID" AS VARCHAR), '') AS c, __is_current FROM ${notesHistory.scanSql()} ORDER BY _seq, _op`,
    )
  ).getRowObjectsJson();
  assert.deepEqual(
    noteChanges.map((r) => r.c),
    ['c:1', 'c:2', 'c:3', 'u:1', 'd:2', 'c:4', 'c:5', 'u:4', 'd:5', 'c:6'],
  );
  assert.deepEqual(
    noteChanges.filter((r) => r.__is_current).map((r) => r.c),
    ['u:4', 'c:6'],
    'the current versions are the Silver rows',
  );
  await on.close();
  await sub.close();
  await feed.close();
  db.close();
  await target.close();
});
