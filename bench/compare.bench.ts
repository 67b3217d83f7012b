// Side-by-side throughput against the seed's own Python stack (../shared/peers/seed-stack/), with the
// seed stack's own tools: its pinned packages in a venv made once (.tools/seed-stack-venv), the local
// stack (scripts/stack.sh up, idempotent), each workload produced once to a fresh topic by its
// produce.py (SQL Server-shaped Debezium JSON with the schema envelope, 50% creates / 45% updates / 5%
// deletes over 20,000 keys), then this project (`bash scripts/start.sh`), the seed and the seed with
// the project's extra tables (`--parity`: history, tombstones, CDF, checkpoints) run alternately by
// its bench_run.py, each with a fresh consumer group and DATA_DIR, and its summarise.py for the table.
//
// What differs from the seed stack's compare.sh: every run is checked by bench/compare_verify.py
// (Bronze holds every message once; Silver's row count and checksum equal the producer's manifest)
// instead of its verify.py, which reads Silver with delta-rs' to_pyarrow_table and so refuses any
// table with deletion vectors (the project's Silver). compare_verify.py reads with delta-rs' DataFusion
// scan, which applies them; the seed's runs are checked by the same reader. The last line is
//   compare: ratio R (project P msg/s, seed S msg/s)
// with the medians of the first size/partitions (S is the seed with the extra tables), or
// `compare: failed (...)` when a run did not finish or verify.
//
// Run: npm run bench -- compare [--sizes=200000,1000000] [--partitions=1,4] [--reps=3] [--out=DIR]
//      [--keep-data] [--keep-topics]
// SHORI_STACK_DIR picks the shared stack's state folder; SEED_STACK_DIR the seed stack's folder
// (default: peers/seed-stack in SHORI_SHARED_DIR or ../shared, or beside the main checkout of a
// git worktree); SEED_STACK_LOCK a file to flock around each timed run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/service-process.ts';

export const name = 'compare';
export const onlyWhenNamed = true;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BOOTSTRAP = '127.0.0.1:9092'; // the local stack's Kafka (scripts/stack.sh)
const SYSTEMS = ['project', 'seed', 'seed-parity'] as const;

function option(args: string[], key: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${key}=`));
  return hit === undefined ? fallback : hit.slice(key.length + 3);
}

const say = (message: string) => console.error(`[compare] ${message}`);

/** The seed stack beside this checkout, or beside the main checkout when this is a git worktree. */
export function seedStackDir(repo: string): string {
  if (process.env.SEED_STACK_DIR) return path.resolve(process.env.SEED_STACK_DIR);
  const candidates = [path.resolve(process.env.SHORI_SHARED_DIR || path.resolve(repo, '../shared'), 'peers/seed-stack')];
  const common = spawnSync('git', ['-C', repo, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { encoding: 'utf8' });
  if (common.status === 0) candidates.push(path.resolve(common.stdout.trim(), '../../shared/peers/seed-stack'));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'bench_run.py')));
  if (found === undefined) throw new Error(`seed stack not found (looked in ${candidates.join(', ')}); set SEED_STACK_DIR`);
  return found;
}

/** Runs a command to its end; stdout to `stdoutFile` (appended) when given, else inherited; stderr to `stderrFile` or inherited. */
async function exec(cmd: string, argv: string[], io: { cwd?: string; stdoutFile?: string; stderrFile?: string } = {}): Promise<number> {
  const out = io.stdoutFile ? openSync(io.stdoutFile, 'a') : 'inherit';
  const err = io.stderrFile ? openSync(io.stderrFile, 'a') : 'inherit';
  try {
    const child = spawn(cmd, argv, { cwd: io.cwd, stdio: ['ignore', out, err], env: process.env });
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    if (typeof out === 'number') closeSync(out);
    if (typeof err === 'number') closeSync(err);
  }
}

/** The seed stack's pinned packages in a venv, (re)installed when requirements.txt changed. */
async function seedVenv(seedDir: string): Promise<string> {
  const venv = process.env.SEED_STACK_VENV ?? path.join(REPO, '.tools/seed-stack-venv');
  const python = path.join(venv, 'bin/python');
  if (!existsSync(python)) {
    say(`creating the venv ${venv}`);
    if ((await exec(process.env.SEED_STACK_PYTHON ?? 'python3', ['-m', 'venv', venv])) !== 0) throw new Error(`could not create the venv ${venv}`);
  }
  const requirements = path.join(seedDir, 'requirements.txt');
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const marker = path.join(venv, '.seed-stack-requirements');
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== want) {
    say(`installing requirements.txt into ${venv}`);
    if ((await exec(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', requirements])) !== 0) throw new Error('pip install failed');
    writeFileSync(marker, `${want}\n`);
  }
  return python;
}

const human = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** One line about a run from its result.json (bench_run.py). */
function brief(run: string): string {
  const r = JSON.parse(readFileSync(path.join(run, 'result.json'), 'utf8'));
  if (r.done_s === null || r.done_s === undefined) return `did not finish: ${r.error}`;
  const p = r.proc ?? {};
  const rss = p.VmHWM ? Math.floor(Number.parseInt(p.VmHWM, 10) / 1024) : '?';
  return `done ${r.done_s} s, ${r.overall_msgs_per_s.toLocaleString('en-US')} msg/s, CPU ${((p.cpu_user_s ?? 0) + (p.cpu_sys_s ?? 0)).toFixed(1)} s, peak RSS ${rss} MiB`;
}

interface Plan {
  sizes: number[];
  partitions: number[];
  reps: number;
  out: string;
  keepData: boolean;
  keepTopics: boolean;
}

function plan(args: string[]): Plan {
  const list = (key: string, fallback: string) => {
    const values = option(args, key, fallback).split(',').map(Number);
    if (values.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${key}: positive integers separated by commas`);
    return values;
  };
  const reps = Number(option(args, 'reps', '3'));
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps: a positive integer');
  return {
    sizes: list('sizes', '200000,1000000'),
    partitions: list('partitions', '1,4'),
    reps,
    out: path.resolve(option(args, 'out', path.join(REPO, '.bench/seed-stack'))),
    keepData: args.includes('--keep-data'),
    keepTopics: args.includes('--keep-topics'),
  };
}

