// End to end through the real local stack: a row inserted, updated and deleted in PostgreSQL and in
// MariaDB comes out of Debezium (Kafka Connect) as create, update, delete and tombstone messages on
// Kafka, read back with @platformatic/kafka. The messages are kept as test data for the decoders in
// test/fixtures/debezium-captured/<source>-<kind>.json ({"key": ..., "value": ...}, the format of the
// shared fixtures); they are written when missing, or rewritten with SHORI_CAPTURE_FIXTURES=1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { Admin, Consumer } from '@platformatic/kafka';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { acquireStack, CONNECT_URL, KAFKA_BOOTSTRAP, MARIADB, POSTGRES, requireStack, type StackLease } from './stack-fixture.ts';

const FIXTURES = new URL('../fixtures/debezium-captured/', import.meta.url);
const WAIT_MS = 120_000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
interface Captured {
  key: Obj;
  value: Obj | null;
}

let lease: StackLease | undefined;
before(async () => {
  lease = await acquireStack();
});
after(async () => {
  await lease?.release();
});

async function connectorState(name: string): Promise<string[]> {
  const status = (await (await fetch(`${CONNECT_URL}/connectors/${name}/status`)).json()) as { connector: { state: string }; tasks: Array<{ state: string }> };
  return [status.connector.state, ...status.tasks.map((t) => t.state)];
}

