// Crash at every point (issue 8): for each fault point of the pipeline, the service runs a generator
// workload (updates, deletes, primary-key changes, bursts) with SHORI_FAULT armed and dies there by
// SIGKILL; restarted without the fault it finishes. Then: Bronze holds each feed record once, Silver
// equals the sources row for row, history holds each source change once, Gold equals the aggregates
// of the sources, no table references a missing file; and an older create of a deleted ticket,
// re-published into the capture, leaves it deleted.
//
// The points come from a clean reference run over the same workload: every table's
// `parquet-written` and `commit` (one Gold table standing for all), the commits of the generic tables
// found at run time (Customers and Agents: Silver and history), `checkpoint` and `optimize` of Bronze
// and Silver, `vacuum` of Silver (old leftovers planted for it), and the worker's
// `feed:before-commit` / `feed:after-commit`. REQUIRED lists the points the run must include, and
// each crash must be the fault switch's at that point: a point the workload no longer reaches fails.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { freePort, generate, startService, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { holdCapture, republishDeletedCreate } from '../helpers/embedded-capture.ts';
import { BUSY_ENV, EMBEDDED_SOURCES, runUntilDeath, waitLagZero } from '../helpers/crash-runs.ts';
import { deltaTables, verifyConverged, type Verdict } from '../helpers/exactly-once.ts';
import { sourceDbPath } from '../../src/sources/embedded/source-db.ts';

const running: ServiceProcess[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of running) await s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let template = '';
let points: string[] = [];

const summary = (v: Verdict) => ({ lost: v.lost, duplicated: v.duplicated, resurrected: v.resurrected, quarantined: v.quarantined, problems: v.problems });
const clean = { lost: 0, duplicated: 0, resurrected: 0, quarantined: 0, problems: [] };

/** Where checkpoints and compaction are crashed: the log (Bronze) and the merged current state. */
const MAINTAINED = new Set(['bronze/cdc_events', 'silver/tickets']);
/**
 * Generic tables (the same step code as Tickets', with specs found at run time): crashed at their
 * Silver and history commits; their deleted-key tables run Tickets' code and are left out.
 */
const GENERIC = new Set(['silver/customers', 'silver/customers_history', 'silver/agents', 'silver/agents_history']);
const LEFT_OUT = new Set(['silver/_customers_deleted', 'silver/_agents_deleted']);

/** Compaction looked at after every batch: each table is compacted as soon as it has 10 small files. */
const ENV = { ...BUSY_ENV, LAKEHOUSE_OPTIMIZE_EVERY_BATCHES: '1' };

/** Points the run must include (the reference run must reach each). */
const REQUIRED = [
  'bronze.cdc_events:parquet-written:2',
  'bronze.cdc_events:commit:3',
  'bronze.cdc_events:checkpoint:1',
  'bronze.cdc_events:optimize:1',
  'silver._tickets_deleted:commit:3',
  'silver.tickets:parquet-written:2',
  'silver.tickets:commit:3',
  'silver.tickets:checkpoint:1',
  'silver.tickets:optimize:1',
  'silver.tickets_history:parquet-written:2',
  'silver.tickets_history:commit:3',
  'silver.customers:commit:3',
  'silver.customers_history:commit:3',
  'silver.agents:commit:3',
  'silver.agents_history:commit:3',
  'silver.tickets:vacuum:1',
  'feed:before-commit:3',
  'feed:after-commit:3',
];

/** What one table's log shows a run reached: data commits, commits, checkpoints, OPTIMIZE. */
function reached(dataDir: string, table: string): string[] {
  const log = join(dataDir, 'datalake', table, '_delta_log');
  const names = readdirSync(log);
  const bodies = names.filter((n) => /^\d{20}\.json$/.test(n)).map((n) => readFileSync(join(log, n), 'utf8'));
  const name = table.replace('/', '.');
  const out: string[] = [];
  if (LEFT_OUT.has(table)) return out;
  if (GENERIC.has(table)) return bodies.length >= 3 ? [`${name}:commit:3`] : [];
  const dataCommits = bodies.filter((b) => b.includes('{"add"') && !b.includes('"operation":"OPTIMIZE"')).length;
  if (dataCommits >= 2) out.push(`${name}:parquet-written:2`);
  if (bodies.length >= 3) out.push(`${name}:commit:3`);
  if (!MAINTAINED.has(table)) return out;
  if (names.some((n) => n.includes('.checkpoint.'))) out.push(`${name}:checkpoint:1`);
  if (bodies.some((b) => b.includes('"operation":"OPTIMIZE"'))) out.push(`${name}:optimize:1`);
  return out;
}

/** Files a failed write left behind long ago in `table` (what VACUUM exists for). */
function plantOldLeftovers(dataDir: string, table: string, count: number): string[] {
  const dir = join(dataDir, 'datalake', table);
  mkdirSync(dir, { recursive: true });
  const old = new Date(Date.now() - 8 * 86_400_000);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(dir, `part-00000-${randomUUID()}-c000.snappy.parquet`);
    writeFileSync(file, 'left by a crashed write');
    utimesSync(file, old, old);
    files.push(file);
  }
  return files;
}

/** An update of one live ticket: once Silver shows it, everything published before it was applied. */
function touchTicket(dataDir: string, source: string): void {
  const db = new DatabaseSync(sourceDbPath(dataDir, source), { timeout: 5000 });
  try {
    db.prepare(
      "UPDATE Tickets SET Title = Title || ' (touched)', UpdatedAt = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE TicketID = (SELECT max(TicketID) FROM Tickets)",
    ).run();
  } finally {
    db.close();
  }
}