export async function run(args: string[]): Promise<void> {
  const p = plan(args);
  const seedDir = seedStackDir(REPO);
  const python = await seedVenv(seedDir);
  say("starting the project's stack (scripts/stack.sh up)");
  if ((await exec('bash', ['scripts/stack.sh', 'up'], { cwd: REPO, stdoutFile: '/dev/stderr' })) !== 0) throw new Error('scripts/stack.sh up failed');
  const session = path.join(p.out, `${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}-${process.pid}`);
  const runs = path.join(session, 'runs');
  mkdirSync(path.join(session, 'topics'), { recursive: true });
  mkdirSync(runs, { recursive: true });
  const port = await freePort();
  const lock = process.env.SEED_STACK_LOCK ? ['flock', process.env.SEED_STACK_LOCK] : [];
  const seed = (script: string) => path.join(seedDir, script);
  const failed: string[] = [];
  let first = '';
  let i = 0;
  for (const size of p.sizes) {
    for (const parts of p.partitions) {
      const label = `${human(size)}-p${parts}`;
      const topic = `shorisql_${900 + ++i}.TicketsDb.dbo.Tickets`;
      const manifest = path.join(session, 'topics', `${label}.json`);
      first ||= label;
      say(`${label}: producing ${size} messages into ${topic} (${parts} partition(s))`);
      const produced = await exec(
        python,
        [
          seed('produce.py'),
          '--bootstrap',
          BOOTSTRAP,
          '--topic',
          topic,
          '--n',
          String(size),
          '--partitions',
          String(parts),
          '--replace',
          '--manifest',
          manifest,
        ],
        { stdoutFile: path.join(session, 'topics', `${label}.log`), stderrFile: path.join(session, 'topics', `${label}.log`) },
      );
      if (produced !== 0) throw new Error(`produce.py failed for ${topic} (see ${session}/topics/${label}.log)`);
      try {
        for (let rep = 1; rep <= p.reps; rep++) {
          for (const system of SYSTEMS) {
            const tag = `${label}-${system}-r${rep}`;
            const dir = path.join(runs, tag);
            const timed = [python, seed('bench_run.py'), '--system', system, '--topic', topic, '--tag', tag, '--out', runs, '--project', REPO];
            timed.push('--bootstrap', BOOTSTRAP, '--port', String(port), '--group-prefix', `seedstack-${path.basename(session)}`);
            const [cmd, ...argv] = [...lock, ...timed];
            let ok = (await exec(cmd, argv, { stdoutFile: path.join(session, 'runs.jsonl'), stderrFile: path.join(runs, `${tag}.err`) })) === 0;
            let line: string;
            if (existsSync(path.join(dir, 'result.json'))) {
              const verify = [path.join(REPO, 'bench/compare_verify.py'), '--manifest', manifest, dir];
              ok = (await exec(python, verify, { stdoutFile: path.join(dir, 'verify.json'), stderrFile: path.join(dir, 'verify.err') })) === 0 && ok;
              line = brief(dir);
            } else {
              ok = false;
              line = `no result: ${readFileSync(path.join(runs, `${tag}.err`), 'utf8').slice(-300)}`;
            }
            if (ok) {
              say(`${tag}: ${line}, verified`);
              if (!p.keepData) rmSync(path.join(dir, 'data'), { recursive: true, force: true });
            } else {
              say(`${tag}: ${line}, FAILED (kept ${dir})`);
              failed.push(tag);
            }
            await new Promise((resolve) => setTimeout(resolve, 3000));
          }
        }
      } finally {
        if (!p.keepTopics) await exec(python, [seed('produce.py'), '--bootstrap', BOOTSTRAP, '--topic', topic, '--delete'], { stdoutFile: '/dev/stderr' });
      }
    }
  }
  say(`runs, manifests and logs: ${session}`);
  // summarise.py prints the table, then the compare: line (or compare: failed, exit 1, when a run did not verify).
  const code = await exec(python, [seed('summarise.py'), runs, '--compare', first]);
  // A run without result.json is not in summarise.py's table: say so here.
  if (code === 0 && failed.length > 0) console.log(`compare: failed (${failed.length} run(s) did not finish or verify: ${failed.join(', ')})`);
  if (code !== 0 || failed.length > 0) process.exitCode = 1;
}