async function waitForTopic(topic: string): Promise<void> {
  const admin = new Admin({ clientId: 'shori-capture-test', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  try {
    const deadline = Date.now() + WAIT_MS;
    while (!(await admin.listTopics()).includes(topic)) {
      if (Date.now() > deadline) throw new Error(`topic ${topic} did not appear within ${WAIT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.close();
  }
}

/** Reads the topic from the start until `count` messages whose key TicketID is `id` have arrived. */
async function readChanges(topic: string, id: number, count: number): Promise<Captured[]> {
  await waitForTopic(topic);
  const consumer = new Consumer({
    clientId: 'shori-capture-test',
    groupId: `shori-capture-test-${process.pid}-${Date.now()}`,
    bootstrapBrokers: [KAFKA_BOOTSTRAP],
    autocommit: false,
  });
  const found: Captured[] = [];
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 500 });
  const timer = setTimeout(() => void stream.close(), WAIT_MS);
  try {
    for await (const message of stream) {
      const key = message.key ? (JSON.parse(message.key.toString('utf8')) as Obj) : null;
      if (!key || (key.payload as Obj).TicketID !== id) continue;
      const value = message.value && message.value.length > 0 ? (JSON.parse(message.value.toString('utf8')) as Obj) : null;
      found.push({ key, value });
      if (found.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await consumer.close(true);
  }
  assert.equal(found.length, count, `expected ${count} messages for TicketID ${id} on ${topic}, got ${found.length} within ${WAIT_MS / 1000}s`);
  return found;
}

function payload(message: Captured): Obj {
  assert.ok(message.value, 'expected a change event, got a tombstone');
  return message.value.payload as Obj;
}

function fieldSchema(message: Captured, section: 'after' | 'before', column: string): Obj {
  const fields = (message.value!.schema as Obj).fields as Obj[];
  const row = fields.find((f) => f.field === section)!;
  return (row.fields as Obj[]).find((f) => f.field === column)!;
}

async function keep(source: string, messages: Captured[]): Promise<void> {
  await mkdir(FIXTURES, { recursive: true });
  const names = ['create', 'update', 'delete', 'tombstone'];
  for (let i = 0; i < names.length; i++) {
    const file = new URL(`${source}-${names[i]}.json`, FIXTURES);
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (exists && process.env.SHORI_CAPTURE_FIXTURES !== '1') continue;
    await writeFile(file, JSON.stringify(messages[i], null, 2) + '\n');
  }
}

/** What both sources must show: the op sequence, full before-images, and the logical types we rely on. */
function assertLifecycle(messages: Captured[], connector: string, prefix: string, title: string): void {
  const [create, update, remove, tombstone] = messages;
  assert.equal(payload(create).op, 'c');
  assert.equal((payload(create).after as Obj).Title, title);
  assert.equal((payload(create).after as Obj).EstimatedCost !== undefined, true);
  assert.equal((payload(create).source as Obj).connector, connector);
  assert.equal((payload(create).source as Obj).name, prefix);
  const cost = fieldSchema(create, 'after', 'EstimatedCost');
  assert.equal(cost.name, 'org.apache.kafka.connect.data.Decimal');
  assert.equal((cost.parameters as Obj).scale, '2');
  assert.equal(fieldSchema(create, 'after', 'CreatedAt').name, 'io.debezium.time.MicroTimestamp');
  assert.equal(fieldSchema(create, 'after', 'ResolvedAt').optional, true);

  assert.equal(payload(update).op, 'u');
  assert.equal((payload(update).before as Obj).Status, 'Open');
  assert.equal((payload(update).after as Obj).Status, 'InProgress');

  assert.equal(payload(remove).op, 'd');
  assert.equal(payload(remove).after, null);
  assert.equal((payload(remove).before as Obj).Title, title);

  assert.equal(tombstone.value, null);
  assert.deepEqual(tombstone.key.payload, create.key.payload);
}

test('PostgreSQL: insert, update, delete of a ticket arrive as Debezium c/u/d + tombstone on shoripg.public.Tickets', async (t) => {
  if (!requireStack(t, lease)) return;
  assert.deepEqual(await connectorState('shori-postgres-tickets'), ['RUNNING', 'RUNNING']);
  const client = new pg.Client(POSTGRES);
  await client.connect();
  const title = `captured pg ${Date.now()}`;
  let id: number;
  try {
    const inserted = await client.query<{ TicketID: number }>(
      `INSERT INTO "Tickets" ("Title", "Description", "Status", "Priority", "Category", "CustomerID", "AssignedTo", "EstimatedCost", "CreatedAt", "UpdatedAt")
       VALUES ($1, 'Printer on floor 3 jams', 'Open', 'High', 'Hardware', 1042, NULL, 1234.50, '2026-11-24 08:00:00.123456', '2026-11-24 08:00:00.123456')
       RETURNING "TicketID"`,
      [title],
    );
    id = inserted.rows[0].TicketID;
    await client.query(`UPDATE "Tickets" SET "Status" = 'InProgress', "AssignedTo" = 'ana', "UpdatedAt" = '2026-11-24 08:05:00.654321' WHERE "TicketID" = $1`, [
      id,
    ]);
    await client.query(`DELETE FROM "Tickets" WHERE "TicketID" = $1`, [id]);
  } finally {
    await client.end();
  }
  const messages = await readChanges('shoripg.public.Tickets', id, 4);
  assertLifecycle(messages, 'postgresql', 'shoripg', title);
  // timestamp(6) keeps microseconds: 2026-11-24T08:00:00.123456 as microseconds since the epoch.
  assert.equal((payload(messages[0]).after as Obj).CreatedAt, Date.UTC(2026, 10, 24, 8, 0, 0) * 1000 + 123456);
  await keep('postgres', messages);
});

test('MariaDB: insert, update, delete of a ticket arrive as Debezium c/u/d + tombstone on shorimaria.ticketsdb.Tickets', async (t) => {
  if (!requireStack(t, lease)) return;
  assert.deepEqual(await connectorState('shori-mariadb-tickets'), ['RUNNING', 'RUNNING']);
  const connection = await mysql.createConnection(MARIADB);
  const title = `captured maria ${Date.now()}`;
  let id: number;
  try {
    const [result] = await connection.execute<mysql.ResultSetHeader>(
      `INSERT INTO Tickets (Title, Description, Status, Priority, Category, CustomerID, AssignedTo, EstimatedCost, CreatedAt, UpdatedAt)
       VALUES (?, 'VPN drops every hour', 'Open', 'Medium', 'Network', 2077, NULL, 99.99, '2026-11-24 08:00:00.123456', '2026-11-24 08:00:00.123456')`,
      [title],
    );
    id = result.insertId;
    await connection.execute(`UPDATE Tickets SET Status = 'InProgress', AssignedTo = 'li', UpdatedAt = '2026-11-24 08:05:00.654321' WHERE TicketID = ?`, [id]);
    await connection.execute(`DELETE FROM Tickets WHERE TicketID = ?`, [id]);
  } finally {
    await connection.end();
  }
  const messages = await readChanges('shorimaria.ticketsdb.Tickets', id, 4);
  assertLifecycle(messages, 'mariadb', 'shorimaria', title);
  assert.equal((payload(messages[0]).after as Obj).CreatedAt, Date.UTC(2026, 10, 24, 8, 0, 0) * 1000 + 123456);
  await keep('mariadb', messages);
});
