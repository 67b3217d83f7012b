// Real end to end: PostgreSQL and MariaDB → Debezium (Kafka Connect) → Kafka → our service → Delta.
// After thousands of generated operations (inserts, updates incl. bursts on one row, deletes, key
// changes), Silver equals each source table, Bronze holds every change once, Gold matches; and the
// same after the service is SIGKILLed mid-batch and restarted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { acquireStack, KAFKA_BOOTSTRAP, MARIADB, POSTGRES, requireStack, type StackLease } from './stack-fixture.ts';
import { startService, tempDataDir, waitFor, REPO, type ServiceProcess } from '../helpers/service-process.ts';
import { diffRows, queryDelta, silverTickets, TICKET_COLUMNS, type TextRow } from '../helpers/lake.ts';
import { spawn } from 'node:child_process';

let lease: StackLease | undefined;
const running: ServiceProcess[] = [];
before(async () => {
  lease = await acquireStack();
});
after(async () => {
  for (const s of running) await s.kill();
  await lease?.release();
});

const PG_URL = `postgres://${POSTGRES.user}:${POSTGRES.password}@${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`;
const MARIA_URL = `mysql://${MARIADB.user}:${MARIADB.password}@${MARIADB.host}:${MARIADB.port}/${MARIADB.database}`;

/** Both source tables in the text form Silver is compared in (keys `shoripg/<id>`, `shorimaria/<id>`). */
async function sourceRows(): Promise<Map<string, TextRow>> {
  const out = new Map<string, TextRow>();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const cols = TICKET_COLUMNS.map((c) =>
      ['CreatedAt', 'UpdatedAt', 'ResolvedAt'].includes(c)
        ? `to_char("${c}", 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "${c}"`
        : `CAST("${c}" AS text) AS "${c}"`,
    );
    for (const row of (await client.query(`SELECT ${cols.join(', ')} FROM public."Tickets"`)).rows as TextRow[]) out.set(`shoripg/${row.TicketID}`, { source: 'shoripg', ...row });
  } finally {
    await client.end();
  }
  const maria = await mysql.createConnection({ uri: MARIA_URL });
  try {
    const cols = TICKET_COLUMNS.map((c) =>
      ['CreatedAt', 'UpdatedAt', 'ResolvedAt'].includes(c) ? `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%fZ') AS ${c}` : `CAST(${c} AS CHAR) AS ${c}`,
    );
    const [rows] = await maria.query(`SELECT ${cols.join(', ')} FROM Tickets`);
    for (const row of rows as TextRow[]) out.set(`shorimaria/${row.TicketID}`, { source: 'shorimaria', ...row });
  } finally {
    await maria.end();
  }
  return out;
}

function generate(target: 'postgres' | 'mariadb', args: string[]): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, 'src/generator/cli.ts'), '--target', target, '--json', ...args], {
    cwd: REPO,
    env: { ...process.env, GENERATOR_POSTGRES_URLS: PG_URL, GENERATOR_MARIADB_URLS: MARIA_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generator (${target}) exited ${code}: ${out}`)))));
}

/** Waits until Silver equals both sources (Debezium and the batches take a few seconds). */
async function waitConverged(dataDir: string): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(
      'Silver to equal PostgreSQL and MariaDB',
      async () => {
        last = diffRows(await sourceRows(), await silverTickets(dataDir).catch(() => new Map()));
        return last.length === 0;
      },
      240_000,
      2_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; differences: ${last.join('; ')}`);
  }
}

function serviceEnv(run: string): Record<string, string> {
  return {
    KAFKA_BOOTSTRAP_SERVERS: KAFKA_BOOTSTRAP,
    // A fresh group per run: it reads the topics from the start (Debezium's snapshot, then every change).
    KAFKA_LAKEHOUSE_GROUP: `e2e-${run}-lakehouse`,
    KAFKA_UI_GROUP: `e2e-${run}-ui`,
    LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5',
    LAKEHOUSE_MAX_BATCH_SIZE: '400',
    GOLD_REFRESH_INTERVAL_SEC: '1',
    KAFKA_CONSUMER_RESTART_BACKOFF_SEC: '1',
  };
}

async function bronzeDuplicates(dataDir: string): Promise<{ changes: number; distinctOffsets: number; records: number; distinctEvents: number }> {
  const [row] = await queryDelta(join(dataDir, 'datalake/bronze/cdc_events'), (scan) =>
    `SELECT count(*)::INT AS records, count(DISTINCT (topic, "partition", "offset"))::INT AS "distinctOffsets",
            count(*) FILTER (WHERE op IS NOT NULL)::INT AS changes,
            count(DISTINCT (source_name, seq, op, key)) FILTER (WHERE op IS NOT NULL)::INT AS "distinctEvents"
     FROM ${scan} AS t`,
  );
  return { records: Number(row.records), distinctOffsets: Number(row.distinctOffsets), changes: Number(row.changes), distinctEvents: Number(row.distinctEvents) };
}

test('PostgreSQL + MariaDB → Debezium → Kafka → service → Delta: Silver equals the sources, Bronze once, Gold matches; SIGKILL mid-batch and restart', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${process.pid}-${Date.now()}`;
  const dataDir = tempDataDir('shori-kafka-e2e-');
  const first = await startService(serviceEnv(run), { dataDir });
  running.push(first);
  assert.equal((await first.health()).feed, 'kafka');

  const load = Promise.all([
    generate('postgres', ['--count', '1500', '--rate', '400', '--bursts', '0.2', '--key-changes', '0.02']),
    generate('mariadb', ['--count', '1500', '--rate', '400', '--bursts', '0.2', '--key-changes', '0.02']),
  ]);
  // SIGKILL while batches are being written, then start again on the same data and groups.
  await waitFor('a few batches', async () => (await first.health()).counters.batches_ok >= 3, 120_000, 50);
  await first.kill();
  const second = await startService(serviceEnv(run), { dataDir, port: first.port });
  running.push(second);
  await load;
  await waitConverged(dataDir);

  const bronze = await bronzeDuplicates(dataDir);
  assert.equal(bronze.records, bronze.distinctOffsets, 'no Kafka record twice in Bronze');
  assert.equal(bronze.changes, bronze.distinctEvents, 'no change event twice in Bronze');
  const health = await second.health();
  assert.equal(health.counters.decode_errors, 0);
  assert.equal(health.lakehouse_running, true);
  assert.ok(health.lag.length >= 2, 'lag reported per partition');

  // Gold: tickets per source equals the sources.
  const sources = await sourceRows();
  assert.ok([...sources.values()].filter((r) => r.source === 'shoripg').length > 300, 'PostgreSQL holds tickets');
  assert.ok([...sources.values()].filter((r) => r.source === 'shorimaria').length > 300, 'MariaDB holds tickets');
  await waitFor('Gold to catch up', async () => {
    const gold = await queryDelta(join(dataDir, 'datalake/gold/tickets_by_source'), (scan) => `SELECT * FROM ${scan} AS t`);
    const bySource = new Map(gold.map((r) => [r.source, Number(r.tickets)]));
    return ['shoripg', 'shorimaria'].every((s) => bySource.get(s) === [...sources.values()].filter((r) => r.source === s).length);
  }, 60_000, 1_000);
  assert.equal(await second.stop(), 0);
});
