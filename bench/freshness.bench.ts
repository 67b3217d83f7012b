// Freshness of the embedded default: how long from a change's source commit to the Silver commit
// that makes it visible, at a given rate. The service runs as users run it (`npm start`'s scripts/start.sh, its
// own generator off, LAKEHOUSE_FLUSH_INTERVAL_SEC as given) on a fresh DATA_DIR; the workload
// generator runs in its own process against the same embedded sources at --rate changes/s for
// --sec seconds. When the generator is done and Silver has been quiet for a few flush intervals,
// the service is stopped and Silver's Change Data Feed is read: for every insert and update
// post-image, latency = the commit's timestamp (`_commit_timestamp`) minus the change's source
// commit time (`_source_ts`, the Debezium source ts_ms). Deletes carry the deleted row's image,
// so they are left out. Prints p50 / p99 / max, the rate the generator reached, and how long
// Silver took to catch up after the generator stopped (a pipeline that keeps up catches up within
// about one flush interval plus one batch). Asserts nothing.
//
// Run: npm run bench -- freshness [--rate=5000] [--sec=30] [--flush=1] [--keep] [--log=FILE]
// (--log: the service's JSON log, e.g. each batch's records and milliseconds, into FILE)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { tablePath } from '../src/lakehouse/medallion/tables.ts';
import { freePort } from '../test/helpers/service-process.ts';

export const name = 'freshness';
export const onlyWhenNamed = true;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function option(args: string[], key: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${key}=`));
  return hit === undefined ? fallback : hit.slice(key.length + 3);
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** The newest commit version in a table's _delta_log, or -1. */
function latestVersion(table: string): number {
  try {
    const versions = readdirSync(join(table, '_delta_log'))
      .filter((f) => /^\d{20}\.json$/.test(f))
      .map((f) => Number(f.slice(0, 20)));
    return versions.length === 0 ? -1 : Math.max(...versions);
  } catch {
    return -1;
  }
}

async function waitForHealth(port: number, service: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (service.exitCode !== null) throw new Error(`the service exited with ${service.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('the service did not become ready within 120 s');
}

/** Waits until Silver has had no new commit for `quietMs`; returns when its last commit was seen. */
async function waitQuiet(silver: string, quietMs: number): Promise<number> {
  let version = latestVersion(silver);
  let changedAt = Date.now();
  while (Date.now() - changedAt < quietMs) {
    await sleep(50);
    const now = latestVersion(silver);
    if (now !== version) ((version = now), (changedAt = Date.now()));
  }
  return changedAt;
}

export async function run(args: string[]): Promise<void> {
  const rate = Number(option(args, 'rate', '5000'));
  const sec = Number(option(args, 'sec', '30'));
  const flush = option(args, 'flush', '1');
  const log = option(args, 'log', '');
  const count = Math.round(rate * sec);
  const dataDir = mkdtempSync(join(tmpdir(), 'shori-freshness-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    GENERATOR_ENABLED: 'false',
    LAKEHOUSE_FLUSH_INTERVAL_SEC: flush,
    LOG_FORMAT: 'json',
  };
  delete env.KAFKA_BOOTSTRAP_SERVERS;
  const silver = tablePath(dataDir, 'silver', 'tickets');
  console.log(
    `freshness: ${rate.toLocaleString('en-US')} changes/s for ${sec} s (${count.toLocaleString('en-US')} changes), LAKEHOUSE_FLUSH_INTERVAL_SEC=${flush}, DATA_DIR ${dataDir}`,
  );
  // Through scripts/start.sh (npm start), which execs Node with the service's flags.
  const service = spawn('bash', ['scripts/start.sh'], { cwd: REPO, env, stdio: ['ignore', log ? openSync(log, 'w') : 'ignore', 'inherit'] });
  try {
    await waitForHealth(port, service);
    const started = performance.now();
    const generator = spawn(process.execPath, ['src/generator/cli.ts', '--rate', String(rate), '--count', String(count), '--json', '--seed', '42'], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let generated = '';
    generator.stdout!.on('data', (chunk: Buffer) => (generated += chunk.toString('utf8')));
    const code = await exited(generator);
    const generatorSec = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the generator exited with ${code}`);
    const generatorDoneAt = Date.now();
    const lastCommitAt = await waitQuiet(silver, Math.max(3000, Number(flush) * 4000));
    service.kill('SIGTERM');
    await exited(service);

    const table = await DeltaTable.open(silver);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const [row] = (
      await conn.runAndReadAll(`
        WITH c AS (SELECT epoch_ms(_commit_timestamp) - epoch_ms(_source_ts) AS ms FROM ${await table.changesSql(0)}
                   WHERE _change_type IN ('insert', 'update_postimage') AND _source_ts IS NOT NULL)
        SELECT count(*)::BIGINT AS n, quantile_disc(ms, 0.5) AS p50, quantile_disc(ms, 0.99) AS p99, max(ms) AS max FROM c`)
    ).getRowObjectsJson() as Array<{ n: string; p50: string; p99: string; max: string }>;
    conn.closeSync();
    db.closeSync();
    const reached = count / generatorSec;
    console.log(`generator: ${generated.trim().split('\n').at(-1) ?? ''}`);
    console.log(
      `generator reached ${Math.round(reached).toLocaleString('en-US')} changes/s (${count.toLocaleString('en-US')} in ${generatorSec.toFixed(1)} s)`,
    );
    console.log(`Silver caught up ${((lastCommitAt - generatorDoneAt) / 1000).toFixed(1)} s after the generator stopped`);
    console.log(
      `freshness (source commit to Silver commit), ${Number(row.n).toLocaleString('en-US')} changes: p50 ${row.p50} ms, p99 ${row.p99} ms, max ${row.max} ms`,
    );
  } finally {
    if (service.exitCode === null) {
      service.kill('SIGTERM');
      await exited(service);
    }
    if (!args.includes('--keep')) rmSync(dataDir, { recursive: true, force: true });
  }
}
