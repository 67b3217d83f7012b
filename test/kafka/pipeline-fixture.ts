// Shared by the real-stack pipeline tests: the sources read independently (pg, mysql2), the
// generator against them, convergence waits and the Bronze duplicate count.
import { join } from 'node:path';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import mysql from 'mysql2/promise';
import assert from 'node:assert/strict';
import { CONNECT_URL, KAFKA_BOOTSTRAP, MARIADB, POSTGRES } from './stack-fixture.ts';
import { waitFor, REPO, startService, tempDataDir, type ServiceProcess } from '../helpers/service-process.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable, quoteLiteral } from '@shori/delta';
import { diffRows, queryDelta, silverTickets, TICKET_COLUMNS, type LakeRef, type TextRow } from '../helpers/lake.ts';

const run = promisify(execFile);

/** scripts/stack.sh <args> (stop/kill/up a component). */
export async function stack(...args: string[]): Promise<void> {
  await run('bash', [join(REPO, 'scripts/stack.sh'), ...args], { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
}

export const PG_URL = `postgres://${POSTGRES.user}:${POSTGRES.password}@${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`;
export const MARIA_URL = `mysql://${MARIADB.user}:${MARIADB.password}@${MARIADB.host}:${MARIADB.port}/${MARIADB.database}`;

/** Both source tables in the text form Silver is compared in (keys `shoripg/<id>`, `shorimaria/<id>`). */
export async function sourceRows(
  labels: { postgres: string[]; mariadb: string[] } = { postgres: ['shoripg'], mariadb: ['shorimaria'] },
): Promise<Map<string, TextRow>> {
  const out = new Map<string, TextRow>();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const cols = TICKET_COLUMNS.map((c) =>
      ['CreatedAt', 'UpdatedAt', 'ResolvedAt'].includes(c) ? `to_char("${c}", 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "${c}"` : `CAST("${c}" AS text) AS "${c}"`,
    );
    for (const row of (await client.query(`SELECT ${cols.join(', ')} FROM public."Tickets"`)).rows as TextRow[]) {
      for (const label of labels.postgres) out.set(`${label}/${row.TicketID}`, { source: label, ...row });
    }
  } finally {
    await client.end();
  }
  const maria = await mysql.createConnection({ uri: MARIA_URL });
  try {
    const cols = TICKET_COLUMNS.map((c) =>
      ['CreatedAt', 'UpdatedAt', 'ResolvedAt'].includes(c) ? `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%fZ') AS ${c}` : `CAST(${c} AS CHAR) AS ${c}`,
    );
    const [rows] = await maria.query(`SELECT ${cols.join(', ')} FROM Tickets`);
    for (const row of rows as TextRow[]) {
      for (const label of labels.mariadb) out.set(`${label}/${row.TicketID}`, { source: label, ...row });
    }
  } finally {
    await maria.end();
  }
  return out;
}

export function generate(target: 'postgres' | 'mariadb', args: string[]): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, 'src/generator/cli.ts'), '--target', target, '--json', ...args], {
    cwd: REPO,
    env: { ...process.env, GENERATOR_POSTGRES_URLS: PG_URL, GENERATOR_MARIADB_URLS: MARIA_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generator (${target}) exited ${code}: ${out}`)))),
  );
}

/** Waits until Silver equals both sources (Debezium and the batches take a few seconds). */
export async function waitConverged(dataDir: LakeRef, labels?: { postgres: string[]; mariadb: string[] }): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(
      'Silver to equal PostgreSQL and MariaDB',
      async () => {
        last = diffRows(await sourceRows(labels), await silverTickets(dataDir).catch(() => new Map()));
        return last.length === 0;
      },
      240_000,
      2_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; differences: ${last.join('; ')}`);
  }
}

