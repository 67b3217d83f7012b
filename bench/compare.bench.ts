// Side-by-side throughput against the seed's own Python stack (../shared/peers/seed-stack/): its
// compare.sh starts the local stack (scripts/stack.sh up, idempotent), makes a venv with the seed's
// pinned packages once (.tools/seed-stack-venv), produces each workload once to a fresh topic
// (SQL Server-shaped Debezium JSON with the schema envelope, 50% creates / 45% updates / 5% deletes
// over 20,000 keys), then runs this project (`bash scripts/start.sh`), the seed and the seed with
// the project's extra tables (`--parity`: history, tombstones, CDF, checkpoints) alternately, each
// with a fresh consumer group and DATA_DIR, verifies Bronze (every message) and Silver (row count
// and checksum equal to the producer's manifest) for every run, and prints min / median msg/s,
// CPU-seconds and peak RSS per system. Its last line is
//   compare: ratio R (project P msg/s, seed S msg/s)
// with the medians of the first size/partitions (S is the seed with the extra tables).
//
// Run: npm run bench -- compare [--sizes=200000,1000000] [--partitions=1,4] [--reps=3] [--out=DIR]
//      [--keep-data] [--keep-topics]
// SHORI_STACK_DIR picks the shared stack's state folder; SEED_STACK_DIR the seed stack's folder
// (default: peers/seed-stack in SHORI_SHARED_DIR or ../shared, or beside the main checkout of a
// git worktree).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const name = 'compare';
export const onlyWhenNamed = true;

const REPO = fileURLToPath(new URL('..', import.meta.url));

function option(args: string[], key: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${key}=`));
  return hit === undefined ? fallback : hit.slice(key.length + 3);
}

/** The seed stack beside this checkout, or beside the main checkout when this is a git worktree. */
export function seedStackDir(repo: string): string {
  if (process.env.SEED_STACK_DIR) return path.resolve(process.env.SEED_STACK_DIR);
  const candidates = [path.resolve(process.env.SHORI_SHARED_DIR || path.resolve(repo, '../shared'), 'peers/seed-stack')];
  const common = spawnSync('git', ['-C', repo, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { encoding: 'utf8' });
  if (common.status === 0) candidates.push(path.resolve(common.stdout.trim(), '../../shared/peers/seed-stack'));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'compare.sh')));
  if (found === undefined) throw new Error(`seed stack not found (looked in ${candidates.join(', ')}); set SEED_STACK_DIR`);
  return found;
}

export async function run(args: string[]): Promise<void> {
  const dir = seedStackDir(REPO);
  const argv = [
    path.join(dir, 'compare.sh'),
    REPO,
    '--sizes',
    option(args, 'sizes', '200000,1000000'),
    '--partitions',
    option(args, 'partitions', '1,4'),
    '--reps',
    option(args, 'reps', '3'),
    '--out',
    option(args, 'out', path.join(REPO, '.bench/seed-stack')),
  ];
  if (args.includes('--keep-data')) argv.push('--keep-data');
  if (args.includes('--keep-topics')) argv.push('--keep-topics');
  console.error(`[compare] bash ${argv.join(' ')}`);
  const child = spawn('bash', argv, { stdio: 'inherit', env: process.env });
  const code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  if (code !== 0) process.exitCode = code;
}
