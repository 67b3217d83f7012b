// End-to-end throughput of the embedded default: N generated operations (two embedded sources, as
// the default config) are read back through EmbeddedFeed and written to the medallion with
// Medallion.writeBatch at several batch sizes. Stages measured on their own too: the feed read
// (capture rows → Debezium records), decoding, and the Bronze append. A short live run (generator in
// its own process at a fixed rate, batches flushed every second as the worker does) gives
// freshness. Prints tables; asserts nothing.
//
// Timings inside writeBatch come from timing wrappers put on the Medallion's DeltaTable objects
// (bronze.append, history.append, silver.merge, tombstones.merge); "rest" is decode + staging +
// DuckDB temp tables + table refreshes.
//
// Run: npm run bench -- pipeline [--ops=100000] [--batches=1000,5000,20000] [--live-sec=15] [--live-rate=1000]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeedRecord, FeedSubscription } from '../src/feeds/feed.ts';
import { EmbeddedFeed } from '../src/feeds/embedded/embedded-feed.ts';
import { EmbeddedTarget } from '../src/generator/embedded-target.ts';
import { runWorkload } from '../src/generator/runner.ts';
import { Medallion } from '../src/lakehouse/medallion/medallion.ts';
import { BRONZE_STAGE_COLUMNS, bronzeRow } from '../src/lakehouse/medallion/bronze-step.ts';
import { stageRows } from '../src/lakehouse/medallion/staging.ts';
import { LocalStorage, fsyncPath, type DeltaTable } from '@shori/delta';
import { tablePath, type LakeTables } from '../src/lakehouse/medallion/tables.ts';
import { localLakeTables } from '../src/lakehouse/medallion/local-lake.ts';
import { decodeMessage } from '../src/sources/debezium/decode.ts';
import { isoMicros } from '../src/util/time.ts';

export const name = 'pipeline';

const SOURCES = ['shorisql_1', 'shorisql_2'];
const REPO = fileURLToPath(new URL('..', import.meta.url));

