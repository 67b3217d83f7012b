// Runs of the real service meant to die: spawned without waiting for health, ended by the fault
// switch (SHORI_FAULT) or by our SIGKILL, and the settings that make the pipeline busy enough for a
// small workload to cross every fault point.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO, waitFor, type ServiceProcess } from './service-process.ts';

export const EMBEDDED_SOURCES = ['shorisql_1', 'shorisql_2'];

/** Small batches, frequent Gold, compaction and checkpoints: many commits of each kind quickly. */
export const BUSY_ENV: Record<string, string> = {
  GENERATOR_ENABLED: 'false',
  LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.2',
  LAKEHOUSE_MAX_BATCH_SIZE: '30',
  GOLD_REFRESH_INTERVAL_SEC: '0.3',
  LAKEHOUSE_OPTIMIZE_EVERY_BATCHES: '4',
  DELTA_CHECKPOINT_INTERVAL: '3',
  KAFKA_CONSUMER_RESTART_BACKOFF_SEC: '0.2',
  EMBEDDED_CAPTURE_POLL_MS: '20',
  LOG_LEVEL: 'warn',
};

/** Services started here and still running: killed if this process exits first. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Death {
  /** The fault line the switch printed, when it was the switch that killed. */
  fault: string | null;
  signal: NodeJS.Signals | null;
  code: number | null;
  /** We killed it (SIGKILL) because it was still running after `ms`. */
  killedByUs: boolean;
  output: string;
}

/** Resolves once /api/health answers (or never, if the process dies first). */
async function upAt(port: number, child: ChildProcess): Promise<void> {
  while (child.exitCode === null && child.signalCode === null) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise(() => undefined);
}

/**
 * Starts the service and lets it run until it dies or `ms` pass (then SIGKILL), counted from the
 * start, or from the moment it answers /api/health when `afterUp`. `ms` undefined: wait for the
 * fault switch only, failing after `timeoutMs` if the process has not died.
 */
export async function runUntilDeath(
  env: Record<string, string>,
  dataDir: string,
  port: number,
  ms?: number,
  timeoutMs = 90_000,
  afterUp = false,
): Promise<Death> {
  const child = spawn(process.execPath, [join(REPO, 'src/main.ts')], {
    cwd: REPO,
    env: { ...process.env, LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let killedByUs = false;
  const limit = ms ?? timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      killedByUs = true;
      child.kill('SIGKILL');
    }, limit);
  };
  if (afterUp && ms !== undefined) void upAt(port, child).then(arm);
  else arm();
  const { code, signal } = await exited;
  clearTimeout(timer);
  if (ms === undefined && killedByUs)
    throw new Error(`the fault point was not reached within ${timeoutMs} ms (SHORI_FAULT=${env.SHORI_FAULT}):\n${output.slice(-3000)}`);
  const fault = /SHORI_FAULT: .*/.exec(output)?.[0] ?? null;
  return { fault, signal, code, killedByUs, output };
}

/** Waits until the lakehouse has read everything the feed holds (lag 0 on every partition). */
export async function waitLagZero(service: ServiceProcess, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    'the lakehouse to catch up (lag 0)',
    async () => {
      const h = await service.health();
      if (!h.lakehouse_running) throw new Error(`the lakehouse stopped: ${h.counters.last_error}`);
      return h.lag.length > 0 && h.lag.every((p) => p.lag === 0);
    },
    timeoutMs,
    250,
  );
}
