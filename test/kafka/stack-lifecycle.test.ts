// The local stack's scripts are idempotent and leave no stray process: `up` twice changes nothing
// (same processes), `down` twice is a no-op, and after `down` no process of this checkout's stack
// remains. A stack somebody else is running (or a test lease holds) is never taken down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/service-process.ts';

const run = promisify(execFile);
const STACK = process.env.SHORI_STACK_DIR ?? join(REPO, '.stack');
const stack = (...args: string[]) => run('bash', [join(REPO, 'scripts/stack.sh'), ...args], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });

function pids(): Record<string, number> {
  const dir = join(STACK, 'pids');
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).map((f) => [f.replace(/\.pid$/, ''), Number(readFileSync(join(dir, f), 'utf8').trim())]));
}

/** Processes whose command line mentions this checkout's stack folder. */
async function strays(): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .filter((l) => l.includes(STACK) && !l.includes('ps -eo'))
    .map((l) => l.trim());
}

const healthy = async () =>
  await stack('status').then(
    () => true,
    () => false,
  );

test('stack.sh up and down are idempotent and leave no stray process', async (t) => {
  const wasUp = await healthy();
  const leases = existsSync(join(STACK, 'leases')) ? readdirSync(join(STACK, 'leases')).length : 0;
  await stack('up');
  assert.equal(await healthy(), true, 'healthy after up');
  const first = pids();
  for (const name of ['kafka', 'connect', 'mariadb']) assert.ok(first[name] > 0, `${name} has a pid`);
  const started = Date.now();
  await stack('up');
  t.diagnostic(`second up took ${Date.now() - started} ms`);
  assert.deepEqual(pids(), first, 'a second up starts nothing new');
  assert.equal(await healthy(), true);

  if (wasUp || leases > 0) {
    t.diagnostic('the stack was already running (someone else started it): not taking it down');
    return;
  }
  await stack('down');
  assert.equal(await healthy(), false, 'status reports down');
  assert.deepEqual(await strays(), [], 'no process of the stack remains');
  assert.deepEqual(pids(), {}, 'no pid file remains');
  await stack('down');
  assert.deepEqual(await strays(), []);
});