before(async () => {
  template = tempDataDir('shori-crash-template-');
  dirs.push(template);
  holdCapture(template, EMBEDDED_SOURCES);
  // Tickets (updates, deletes, key changes, bursts) and, after 30% of its operations, one of Customers or Agents.
  const counts = await generate(template, [
    '--count',
    '240',
    '--rate',
    '0',
    '--mix',
    '50,35,15',
    '--key-changes',
    '0.05',
    '--bursts',
    '0.2',
    '--related',
    '0.3',
    '--seed',
    '8',
  ]);
  assert.ok(counts.updates > 0 && counts.deletes > 0 && counts.keyChanges > 0 && counts.related > 0, `a mixed workload: ${JSON.stringify(counts)}`);
  // Then inserts only: each batch's merge touches no Silver file and adds one, so Silver gathers the
  // small files OPTIMIZE compacts (a merge of updates rewrites the files it touches into one).
  const inserts = await generate(template, ['--count', '270', '--rate', '0', '--mix', '1,0,0', '--seed', '9']);
  assert.equal(inserts.inserts, 270);

  // The reference run: no fault; its logs say which points this workload reaches.
  const reference = tempDataDir('shori-crash-reference-');
  dirs.push(reference);
  cpSync(join(template, 'sources'), join(reference, 'sources'), { recursive: true });
  const service = await startService(ENV, { dataDir: reference });
  running.push(service);
  await waitLagZero(service, 300_000);
  const verdict = await verifyConverged(reference, EMBEDDED_SOURCES, 60_000);
  assert.deepEqual(summary(verdict), clean, 'the reference run is exactly once');
  assert.ok((verdict.seen.relatedChanges ?? 0) > 0, 'Customers and Agents changes are checked too');
  assert.equal(await service.stop(), 0);
  // Gold tables are all written by one refresher, the same way: the first stands for them all.
  const tables = deltaTables(reference);
  const gold = tables.filter((t) => t.startsWith('gold/'));
  points = [
    ...tables.filter((t) => !t.startsWith('gold/') || t === gold[0]).flatMap((t) => reached(reference, t)),
    // VACUUM deletes only what is older than the retention (7 days): leftovers planted for it.
    'silver.tickets:vacuum:1',
    'feed:before-commit:3',
    'feed:after-commit:3',
  ];
});

test('the workload reaches every required point', () => {
  const missing = REQUIRED.filter((p) => !points.includes(p));
  assert.deepEqual(missing, [], `points reached: ${points.join(' ')}`);
  assert.ok(
    points.some((p) => p.startsWith('gold.') && p.endsWith(':commit:3')),
    'a Gold table commits',
  );
});

test('crash at every point, restart, finish: exactly once, nothing resurrected', async (t) => {
  // CRASH_POINTS=a,b runs only the points containing one of these (to debug one point).
  const only = process.env.CRASH_POINTS?.split(',').filter(Boolean);
  for (const point of points.filter((p) => !only || only.some((o) => p.includes(o)))) {
    await t.test(point, async (st) => {
      const dataDir = tempDataDir('shori-crash-');
      dirs.push(dataDir);
      cpSync(join(template, 'sources'), join(dataDir, 'sources'), { recursive: true });
      const vacuum = point.includes(':vacuum:');
      const leftovers = vacuum ? plantOldLeftovers(dataDir, point.slice(0, point.indexOf(':')).replace('.', '/'), 3) : [];
      // VACUUM every ~0.7 s for the vacuum points; compaction and checkpoints as usual.
      const env = vacuum ? { ...ENV, LAKEHOUSE_VACUUM_INTERVAL_HOURS: '0.0002' } : ENV;
      const port = await freePort();

      const started = Date.now();
      const lap = (what: string) => st.diagnostic(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const death = await runUntilDeath({ ...env, SHORI_FAULT: point }, dataDir, port);
      lap('crashed');
      assert.equal(death.signal, 'SIGKILL', `died by SIGKILL (code ${death.code}):\n${death.output.slice(-2000)}`);
      assert.match(death.fault ?? '', new RegExp(`SHORI_FAULT: ${point.replace(/:\d+$/, '')} reached`));

      // The restart takes what is left in large batches (a different split than before the crash).
      const service = await startService({ ...env, LAKEHOUSE_MAX_BATCH_SIZE: '1000' }, { dataDir, port });
      running.push(service);
      st.after(() => service.kill());
      await waitLagZero(service);
      lap('restarted and caught up');
      assert.deepEqual(summary(await verifyConverged(dataDir, EMBEDDED_SOURCES, 60_000)), clean, 'after the crash and a restart');
      lap('verified');

      const republished = republishDeletedCreate(dataDir, EMBEDDED_SOURCES[0]);
      assert.ok(republished, 'the workload deleted tickets');
      touchTicket(dataDir, EMBEDDED_SOURCES[0]);
      await waitLagZero(service);
      const verdict = await verifyConverged(dataDir, EMBEDDED_SOURCES, 60_000);
      lap('re-published and verified');
      assert.deepEqual(
        summary(verdict),
        clean,
        `after re-publishing the create of deleted ticket ${republished.ticketId} (lsn ${republished.originLsn} again at ${republished.lsn})`,
      );
      // The crash came mid-deletion; the restarted service's VACUUM removed the rest.
      if (vacuum) await waitFor('VACUUM to remove the leftovers', () => leftovers.every((f) => !existsSync(f)));
      assert.equal(await service.stop(), 0);
      if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    });
  }
});
