// Real sources, any table: PostgreSQL and MariaDB → Debezium → Kafka → service → Delta, over three
// tables created while the service runs (so they are discovered without a restart), with an ADD
// COLUMN, a widened column, a primary-key update, a 5,000-row transaction and a TRUNCATE, then a
// SIGKILL and a restart: each silver/<table> equals its two source tables row for row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { acquireStack, requireStack, type StackLease } from './stack-fixture.ts';
import { startService, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { diffRows, queryDelta, type TextRow } from '../helpers/lake.ts';
import { MARIA_URL, PG_URL, serviceEnv } from './pipeline-fixture.ts';

let lease: StackLease | undefined;
const running: ServiceProcess[] = [];
before(async () => {
  lease = await acquireStack();
});
after(async () => {
  for (const s of running) await s.kill();
  await lease?.release();
});

test('three tables created while the service runs, with DDL, a PK update, a 5,000-row transaction, a TRUNCATE and a SIGKILL: Silver equals PostgreSQL and MariaDB', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${Date.now().toString(36)}${process.pid}`.toLowerCase();
  const [a, b, c] = ['a', 'b', 'c'].map((x) => `t9${x}_${run}`);
  const dataDir = tempDataDir('shori-generic-');
  const env = { ...serviceEnv(run), KAFKA_TOPIC_PATTERN: `^(shoripg|shorimaria)\\.(.+\\.)?t9[abc]_${run}$`, LAKEHOUSE_MAX_BATCH_SIZE: '1000' };
  const first = await startService(env, { dataDir });
  running.push(first);

  const p = new pg.Client({ connectionString: PG_URL });
  await p.connect();
  const m = await mysql.createConnection({ uri: MARIA_URL, multipleStatements: true });
  const both = async (sql: string, mariaSql = sql) => {
    await p.query(sql.replaceAll('`', '"'));
    await m.query(mariaSql);
  };
  try {
    // Created after the service started: new topics matching the pattern.
    for (const table of [a, b, c]) {
      await both(`CREATE TABLE ${table} (id integer PRIMARY KEY, name varchar(40) NOT NULL, amount numeric(10,2) NOT NULL)`);
      await p.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
    }
    for (let i = 1; i <= 50; i++) for (const table of [a, b, c]) await both(`INSERT INTO ${table} VALUES (${i}, 'n${i}', ${i}.25)`);
    await both(`UPDATE ${a} SET name = 'renamed' WHERE id <= 10`);
    await both(`DELETE FROM ${a} WHERE id BETWEEN 11 AND 15`);
    // ADD COLUMN, then rows that fill it.
    await both(`ALTER TABLE ${a} ADD COLUMN note varchar(20)`);
    await both(`UPDATE ${a} SET note = 'after-ddl' WHERE id BETWEEN 20 AND 30`);
    await both(`INSERT INTO ${a} VALUES (100, 'new', 1.00, 'with-note')`);
    // Widen a decimal (10,2) → (14,2) and write a value only the wider type holds.
    await p.query(`ALTER TABLE ${b} ALTER COLUMN amount TYPE numeric(14,2)`);
    await m.query(`ALTER TABLE ${b} MODIFY amount DECIMAL(14,2) NOT NULL`);
    await both(`UPDATE ${b} SET amount = 123456789012.34 WHERE id = 1`);
    // A primary-key update.
    await both(`UPDATE ${c} SET id = 1000 WHERE id = 1`);
    // A 5,000-row transaction.
    await p.query(`INSERT INTO ${c} SELECT g, 'bulk' || g, g / 100.0 FROM generate_series(2001, 7000) AS g`);
    await m.query('SET SESSION max_recursive_iterations = 10000');
    await m.query(`INSERT INTO ${c} WITH RECURSIVE s(g) AS (SELECT 2001 UNION ALL SELECT g + 1 FROM s WHERE g < 7000) SELECT g, CONCAT('bulk', g), g / 100.0 FROM s`);
    await waitFor('a few batches', async () => (await first.health()).counters.batches_ok >= 2, 120_000, 100);
    await first.kill();
    // While the service is down: a TRUNCATE and rows after it.
    await both(`TRUNCATE TABLE ${b}`);
    await both(`INSERT INTO ${b} VALUES (7, 'after-truncate', 7.77)`);
    const second = await startService(env, { dataDir, port: first.port });
    running.push(second);

    const expected = async (table: string): Promise<Map<string, TextRow>> => {
      const out = new Map<string, TextRow>();
      const cols = table === a ? ['id', 'name', 'amount', 'note'] : ['id', 'name', 'amount'];
      for (const r of (await p.query(`SELECT ${cols.map((x) => `CAST(${x} AS text) AS ${x}`).join(', ')} FROM ${table}`)).rows as TextRow[]) out.set(`shoripg/${r.id}`, { source: 'shoripg', ...r });
      const [rows] = await m.query(`SELECT ${cols.map((x) => `CAST(${x} AS CHAR) AS ${x}`).join(', ')} FROM ${table}`);
      for (const r of rows as TextRow[]) out.set(`shorimaria/${r.id}`, { source: 'shorimaria', ...r });
      return out;
    };
    const actual = async (table: string): Promise<Map<string, TextRow>> => {
      const cols = table === a ? ['id', 'name', 'amount', 'note'] : ['id', 'name', 'amount'];
      const rows = await queryDelta(join(dataDir, 'datalake/silver', table), (scan) => `SELECT "source", ${cols.map((x) => `CAST(${x} AS VARCHAR) AS ${x}`).join(', ')} FROM ${scan} AS t`).catch(() => []);
      return new Map(rows.map((r) => [`${r.source}/${r.id}`, r]));
    };
    let last: string[] = [];
    await waitFor('Silver to equal both sources for the three tables', async () => {
      last = [];
      for (const table of [a, b, c]) last.push(...diffRows(await expected(table), await actual(table), 5).map((d) => `${table}: ${d}`));
      return last.length === 0;
    }, 300_000, 2_000).catch((error: Error) => {
      throw new Error(`${error.message}; differences: ${last.join('; ')}`);
    });
    const [types] = await queryDelta(join(dataDir, 'datalake/silver', b), (scan) => `SELECT typeof(amount) AS t FROM ${scan} AS x LIMIT 1`);
    assert.equal(types.t, 'DECIMAL(14,2)', 'the widened column');
    assert.equal((await second.health()).counters.events_rejected ?? 0, 0);
  } finally {
    for (const table of [a, b, c]) await both(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await p.end();
    await m.end();
  }
});
