// `npm run chaos -- --trials N [--seed S] [--rate R] [--data-dir DIR] [--keep]`
// Kills the service with SIGKILL at random moments, and at random fault points (SHORI_FAULT), over N
// trials on the embedded default while a generator writes (updates, deletes, key changes, bursts);
// now and then an older create of a deleted ticket is re-published into the capture, as Debezium does
// after a connector restart. Then one clean run catches up and everything is verified against the
// sources (test/helpers/exactly-once.ts). The last line is exactly
//   chaos: N trials, L lost, D duplicated, R resurrected, Q wrongly quarantined
// and the exit code is 1 when any count is above zero or a check failed.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, REPO, startService, tempDataDir } from '../helpers/service-process.ts';
import { holdCapture, republishDeletedCreate } from '../helpers/embedded-capture.ts';
import { BUSY_ENV, EMBEDDED_SOURCES, runUntilDeath, waitLagZero } from '../helpers/crash-runs.ts';
import { chaosLine, deltaTables, isClean, verifyConverged } from '../helpers/exactly-once.ts';

const TABLE_POINTS = ['parquet-written', 'commit'];
/** Checkpoints and compaction are crashed where they happen often: the log and the merged state. */
const MAINTENANCE_POINTS = ['bronze.cdc_events:checkpoint', 'bronze.cdc_events:optimize', 'silver.tickets:checkpoint', 'silver.tickets:optimize'];
const WORKER_POINTS = ['feed:before-commit', 'feed:after-commit'];
const BATCH_SIZES = ['30', '100', '400'];

/** A small deterministic PRNG (mulberry32), so a run can be repeated with --seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function options() {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '20' },
      seed: { type: 'string' },
      rate: { type: 'string', default: '40' },
      'data-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const trials = Number(values.trials);
  const rate = Number(values.rate);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a whole number >= 1, got ${values.trials}`);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rate must be a number > 0, got ${values.rate}`);
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  return { trials, rate, seed, dataDir: values['data-dir'] ?? tempDataDir('shori-chaos-'), keep: values.keep || values['data-dir'] !== undefined };
}

function startGenerator(dataDir: string, rate: number, seed: number) {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'src/generator/cli.ts'),
      '--rate',
      String(rate),
      '--key-changes',
      '0.03',
      '--bursts',
      '0.15',
      '--mix',
      '50,35,15',
      '--seed',
      String(seed),
      '--quiet',
    ],
    { cwd: REPO, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  child.stderr!.on('data', (d) => (errors += d));
  const orphan = () => child.kill('SIGKILL');
  process.on('exit', orphan);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    async stop(): Promise<void> {
      process.off('exit', orphan);
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the generator exited with ${code}: ${errors}`);
    },
  };
}

async function main(): Promise<number> {
  const o = options();
  const random = prng(o.seed);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`chaos: ${o.trials} trials, seed ${o.seed}, generator ${o.rate} ops/s, DATA_DIR ${o.dataDir}`);
  holdCapture(o.dataDir, EMBEDDED_SOURCES);
  const generator = startGenerator(o.dataDir, o.rate, o.seed);
  const port = await freePort();
  let faultKills = 0;
  let republished = 0;
  for (let trial = 1; trial <= o.trials; trial++) {
    const tables = deltaTables(o.dataDir).map((t) => t.replace('/', '.'));
    // `_rejected` receives no data from a clean workload: its data point would never come.
    const points = [...tables.flatMap((t) => TABLE_POINTS.map((k) => `${t}:${k}`)), ...MAINTENANCE_POINTS, ...WORKER_POINTS].filter(
      (p) => p !== 'silver._rejected:parquet-written',
    );
    const fault = trial > 1 && random() < 0.5 ? `${points[Math.floor(random() * points.length)]}:${1 + Math.floor(random() * 3)}` : undefined;
    const batch = BATCH_SIZES[Math.floor(random() * BATCH_SIZES.length)];
    const env = { ...BUSY_ENV, LAKEHOUSE_MAX_BATCH_SIZE: batch, ...(fault ? { SHORI_FAULT: fault } : {}) };
    // Armed: time for the point to come. Otherwise a random moment once up, or now and then during start-up.
    const blind = !fault && random() < 0.2;
    const ms = fault ? 10_000 : blind ? 300 + Math.floor(random() * 3000) : Math.floor(random() * 3000);
    const death = await runUntilDeath(env, o.dataDir, port, ms, undefined, !blind);
    if (death.fault) faultKills++;
    if (!death.killedByUs && !death.fault)
      throw new Error(`trial ${trial}: the service died on its own (code ${death.code}, signal ${death.signal}):\n${death.output.slice(-3000)}`);
    if (random() < 0.3) {
      const source = EMBEDDED_SOURCES[Math.floor(random() * EMBEDDED_SOURCES.length)];
      if (republishDeletedCreate(o.dataDir, source, (n) => Math.floor(random() * n))) republished++;
    }
    log(`trial ${trial}: ${death.fault ?? `SIGKILL ${ms} ms after ${blind ? 'the start' : 'it was up'}${fault ? ` (armed ${fault}, not reached)` : ''}`}`);
  }
  await generator.stop();
  log(`chaos: ${faultKills} kills at fault points, ${o.trials - faultKills} at random moments, ${republished} older creates re-published; catching up`);

  const service = await startService({ ...BUSY_ENV, LAKEHOUSE_MAX_BATCH_SIZE: '5000' }, { dataDir: o.dataDir, port });
  let verdict;
  try {
    await waitLagZero(service, 300_000);
    verdict = await verifyConverged(o.dataDir, EMBEDDED_SOURCES, 120_000);
  } finally {
    await service.stop();
  }
  log(`checked ${verdict.seen.records} feed records, ${verdict.seen.changes} source changes, ${verdict.seen.tickets} source rows`);
  for (const p of verdict.problems) log(`  ${p}`);
  if (!o.keep && isClean(verdict)) rmSync(o.dataDir, { recursive: true, force: true });
  log(chaosLine(o.trials, verdict));
  return isClean(verdict) ? 0 : 1;
}

// Interrupted: exit, so that the services and the generator started here are killed with us.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
