// The delta bench's change-feed part (bench/delta.bench.ts, --only=changes): our change feed read
// over a 1M-row table (appends, a merge, a delete), and over a table of many versions as Silver
// makes them (deletion vectors and the change feed on, one merge of upserts per version).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { SILVER_TICKETS_SCHEMA } from '../src/lakehouse/medallion/tables.ts';
import { fmt, ticketsFrom, ticketsSql, timed, type Result } from './delta-common.ts';

/** changes() over every version of a CDF table: appends, a merge of 10k upserts, a delete. */
export async function benchChanges(conn: DuckDBConnection, root: string, size: number, results: Result[]): Promise<void> {
  const dir = path.join(root, 'changes');
  const table = await DeltaTable.createIfAbsent(dir, { schema: SILVER_TICKETS_SCHEMA, properties: { 'delta.enableChangeDataFeed': 'true' } });
  for (let c = 0; c < 10; c++) await table.append(conn, ticketsSql(c * (size / 10), size / 10));
  await table.merge(conn, {
    sourceSql: `${ticketsSql(size - 8000, 8000, 'Closed')} UNION ALL ${ticketsSql(size, 2000)}`,
    on: ['source', 'TicketID'],
    whenMatched: [{ action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  await table.delete(conn, `"TicketID" % 1000 = 7`);
  const { value, seconds } = await timed(async () =>
    (await conn.runAndReadAll(`SELECT _change_type, count(*)::BIGINT AS n FROM ${await table.changesSql(0)} GROUP BY ALL ORDER BY ALL`)).getRowObjectsJson(),
  );
  const last = await timed(
    async () => (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${await table.changesSql(table.snapshot.version)}`)).getRows()[0][0],
  );
  results.push({
    case: `change feed of ${fmt(size)} rows, versions 0..${table.snapshot.version}`,
    seconds,
    detail: `${value.map((r) => `${r._change_type} ${fmt(Number(r.n))}`).join(', ')}; the last commit alone (a delete): ${fmt(Number(last.value))} rows in ${last.seconds.toFixed(3)} s`,
  });
  await rm(dir, { recursive: true, force: true });
}

/**
 * A Silver-like table (deletion vectors and the change feed on) of `base` rows, then `versions`
 * merges of 1,000 upserts each (800 updates spread over the table, 200 inserts): our change feed
 * read over all the versions, over the last 10, and over one.
 */
export async function benchChangesVersions(conn: DuckDBConnection, root: string, base: number, versions: number, results: Result[]): Promise<void> {
  const dir = path.join(root, 'changes-versions');
  const properties = { 'delta.enableChangeDataFeed': 'true', 'delta.enableDeletionVectors': 'true' };
  const table = await DeltaTable.createIfAbsent(dir, { schema: SILVER_TICKETS_SCHEMA, properties });
  const step = Math.floor(base / 800);
  const build = await timed(async () => {
    await table.append(conn, ticketsSql(0, base));
    for (let v = 0; v < versions; v++) {
      const updates = `(SELECT (i * ${step} + ${v}) % ${base} AS i FROM range(0, 800) AS u(i)) AS r`;
      await table.merge(conn, {
        sourceSql: `${ticketsFrom(updates, `Closed ${v}`)} UNION ALL ${ticketsSql(base + v * 200, 200)}`,
        on: ['source', 'TicketID'],
        whenMatched: [{ action: 'update' }],
        whenNotMatched: [{ action: 'insert' }],
      });
    }
  });
  const latest = table.snapshot.version;
  const count = async (from: number, to?: number) =>
    (
      await conn.runAndReadAll(`SELECT _change_type, count(*)::BIGINT AS n FROM ${await table.changesSql(from, to)} GROUP BY ALL ORDER BY ALL`)
    ).getRowObjectsJson();
  const opened = await timed(() => DeltaTable.open(dir));
  const all = await timed(() => count(0));
  const last10 = await timed(() => count(latest - 9));
  const one = await timed(() => count(Math.floor(latest / 2), Math.floor(latest / 2)));
  const total = (rows: Array<Record<string, unknown>>) => rows.reduce((n, r) => n + Number(r.n), 0);
  results.push({
    case: `change feed of a ${fmt(base)}-row table with ${latest + 1} versions (deletion vectors, 1k upserts a version): all`,
    seconds: all.seconds,
    detail: `${all.value.map((r) => `${r._change_type} ${fmt(Number(r.n))}`).join(', ')}; open ${opened.seconds.toFixed(3)} s; built in ${build.seconds.toFixed(0)} s`,
  });
  results.push({ case: `  same, the last 10 versions`, seconds: last10.seconds, detail: `${fmt(total(last10.value))} rows` });
  results.push({ case: `  same, one version`, seconds: one.seconds, detail: `${fmt(total(one.value))} rows` });
  await rm(dir, { recursive: true, force: true });
}
