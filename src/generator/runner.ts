// Runs a workload against a set of targets at a given rate, for a count of operations or until
// stopped. Used by `npm run generate` and by the service's built-in gentle workload.
import type { GeneratorTarget } from './target.ts';
import { Workload, createRandom, type WorkloadMix } from './workload.ts';
import { DDL_DESCRIPTIONS, DDL_STEPS, RelatedWorkload } from './related.ts';

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
  /** After each ticket operation, the chance of one Customers/Agents operation (default 0.3). */
  relatedFraction?: number;
  /** Apply the DDL steps (related.ts) to every target once this many ticket operations are done. */
  ddlAfter?: number;
  signal?: AbortSignal;
  onProgress?: (stats: RunStats) => void;
}

export interface RunStats {
  operations: number;
  inserts: number;
  updates: number;
  deletes: number;
  keyChanges: number;
  /** Customers/Agents operations (not counted in `operations`, which counts ticket operations). */
  related: number;
  /** DDL applied, one line per step and target. */
  ddl: string[];
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
  const stats: RunStats = { operations: 0, inserts: 0, updates: 0, deletes: 0, keyChanges: 0, related: 0, ddl: [], elapsedMs: 0 };
  const related = new RelatedWorkload(createRandom((options.seed ?? Date.now()) ^ 0x5bd1e995));
  const relatedFraction = options.relatedFraction ?? 0.3;
  const phones = new Map<GeneratorTarget, boolean>();
  for (const t of options.targets) phones.set(t, relatedFraction > 0 ? await t.customersHavePhone() : false);
  let ddlDone = options.ddlAfter === undefined;
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
    if (!ddlDone && stats.operations >= options.ddlAfter!) {
      ddlDone = true;
      for (const t of options.targets) {
        for (const step of DDL_STEPS) if (await t.applyDdl(step)) stats.ddl.push(`${t.name}: ${DDL_DESCRIPTIONS[step]}`);
        phones.set(t, await t.customersHavePhone());
      }
    }
    if (relatedFraction > 0 && related.chance(relatedFraction)) {
      const t = options.targets[related.pickIndex(options.targets.length)];
      const op = related.next(phones.get(t) === true);
      if (op.kind === 'upsert-customer') await t.upsertCustomer(op.row);
      else if (op.kind === 'upsert-agent') await t.upsertAgent(op.row);
      else await t.deleteCustomer(op.customerId);
      stats.related++;
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
