// Shares the local CDC stack (scripts/stack.sh) between test files: `acquire` starts it if it is not
// running and takes a lease named after this process; `release` drops the lease, and the last release
// stops the stack only if a lease started it. So a test run leaves the machine as it found it, and a
// stack someone started by hand keeps running. Under CI=true a stack that cannot start is a failure.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';

const run = promisify(execFile);
const STACK_SCRIPT = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));

export const KAFKA_BOOTSTRAP = '127.0.0.1:9092';
export const CONNECT_URL = 'http://127.0.0.1:8083';
export const POSTGRES = { host: '127.0.0.1', port: 54329, user: 'shori', password: 'shori', database: 'ticketsdb' };
export const MARIADB = { host: '127.0.0.1', port: 33069, user: 'shori', password: 'shori', database: 'ticketsdb' };

export interface StackLease {
  /** null when the stack is up; the reason otherwise (tests skip on it, or fail under CI). */
  readonly unavailable: Error | null;
  release(): Promise<void>;
}

export async function acquireStack(): Promise<StackLease> {
  const holder = `test-${process.pid}`;
  try {
    await run('bash', [STACK_SCRIPT, 'acquire', holder, String(process.pid)], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const err = error as Error & { stderr?: string };
    const unavailable = new Error(`the local stack (scripts/stack.sh) did not start: ${err.stderr?.trim() || err.message}`);
    // Drop the lease we may have taken so a half-started stack is still stopped.
    await run('bash', [STACK_SCRIPT, 'release', holder], { timeout: 5 * 60_000 }).catch(() => undefined);
    if (process.env.CI === 'true') throw unavailable;
    return { unavailable, release: async () => undefined };
  }
  return {
    unavailable: null,
    release: async () => {
      await run('bash', [STACK_SCRIPT, 'release', holder], { timeout: 5 * 60_000 });
    },
  };
}

/** true when the test should go on; skips it (outside CI) when the stack is unavailable. */
export function requireStack(t: TestContext, lease: StackLease | undefined): boolean {
  if (lease && lease.unavailable === null) return true;
  const reason = lease?.unavailable ?? new Error('the local stack was not acquired');
  if (process.env.CI === 'true') throw reason;
  t.skip(reason.message);
  return false;
}