export function serviceEnv(run: string): Record<string, string> {
  return {
    KAFKA_BOOTSTRAP_SERVERS: KAFKA_BOOTSTRAP,
    // The stack's two connectors only: other tests on the shared stack create Tickets topics of their
    // own (e.g. `shorisql_901...`), which the default pattern would read into Silver.
    KAFKA_TOPIC_PATTERN: '^(shoripg|shorimaria)\\.(.+\\.)?tickets$',
    // A fresh group per run: it reads the topics from the start (Debezium's snapshot, then every change).
    KAFKA_LAKEHOUSE_GROUP: `e2e-${run}-lakehouse`,
    KAFKA_UI_GROUP: `e2e-${run}-ui`,
    LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5',
    LAKEHOUSE_MAX_BATCH_SIZE: '400',
    GOLD_REFRESH_INTERVAL_SEC: '1',
    KAFKA_CONSUMER_RESTART_BACKOFF_SEC: '1',
  };
}

export async function bronzeDuplicates(dataDir: LakeRef): Promise<{ changes: number; distinctOffsets: number; records: number; distinctEvents: number }> {
  const [row] = await queryDelta(
    dataDir,
    'bronze',
    'cdc_events',
    (scan) =>
      `SELECT count(*)::INT AS records, count(DISTINCT (topic, "partition", "offset"))::INT AS "distinctOffsets",
            count(*) FILTER (WHERE op IS NOT NULL)::INT AS changes,
            count(DISTINCT (source_name, seq, op, key)) FILTER (WHERE op IS NOT NULL)::INT AS "distinctEvents"
     FROM ${scan} AS t`,
  );
  return {
    records: Number(row.records),
    distinctOffsets: Number(row.distinctOffsets),
    changes: Number(row.changes),
    distinctEvents: Number(row.distinctEvents),
  };
}

/** Where each partition of the streams ended at some moment (health `lag[].end`): records from there on are newer. */
export type StreamEnds = Array<{ stream: string; partition: number; end: number }>;

/**
 * Change events Bronze holds more than once (by source, position, op and key: Debezium
 * re-published them at new offsets) with a copy at or after `since`: re-publications of this run.
 */
export async function republishedSince(dataDir: string, since: StreamEnds): Promise<number> {
  const starts = since.map((e) => `(${quoteLiteral(e.stream)}, ${e.partition}, ${e.end})`).join(', ');
  const [row] = await queryDelta(
    dataDir,
    'bronze',
    'cdc_events',
    (scan) =>
      `WITH starts(topic, "partition", start) AS (VALUES ${starts}),
     events AS (SELECT source_name, seq, op, key, count(*) AS n, bool_or(s.start IS NOT NULL AND b."offset" >= s.start) AS recent
                FROM ${scan} AS b LEFT JOIN starts AS s ON s.topic = b.topic AND s."partition" = b."partition"
                WHERE b.op IS NOT NULL GROUP BY ALL)
     SELECT count(*) FILTER (WHERE n > 1 AND recent)::INT AS n FROM events`,
  );
  return Number(row.n);
}

/**
 * What Silver applied, from its change feed (every version): rows inserted or updated, and how many
 * of them are a source change (source, TicketID, position) Silver had already applied. Must be 0.
 */
