// Shared by the real-stack pipeline tests: the sources read independently (pg, mysql2), the
// generator against them, convergence waits and the Bronze duplicate count.
import { join } from 'node:path';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { KAFKA_BOOTSTRAP, MARIADB, POSTGRES } from './stack-fixture.ts';
import { waitFor, REPO } from '../helpers/service-process.ts';
import { diffRows, queryDelta, silverTickets, TICKET_COLUMNS, type TextRow } from '../helpers/lake.ts';

const run = promisify(execFile);

/** scripts/stack.sh <args> (stop/kill/up a component). */
export async function stack(...args: string[]): Promise<void> {
  await run('bash', [join(REPO, 'scripts/stack.sh'), ...args], { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
}

export const PG_URL = `postgres://${POSTGRES.user}:${POSTGRES.password}@${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`;
export const MARIA_URL = `mysql://${MARIADB.user}:${MARIADB.password}@${MARIADB.host}:${MARIADB.port}/${MARIADB.database}`;

/** Both source tables in the text form Silver is compared in (keys `shoripg/<id>`, `shorimaria/<id>`). */
export async function sourceRows(labels: { postgres: string[]; mariadb: string[] } = { postgres: ['shoripg'], mariadb: ['shorimaria'] }): Promise<Map<string, TextRow>> {
  const out = new Map<string, TextRow>();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const cols = TICKET_COLUMNS.map((c) =>
      ['CreatedAt', 'UpdatedAt', 'ResolvedAt'].includes(c)
        ? `to_char("${c}", 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "${c}"`
        : `CAST("${c}" AS text) AS "${c}"`,
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
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generator (${target}) exited ${code}: ${out}`)))));
}

/** Waits until Silver equals both sources (Debezium and the batches take a few seconds). */
export async function waitConverged(dataDir: string, labels?: { postgres: string[]; mariadb: string[] }): Promise<void> {
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
    // A fresh group per run: it reads the topics from the start (Debezium's snapshot, then every change).
    KAFKA_LAKEHOUSE_GROUP: `e2e-${run}-lakehouse`,
    KAFKA_UI_GROUP: `e2e-${run}-ui`,
    LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5',
    LAKEHOUSE_MAX_BATCH_SIZE: '400',
    GOLD_REFRESH_INTERVAL_SEC: '1',
    KAFKA_CONSUMER_RESTART_BACKOFF_SEC: '1',
  };
}

export async function bronzeDuplicates(dataDir: string): Promise<{ changes: number; distinctOffsets: number; records: number; distinctEvents: number }> {
  const [row] = await queryDelta(join(dataDir, 'datalake/bronze/cdc_events'), (scan) =>
    `SELECT count(*)::INT AS records, count(DISTINCT (topic, "partition", "offset"))::INT AS "distinctOffsets",
            count(*) FILTER (WHERE op IS NOT NULL)::INT AS changes,
            count(DISTINCT (source_name, seq, op, key)) FILTER (WHERE op IS NOT NULL)::INT AS "distinctEvents"
     FROM ${scan} AS t`,
  );
  return { records: Number(row.records), distinctOffsets: Number(row.distinctOffsets), changes: Number(row.changes), distinctEvents: Number(row.distinctEvents) };
}


/** Changes history holds more than once (by source, position, key and op): must be 0. */
export async function historyDuplicates(dataDir: string): Promise<{ rows: number; distinct: number }> {
  const [row] = await queryDelta(join(dataDir, 'datalake/silver/tickets_history'), (scan) =>
    `SELECT count(*)::INT AS rows, count(DISTINCT ("source", _seq, "TicketID", _op))::INT AS "distinct" FROM ${scan} AS t`,
  );
  return { rows: Number(row.rows), distinct: Number(row.distinct) };
}
