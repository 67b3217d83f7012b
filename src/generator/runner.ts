// Runs a workload against a set of targets at a given rate, for a count of operations or until
// stopped. Used by `npm run generate` and by the service's built-in gentle workload.
import type { GeneratorTarget } from './target.ts';
import { Workload, type WorkloadMix } from './workload.ts';

export interface RunOptions {
  targets: GeneratorTarget[];
  /** Operations per second across all targets; 0 = as fast as possible. */
  rate: number;
  count?: number;
  mix: WorkloadMix;
  seed?: number;
  /** Fraction of updates that become a burst of rapid updates of one row. */
  burstFraction?: number;
  /** Fraction of updates that change the primary key. */
  keyChangeFraction?: number;
  signal?: AbortSignal;
  onProgress?: (stats: RunStats) => void;
}

export interface RunStats {
  operations: number;
  inserts: number;
  updates: number;
  deletes: number;
  keyChanges: number;
  elapsedMs: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export async function runWorkload(options: RunOptions): Promise<RunStats> {
  if (options.targets.length === 0) throw new Error('no generator targets');
  const workload = new Workload({ seed: options.seed ?? Date.now(), mix: options.mix });
  const stats: RunStats = { operations: 0, inserts: 0, updates: 0, deletes: 0, keyChanges: 0, elapsedMs: 0 };
  const started = performance.now();
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  while (stats.operations < limit && !options.signal?.aborted) {
    const target = options.targets[workload.pickIndex(options.targets.length)];
    const existing = await target.randomTicket();
    const kind = workload.nextKind(existing !== null);
    if (kind === 'insert' || existing === null) {
      await target.insert(workload.newTicket());
      stats.inserts++;
      stats.operations++;
    } else if (kind === 'delete') {
      await target.delete(existing.TicketID);
      stats.deletes++;
      stats.operations++;
    } else if (options.keyChangeFraction && workload.chance(options.keyChangeFraction)) {
      await target.changeKey(existing.TicketID);
      stats.keyChanges++;
      stats.updates++;
      stats.operations++;
    } else {
      // A burst: the same row updated several times in quick succession (the case that breaks
      // sinks which do not order changes within a batch).
      const repeats = options.burstFraction && workload.chance(options.burstFraction) ? 5 : 1;
      let status = existing.Status;
      for (let i = 0; i < repeats && stats.operations < limit; i++) {
        const change = workload.changeFor({ Status: status });
        await target.update(existing.TicketID, change);
        if (change.Status) status = change.Status;
        stats.updates++;
        stats.operations++;
      }
    }
    options.onProgress?.(stats);
    if (options.rate > 0) {
      const due = (stats.operations / options.rate) * 1000;
      const ahead = due - (performance.now() - started);
      if (ahead > 0) await sleep(ahead, options.signal);
    }
  }
  stats.elapsedMs = performance.now() - started;
  return stats;
}