export async function silverAppliedTwice(dataDir: string): Promise<{ applied: number; twice: number }> {
  const table = await DeltaTable.open(join(dataDir, 'datalake', 'silver', 'tickets'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const [row] = (
      await conn.runAndReadAll(`SELECT count(*)::INT AS applied, (count(*) - count(DISTINCT ("source", "TicketID", _seq)))::INT AS twice
      FROM ${await table.changesSql(0)} AS c WHERE _change_type IN ('insert', 'update_postimage')`)
    ).getRowObjectsJson();
    return { applied: Number(row.applied), twice: Number(row.twice) };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Changes history holds more than once (by source, position, key and op): must be 0. */
export async function historyDuplicates(dataDir: LakeRef): Promise<{ rows: number; distinct: number }> {
  const [row] = await queryDelta(
    dataDir,
    'silver',
    'tickets_history',
    (scan) => `SELECT count(*)::INT AS rows, count(DISTINCT ("source", _seq, "TicketID", _op))::INT AS "distinct" FROM ${scan} AS t`,
  );
  return { rows: Number(row.rows), distinct: Number(row.distinct) };
}

/**
 * A second PostgreSQL connector whose topics have 4 partitions (keys keep their order per
 * partition), removed with its replication slot and publication after the test. Returns its topic prefix.
 */
export async function multiPartitionConnector(t: { after: (fn: () => Promise<void>) => void }, run: string): Promise<string> {
  const prefix = `shorimp${run}`;
  const connector = `pg-multi-${run}`;
  const slot = `shori_mp_${run}`;
  const config = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'database.hostname': POSTGRES.host,
    'database.port': String(POSTGRES.port),
    'database.user': POSTGRES.user,
    'database.password': POSTGRES.password,
    'database.dbname': POSTGRES.database,
    'topic.prefix': prefix,
    'table.include.list': 'public.Tickets',
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': `shori_mp_pub_${run}`,
    'publication.autocreate.mode': 'filtered',
    'snapshot.mode': 'initial',
    'decimal.handling.mode': 'precise',
    'tombstones.on.delete': 'true',
    'topic.creation.default.partitions': '4',
    'topic.creation.default.replication.factor': '1',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'true',
  };
  const put = await fetch(`${CONNECT_URL}/connectors/${connector}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  assert.ok(put.ok, `connector registered: ${put.status} ${await put.text()}`);
  t.after(async () => {
    await fetch(`${CONNECT_URL}/connectors/${connector}`, { method: 'DELETE' });
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    // The slot outlives the connector; drop it (once its walsender is gone) so WAL is not retained.
    await waitFor(
      'the replication slot to be released',
      async () => {
        const r = await client.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        if (r.rows.length === 0) return true;
        if (r.rows[0].active) return false;
        await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
        return true;
      },
      60_000,
      1_000,
    ).catch(() => undefined);
    await client.query(`DROP PUBLICATION IF EXISTS shori_mp_pub_${run}`).catch(() => undefined);
    await client.end();
  });
  return prefix;
}

/**
 * Two service processes, each with its own DATA_DIR, in one consumer group on 4-partition topics,
 * writing one lake (`lake.uri`: a folder or an object store, credentials in `lake.env`): both hold
 * partitions and commit batches, Silver ends equal to PostgreSQL, Bronze holds every Kafka record
 * once and history every change once. `running` collects the processes for the caller's clean-up.
 */
export async function twoInstancesOneLake(
  t: { after: (fn: () => Promise<void>) => void },
  lake: { uri: string; env: Record<string, string> },
  running: ServiceProcess[],
  count = 2500,
): Promise<void> {
  const run = `${process.pid}${Date.now()}`.slice(-10);
  const prefix = await multiPartitionConnector(t, run);
  const env = { ...serviceEnv(run), ...lake.env, LAKE_URI: lake.uri, KAFKA_TOPIC_PATTERN: `^${prefix}\\..*tickets$`, KAFKA_UNASSIGNED_RESTART_SEC: '600' };
  const one = await startService(env, { dataDir: tempDataDir('shori-kafka-one-') });
  running.push(one);
  const two = await startService(env, { dataDir: tempDataDir('shori-kafka-two-') });
  running.push(two);
  assert.notEqual(one.dataDir, two.dataDir);

  await generate('postgres', ['--count', String(count), '--rate', '300', '--bursts', '0.2', '--key-changes', '0.02']);
  await waitFor(
    'both instances to hold partitions',
    async () => {
      const [a, b] = [await one.health(), await two.health()];
      return a.lag.length > 0 && b.lag.length > 0 && a.lag.length + b.lag.length === 4;
    },
    180_000,
    500,
  );
  await waitConverged(lake, { postgres: [prefix], mariadb: [] });
  const [a, b] = [await one.health(), await two.health()];
  assert.ok(a.counters.batches_ok > 0 && b.counters.batches_ok > 0, `both instances committed batches (${a.counters.batches_ok}, ${b.counters.batches_ok})`);
  const bronze = await bronzeDuplicates(lake);
  assert.equal(bronze.records, bronze.distinctOffsets, 'no Kafka record twice in Bronze');
  const history = await historyDuplicates(lake);
  assert.equal(history.rows, history.distinct, 'no change twice in history');
  assert.equal(await one.stop(), 0);
  assert.equal(await two.stop(), 0);
}