function option(args: string[], key: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${key}=`));
  return hit === undefined ? fallback : hit.slice(key.length + 3);
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => bytes / 1e6;
const recordBytes = (records: FeedRecord[]) => records.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);

function table(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  console.log(`\n${title}`);
  cells.forEach((r, j) => {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    if (j === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

/** A fresh data dir holding a copy of the generated sources (each run reads the same backlog). */
function freshDataDir(seedDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shori-bench-'));
  cpSync(join(seedDir, 'sources'), join(dir, 'sources'), { recursive: true });
  return dir;
}

async function generate(seedDir: string, ops: number): Promise<number> {
  const targets = SOURCES.map((s) => new EmbeddedTarget(seedDir, s));
  const started = performance.now();
  await runWorkload({ targets, rate: 0, count: ops, mix: { insert: 50, update: 40, delete: 10 }, seed: 42, burstFraction: 0.05 });
  const ms = performance.now() - started;
  for (const t of targets) await t.close();
  return ms;
}

/** Polls until `max` records are gathered or the feed is drained. */
async function pollBatch(subscription: FeedSubscription, max: number): Promise<FeedRecord[]> {
  let batch: FeedRecord[] = [];
  while (batch.length < max) {
    const records = await subscription.poll(max - batch.length, 0);
    if (records.length === 0) break;
    batch = batch.length === 0 ? records : batch.concat(records);
  }
  return batch;
}

/** Reads the whole backlog in polls of 5000, timing the polls and, apart, decoding each poll. */
async function readAndDecode(seedDir: string): Promise<{ records: number; bytes: number; readMs: number; decodeMs: number; failed: number }> {
  const dataDir = freshDataDir(seedDir);
  try {
    const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 10 });
    const subscription = await feed.subscribe({ group: 'bench-read', initial: 'earliest' });
    const out = { records: 0, bytes: 0, readMs: 0, decodeMs: 0, failed: 0 };
    for (;;) {
      const t0 = performance.now();
      const batch = await subscription.poll(5000, 0);
      const t1 = performance.now();
      if (batch.length === 0) break;
      for (const r of batch) if (!decodeMessage(r.key, r.value, { topic: r.stream, partition: r.partition, offset: r.position }).ok) out.failed++;
      out.decodeMs += performance.now() - t1;
      out.readMs += t1 - t0;
      out.records += batch.length;
      out.bytes += recordBytes(batch);
    }
    await feed.close();
    return out;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Timed = 'bronze.append' | 'history.append' | 'silver.merge' | 'tombstones.merge';

/** Wraps the Medallion's table writes with timers (the bench's own instrumentation). */
function instrument(medallion: Medallion): Record<Timed, number[]> {
  const times: Record<Timed, number[]> = { 'bronze.append': [], 'history.append': [], 'silver.merge': [], 'tombstones.merge': [] };
  const wrap = (t: DeltaTable, method: 'append' | 'merge', label: Timed) => {
    const original = t[method].bind(t) as (...a: unknown[]) => Promise<unknown>;
    (t as unknown as Record<string, unknown>)[method] = async (...a: unknown[]) => {
      const started = performance.now();
      try {
        return await original(...a);
      } finally {
        times[label].push(performance.now() - started);
      }
    };
  };
  wrap(medallion.bronze, 'append', 'bronze.append');
  wrap(medallion.history, 'append', 'history.append');
  wrap(medallion.silver, 'merge', 'silver.merge');
  wrap(medallion.specTables[0].deleted, 'merge', 'tombstones.merge');
  return times;
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
const avg = (a: number[]) => (a.length === 0 ? 0 : sum(a) / a.length);
const pct = (a: number[], p: number) => {
  if (a.length === 0) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface BatchRun {
  batchSize: number;
  records: number;
  batches: number;
  totalMs: number;
  pollMs: number;
  writeMs: number[];
  times: Record<Timed, number[]>;
  freshnessMax: number[];
  fsync: FsyncStats;
}

/** Time spent in fsync, apart for the data side (data files and their folders) and the log side (commits, checkpoints). */
interface FsyncStats {
  dataCalls: number;
  dataMs: number;
  logCalls: number;
  logMs: number;
}

/** The default lake (folders under DATA_DIR/datalake), its fsyncs timed. */
function timedLake(dataDir: string, stats: FsyncStats): LakeTables {
  const fsync = async (p: string) => {
    const started = performance.now();
    await fsyncPath(p);
    const ms = performance.now() - started;
    if (p.includes('/_delta_log')) (stats.logCalls++, (stats.logMs += ms));
    else (stats.dataCalls++, (stats.dataMs += ms));
  };
  return { table: (layer, name) => new LocalStorage(tablePath(dataDir, layer, name), { fsync }), tableNames: localLakeTables(dataDir).tableNames };
}

async function lakehouseRun(seedDir: string, batchSize: number): Promise<BatchRun> {
  const dataDir = freshDataDir(seedDir);
  try {
    const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 10 });
    const fsync: FsyncStats = { dataCalls: 0, dataMs: 0, logCalls: 0, logMs: 0 };
    const medallion = await Medallion.open(dataDir, { lake: timedLake(dataDir, fsync) });
    const times = instrument(medallion);
    const subscription = await feed.subscribe({ group: 'lakehouse', initial: 'earliest', onAssigned: (p) => medallion.resumePositions(p) });
    const run: BatchRun = { batchSize, records: 0, batches: 0, totalMs: 0, pollMs: 0, writeMs: [], times, freshnessMax: [], fsync };
    const started = performance.now();
    for (;;) {
      const pollStarted = performance.now();
      const batch = await pollBatch(subscription, batchSize);
      run.pollMs += performance.now() - pollStarted;
      if (batch.length === 0) break;
      const writeStarted = performance.now();
      const result = await medallion.writeBatch(batch);
      await subscription.commit(result.positions);
      run.writeMs.push(performance.now() - writeStarted);
      if (result.freshnessMs) run.freshnessMax.push(result.freshnessMs.max);
      run.records += batch.length;
      run.batches++;
    }
    run.totalMs = performance.now() - started;
    await feed.close();
    await medallion.close();
    return run;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function bronzeOnly(
  seedDir: string,
  batchSize: number,
): Promise<{ records: number; decodeMs: number; stageMs: number; appendMs: number; batches: number }> {
  const dataDir = freshDataDir(seedDir);
  try {
    const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 10 });
    const subscription = await feed.subscribe({ group: 'bench-bronze', initial: 'earliest' });
    const medallion = await Medallion.open(dataDir);
    let records = 0;
    let decodeMs = 0;
    let stageMs = 0;
    let appendMs = 0;
    let batches = 0;
    for (;;) {
      const batch = await pollBatch(subscription, batchSize);
      if (batch.length === 0) break;
      records += batch.length;
      const ingestTs = isoMicros();
      const t0 = performance.now();
      const decoded = batch.map((r) => decodeMessage(r.key, r.value, { topic: r.stream, partition: r.partition, offset: r.position }));
      const t1 = performance.now();
      const rows = batch.map((r, j) => bronzeRow(r, decoded[j], ingestTs));
      await stageRows(medallion.conn, 'stage_bronze', [...BRONZE_STAGE_COLUMNS], rows);
      const t2 = performance.now();
      await medallion.bronze.refresh();
      await medallion.bronze.append(medallion.conn, 'SELECT * FROM stage_bronze', { operation: 'WRITE' });
      appendMs += performance.now() - t2;
      stageMs += t2 - t1;
      decodeMs += t1 - t0;
      batches++;
    }
    await feed.close();
    await medallion.close();
    return { records, decodeMs, stageMs, appendMs, batches };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Generator in its own process at `rate` ops/s while batches flush every second: freshness. */
async function liveRun(seedDir: string, seconds: number, rate: number): Promise<{ records: number; batches: number; freshness: number[]; writeMs: number[] }> {
  const dataDir = freshDataDir(seedDir);
  try {
    const feed = new EmbeddedFeed({ dataDir, sources: SOURCES, pollIntervalMs: 20 });
    const medallion = await Medallion.open(dataDir);
    // Start at the end: only changes made during the live run count.
    const subscription = await feed.subscribe({ group: 'live', initial: 'latest' });
    const child = spawn(
      process.execPath,
      [join(REPO, 'src/generator/cli.ts'), '--count', String(Math.round(seconds * rate)), '--rate', String(rate), '--json', '--seed', '7'],
      { env: { ...process.env, DATA_DIR: dataDir, EMBEDDED_SOURCES: SOURCES.join(',') }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let done = false;
    void exited.then(() => (done = true));
    const out = { records: 0, batches: 0, freshness: [] as number[], writeMs: [] as number[] };
    let idleAfterDone = 0;
    while (idleAfterDone < 2) {
      const firstAt = Date.now();
      let batch: FeedRecord[] = [];
      while (Date.now() - firstAt < 1000 && batch.length < 5000) {
        const records = await subscription.poll(5000 - batch.length, Math.max(1, firstAt + 1000 - Date.now()));
        batch = batch.concat(records);
      }
      if (batch.length === 0) {
        if (done) idleAfterDone++;
        continue;
      }
      const started = performance.now();
      const result = await medallion.writeBatch(batch);
      await subscription.commit(result.positions);
      out.writeMs.push(performance.now() - started);
      if (result.freshnessMs) out.freshness.push(result.freshnessMs.max);
      out.records += batch.length;
      out.batches++;
    }
    await exited;
    await feed.close();
    await medallion.close();
    return out;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const ops = Number(option(args, 'ops', '100000'));
  const batchSizes = option(args, 'batches', '1000,5000,20000').split(',').map(Number);
  const liveSec = Number(option(args, 'live-sec', '15'));
  const liveRate = Number(option(args, 'live-rate', '1000'));
  const seedDir = mkdtempSync(join(tmpdir(), 'shori-bench-seed-'));
  try {
    console.log(`pipeline bench: ${fmt(ops)} operations over ${SOURCES.length} embedded sources (node ${process.version})`);
    const genMs = await generate(seedDir, ops);
    console.log(`generated in ${fmt(genMs / 1000, 1)} s (${fmt((ops / genMs) * 1000)} ops/s into node:sqlite with capture triggers)`);

    const read = await readAndDecode(seedDir);
    const n = read.records;
    table(
      'Stages alone (one core)',
      ['stage', 'records', 'MB', 'seconds', 'records/s', 'MB/s'],
      [
        [
          'feed read (EmbeddedFeed.poll, 5000/poll)',
          fmt(n),
          fmt(mb(read.bytes), 1),
          fmt(read.readMs / 1000, 2),
          fmt((n / read.readMs) * 1000),
          fmt(mb(read.bytes) / (read.readMs / 1000), 1),
        ],
        [
          `decode (decodeMessage${read.failed ? `, ${read.failed} failed` : ''})`,
          fmt(n),
          fmt(mb(read.bytes), 1),
          fmt(read.decodeMs / 1000, 2),
          fmt((n / read.decodeMs) * 1000),
          fmt(mb(read.bytes) / (read.decodeMs / 1000), 1),
        ],
      ],
    );

    const bronzeRows: Array<Array<string | number>> = [];
    for (const size of batchSizes) {
      const b = await bronzeOnly(seedDir, size);
      bronzeRows.push([
        fmt(size),
        b.batches,
        fmt(b.decodeMs / b.batches, 1),
        fmt(b.stageMs / b.batches, 1),
        fmt(b.appendMs / b.batches, 1),
        fmt((b.records / (b.decodeMs + b.stageMs + b.appendMs)) * 1000),
      ]);
    }
    table(
      'Bronze alone (decode, then bronzeRow + stageRows into DuckDB, then DeltaTable.append; feed polls not counted)',
      ['batch', 'batches', 'decode ms/batch', 'stage ms/batch', 'append ms/batch', 'records/s'],
      bronzeRows,
    );

    const runs: BatchRun[] = [];
    for (const size of batchSizes) runs.push(await lakehouseRun(seedDir, size));
    table(
      'Lakehouse (EmbeddedFeed → Medallion.writeBatch → commit), backlog of all records',
      [
        'batch',
        'records',
        'batches',
        'seconds',
        'records/s',
        'poll s',
        'write ms/batch p50',
        'p95',
        'bronze ms',
        'history ms',
        'silver merge ms',
        'tombst. ms',
        'rest ms',
      ],
      runs.map((r) => {
        const parts = ['bronze.append', 'history.append', 'silver.merge', 'tombstones.merge'] as const;
        const rest = avg(r.writeMs) - sum(parts.map((p) => avg(r.times[p])));
        return [
          fmt(r.batchSize),
          fmt(r.records),
          r.batches,
          fmt(r.totalMs / 1000, 1),
          fmt((r.records / r.totalMs) * 1000),
          fmt(r.pollMs / 1000, 1),
          fmt(pct(r.writeMs, 50)),
          fmt(pct(r.writeMs, 95)),
          ...parts.map((p) => fmt(avg(r.times[p]))),
          fmt(rest),
        ];
      }),
    );
    console.log('(bronze/history/silver/tombstones/rest: mean ms per batch; rest = decode, staging, temp tables, refreshes)');
    table(
      'Durability: fsync inside those writes (data files with their folders before each commit; commits and checkpoints in _delta_log)',
      ['batch', 'data fsyncs/batch', 'data fsync ms/batch', 'log fsyncs/batch', 'log fsync ms/batch', 'data fsync share of write time'],
      runs.map((r) => [
        fmt(r.batchSize),
        fmt(r.fsync.dataCalls / r.batches, 1),
        fmt(r.fsync.dataMs / r.batches, 1),
        fmt(r.fsync.logCalls / r.batches, 1),
        fmt(r.fsync.logMs / r.batches, 1),
        `${fmt((100 * r.fsync.dataMs) / sum(r.writeMs), 1)}%`,
      ]),
    );

    if (liveSec > 0) {
      const live = await liveRun(seedDir, liveSec, liveRate);
      table(
        `Live: generator process at ${fmt(liveRate)} ops/s for ${liveSec} s, batches flushed every 1 s (or 5000 records)`,
        ['records', 'batches', 'write ms p50', 'write ms max', 'freshness ms p50', 'p95', 'max'],
        [
          [
            fmt(live.records),
            live.batches,
            fmt(pct(live.writeMs, 50)),
            fmt(Math.max(0, ...live.writeMs)),
            fmt(pct(live.freshness, 50)),
            fmt(pct(live.freshness, 95)),
            fmt(Math.max(0, ...live.freshness)),
          ],
        ],
      );
      console.log('(freshness: source commit of the oldest change in a batch → its Silver commit)');
    }
  } finally {
    rmSync(seedDir, { recursive: true, force: true });
  }
}

export default { name, run };

if (import.meta.main) await run(process.argv.slice(2));
