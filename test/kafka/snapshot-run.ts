// An initial snapshot through the real stack: N rows in a fresh PostgreSQL table, a fresh Debezium
// connector snapshotting it (snapshot.mode=initial: every event is an `r` and they share one order
// key), the service consuming the topic into a fresh DATA_DIR. Then Silver is compared with the
// source exactly (an md5 over every column of every row, computed by PostgreSQL and by DuckDB over
// Silver in the same text form) and the service's peak RSS (VmHWM) is read. Used by the CI test
// (test/kafka/snapshot.test.ts, 20,000 rows) and by `npm run bench -- snapshot` (1,000,000 rows).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Admin } from '@platformatic/kafka';
import { CONNECT_URL, KAFKA_BOOTSTRAP, POSTGRES } from './stack-fixture.ts';
import { PG_URL, serviceEnv } from './pipeline-fixture.ts';
import { startService, tempDataDir, waitFor } from '../helpers/service-process.ts';
import { queryDelta } from '../helpers/lake.ts';
import { TICKET_COLUMNS } from '../../src/sources/embedded/tickets-schema.ts';

export interface SnapshotRun {
  rows: number;
  silverRows: number;
  sourceMd5: string;
  silverMd5: string;
  peakRssBytes: number;
  /** From the connector's registration to Silver holding every row. */
  seconds: number;
}

const FINGERPRINT_COLUMNS: readonly string[] = TICKET_COLUMNS;
const TIMESTAMPS = new Set(['CreatedAt', 'UpdatedAt', 'ResolvedAt']);

function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

async function createSource(client: pg.Client, schema: string, rows: number): Promise<void> {
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`CREATE TABLE ${schema}."Tickets" (LIKE public."Tickets" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await client.query(`ALTER TABLE ${schema}."Tickets" ADD PRIMARY KEY ("TicketID")`);
  await client.query(`INSERT INTO ${schema}."Tickets" ("TicketID", "Title", "Description", "Status", "Priority", "Category", "CustomerID", "AssignedTo", "EstimatedCost", "CreatedAt", "UpdatedAt", "ResolvedAt")
    SELECT i, 'Ticket ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('d', i % 200) END,
           (ARRAY['Open','InProgress','Resolved','Closed'])[1 + i % 4], (ARRAY['Low','Medium','High','Critical'])[1 + i % 4],
           'Category ' || (i % 17), i % 5000, CASE WHEN i % 2 = 0 THEN 'agent' || (i % 50) END, ((i % 100000) / 100.0)::numeric(10,2),
           timestamp '2026-01-01 00:00:00' + i * interval '1 second' + (i % 997) * interval '1 microsecond',
           timestamp '2026-01-02 00:00:00' + i * interval '1 second', CASE WHEN i % 4 = 2 THEN timestamp '2026-02-01 00:00:00' + i * interval '1 millisecond' END
    FROM generate_series(1, ${rows}) AS i`);
}

async function sourceMd5(client: pg.Client, schema: string): Promise<string> {
  const cols = FINGERPRINT_COLUMNS.map((c) =>
    TIMESTAMPS.has(c) ? `coalesce(to_char("${c}", 'YYYY-MM-DD"T"HH24:MI:SS.US'), '~')` : `coalesce(CAST("${c}" AS text), '~')`,
  );
  const r = await client.query(`SELECT md5(string_agg(concat_ws('|', ${cols.join(', ')}), E'\\n' ORDER BY "TicketID")) AS h FROM ${schema}."Tickets"`);
  return String(r.rows[0].h);
}

async function silverMd5(dataDir: string): Promise<{ rows: number; md5: string }> {
  const cols = FINGERPRINT_COLUMNS.map((c) =>
    TIMESTAMPS.has(c) ? `coalesce(strftime("${c}", '%Y-%m-%dT%H:%M:%S.%f'), '~')` : `coalesce(CAST("${c}" AS VARCHAR), '~')`,
  );
  const [row] = await queryDelta(
    join(dataDir, 'datalake/silver/tickets'),
    (scan) => `SELECT count(*)::BIGINT AS n, md5(string_agg(concat_ws('|', ${cols.join(', ')}), chr(10) ORDER BY "TicketID")) AS h FROM ${scan} AS t`,
  );
  return { rows: Number(row.n), md5: String(row.h) };
}

export async function runSnapshot(rows: number, log: (line: string) => void = () => undefined): Promise<SnapshotRun> {
  const run = `${process.pid}${Date.now()}`.slice(-10);
  const schema = `snap${run}`;
  const prefix = `snap${run}`;
  const connector = `snapshot-${run}`;
  const slot = `shori_snap_${run}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const admin = new Admin({ clientId: 'shori-snapshot', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  const dataDir = tempDataDir('shori-snapshot-');
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    await createSource(client, schema, rows);
    log(`source ${schema}."Tickets": ${rows} rows`);
    service = await startService(
      {
        ...serviceEnv(run),
        KAFKA_TOPIC_PATTERN: `^${prefix}\\..*tickets$`,
        LAKEHOUSE_MAX_BATCH_SIZE: '5000',
        LAKEHOUSE_FLUSH_INTERVAL_SEC: '1',
        GOLD_REFRESH_INTERVAL_SEC: '30',
      },
      { dataDir },
    );
    const started = Date.now();
    const config = {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'database.hostname': POSTGRES.host,
      'database.port': String(POSTGRES.port),
      'database.user': POSTGRES.user,
      'database.password': POSTGRES.password,
      'database.dbname': POSTGRES.database,
      'topic.prefix': prefix,
      'schema.include.list': schema,
      'table.include.list': `${schema}.Tickets`,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': `shori_snap_pub_${run}`,
      'publication.autocreate.mode': 'filtered',
      'snapshot.mode': 'initial',
      'decimal.handling.mode': 'precise',
      'time.precision.mode': 'adaptive',
      'tombstones.on.delete': 'true',
    };
    const put = await fetch(`${CONNECT_URL}/connectors/${connector}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!put.ok) throw new Error(`connector registration failed: ${put.status} ${await put.text()}`);
    const svc = service;
    await waitFor(
      'Silver to hold every row',
      async () => {
        const h = await svc.health();
        log(
          `read ${h.lag.map((p) => `${p.next}/${p.end}`).join(' ')}, batches ${h.counters.batches_ok}, peak RSS ${(peakRss(svc.child.pid!) / 2 ** 20).toFixed(0)} MiB`,
        );
        if (h.lag.length === 0 || h.lag.some((p) => p.lag > 0) || h.lakehouse_pending) return false;
        const { rows: n } = await silverMd5(dataDir).catch(() => ({ rows: -1 }));
        return n === rows;
      },
      Math.max(300_000, rows * 5),
      15_000,
    );
    const seconds = (Date.now() - started) / 1000;
    const peakRssBytes = peakRss(service.child.pid!);
    const silver = await silverMd5(dataDir);
    return { rows, silverRows: silver.rows, silverMd5: silver.md5, sourceMd5: await sourceMd5(client, schema), peakRssBytes, seconds };
  } finally {
    await service?.stop().catch(() => undefined);
    await fetch(`${CONNECT_URL}/connectors/${connector}`, { method: 'DELETE' }).catch(() => undefined);
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
    await client.query(`DROP PUBLICATION IF EXISTS shori_snap_pub_${run}`).catch(() => undefined);
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
    const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.close();
  }
}
