// Real sources, any table: PostgreSQL and MariaDB → Debezium → Kafka → service → Delta, over three
// tables created while the service runs (so they are discovered without a restart), with an ADD
// COLUMN, a widened column, a primary-key update, a 5,000-row transaction and a TRUNCATE, then a
// SIGKILL and a restart: each silver/<table> equals its two source tables row for row; the TRUNCATE
// ends the history intervals of the rows it removed; and a fourth table, without a primary key,
// gets its append-only history (every change once, no Silver table).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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

test('three tables created while the service runs, with DDL, a PK update, a 5,000-row transaction, a TRUNCATE and a SIGKILL: Silver equals PostgreSQL and MariaDB, history intervals end at the TRUNCATE, a keyless fourth keeps its append-only history', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${Date.now().toString(36)}${process.pid}`.toLowerCase();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `t9${x}_${run}`);
  const dataDir = tempDataDir('shori-generic-');
  const env = { ...serviceEnv(run), KAFKA_TOPIC_PATTERN: `^(shoripg|shorimaria)\\.(.+\\.)?t9[abcd]_${run}$`, LAKEHOUSE_MAX_BATCH_SIZE: '1000' };
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
    await m.query(
      `INSERT INTO ${c} WITH RECURSIVE s(g) AS (SELECT 2001 UNION ALL SELECT g + 1 FROM s WHERE g < 7000) SELECT g, CONCAT('bulk', g), g / 100.0 FROM s`,
    );
    // A table without a primary key (REPLICA IDENTITY FULL gives PostgreSQL's updates a before image).
    await both(`CREATE TABLE ${d} (n integer NOT NULL, what varchar(20))`);
    await p.query(`ALTER TABLE ${d} REPLICA IDENTITY FULL`);
    await both(`INSERT INTO ${d} VALUES (1, 'x'), (2, 'y'), (3, 'z')`);
    await both(`UPDATE ${d} SET what = 'w' WHERE n = 2`);
    await both(`DELETE FROM ${d} WHERE n = 3`);
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
      for (const r of (await p.query(`SELECT ${cols.map((x) => `CAST(${x} AS text) AS ${x}`).join(', ')} FROM ${table}`)).rows as TextRow[])
        out.set(`shoripg/${r.id}`, { source: 'shoripg', ...r });
      const [rows] = await m.query(`SELECT ${cols.map((x) => `CAST(${x} AS CHAR) AS ${x}`).join(', ')} FROM ${table}`);
      for (const r of rows as TextRow[]) out.set(`shorimaria/${r.id}`, { source: 'shorimaria', ...r });
      return out;
    };
    const actual = async (table: string): Promise<Map<string, TextRow>> => {
      const cols = table === a ? ['id', 'name', 'amount', 'note'] : ['id', 'name', 'amount'];
      const rows = await queryDelta(
        join(dataDir, 'datalake/silver', table),
        (scan) => `SELECT "source", ${cols.map((x) => `CAST(${x} AS VARCHAR) AS ${x}`).join(', ')} FROM ${scan} AS t`,
      ).catch(() => []);
      return new Map(rows.map((r) => [`${r.source}/${r.id}`, r]));
    };
    const keyless = async (): Promise<string> => {
      const rows = await queryDelta(
        join(dataDir, 'datalake/silver', `${d}_history`),
        (scan) =>
          `SELECT "source", string_agg(_op || ':' || "n" || ':' || coalesce(what, '-'), ' ' ORDER BY _seq) AS ops FROM ${scan} AS h GROUP BY 1 ORDER BY 1`,
      ).catch(() => []);
      return rows.map((r) => `${r.source} ${r.ops}`).join('; ');
    };
    const changes = 'c:1:x c:2:y c:3:z u:2:w d:3:z';
    let last: string[] = [];
    await waitFor(
      'Silver to equal both sources for the three tables, and the keyless history',
      async () => {
        last = [];
        for (const table of [a, b, c]) last.push(...diffRows(await expected(table), await actual(table), 5).map((x) => `${table}: ${x}`));
        const held = await keyless();
        if (held !== `shorimaria ${changes}; shoripg ${changes}`) last.push(`${d}_history: ${held}`);
        return last.length === 0;
      },
      300_000,
      2_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; differences: ${last.join('; ')}`);
    });
    const [types] = await queryDelta(join(dataDir, 'datalake/silver', b), (scan) => `SELECT typeof(amount) AS t FROM ${scan} AS x LIMIT 1`);
    assert.equal(types.t, 'DECIMAL(14,2)', 'the widened column');
    assert.equal(existsSync(join(dataDir, 'datalake/silver', d)), false, 'a keyless table has no current state');
    // The TRUNCATE ended every interval it removed: the current versions are the rows written after it.
    const [scd] = await queryDelta(
      join(dataDir, 'datalake/silver', `${b}_history`),
      (scan) =>
        `SELECT count(*) FILTER (WHERE __is_current) AS cur, count(*) FILTER (WHERE NOT __is_current AND _op <> 'd' AND __valid_to IS NULL) AS open FROM ${scan} AS h`,
    );
    assert.deepEqual(scd, { cur: '2', open: '0' }, 'one current row per source (id 7, after the truncate)');
    assert.equal((await second.health()).counters.events_rejected ?? 0, 0);
  } finally {
    for (const table of [a, b, c, d]) await both(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await p.end();
    await m.end();
  }
});
