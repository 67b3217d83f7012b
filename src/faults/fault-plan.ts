// The test-only fault switch: `SHORI_FAULT=<point>:<n>[,<point>:<n>...]` kills the process with
// SIGKILL the n-th time the named point is reached (counted per point, per process). Unset, every
// point is a no-op. It is deliberately not a configuration knob (src/config): users never set it;
// the crash-point test and the chaos runner do, to place a crash exactly between two writes.
//
// Points are `<table>:<kind>` for the Delta tables (see fault-storage.ts: `bronze.cdc_events:commit`,
// `silver.tickets:parquet-written`, ...) and plain names for the worker (`feed:before-commit`,
// `feed:after-commit`), reached through `faultPoint(name)`.
import { writeSync } from 'node:fs';
import { ShoriError } from '../errors.ts';

export interface FaultTarget {
  point: string;
  /** Die the n-th time the point is reached (1 = the first time). */
  n: number;
}

/** Parses the SHORI_FAULT value; empty or unset → no target. A malformed value is refused. */
export function parseFaultSpec(spec: string | undefined): FaultTarget[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      const point = at > 0 ? entry.slice(0, at) : '';
      const n = Number(entry.slice(at + 1));
      if (point === '' || !Number.isInteger(n) || n < 1) {
        throw new ShoriError('SHORI_CONFIG_INVALID', `SHORI_FAULT="${spec}": each entry must be <point>:<n> with n a whole number >= 1, got "${entry}"`, {
          context: { variable: 'SHORI_FAULT', entry },
        });
      }
      return { point, n };
    });
}

export type Kill = (point: string, n: number) => void;

/** The default kill: one line on stderr (written synchronously), then SIGKILL to ourselves. */
export const killSelf: Kill = (point, n) => {
  writeSync(2, `SHORI_FAULT: ${point} reached ${n} time(s): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
};

export class FaultSwitch {
  readonly #targets = new Map<string, number>();
  readonly #counts = new Map<string, number>();
  readonly #kill: Kill;

  constructor(targets: FaultTarget[], kill: Kill = killSelf) {
    for (const t of targets) this.#targets.set(t.point, t.n);
    this.#kill = kill;
  }

  /** True when some point is armed (the wrappers are only worth installing then). */
  get armed(): boolean {
    return this.#targets.size > 0;
  }

  /** Whether any armed point starts with `prefix` (e.g. a table's name). */
  armedFor(prefix: string): boolean {
    for (const point of this.#targets.keys()) if (point.startsWith(prefix)) return true;
    return false;
  }

  /** Counts one passage through `point` and kills when it is the armed one's n-th. */
  reach(point: string): void {
    const n = this.#targets.get(point);
    if (n === undefined) return;
    const count = (this.#counts.get(point) ?? 0) + 1;
    this.#counts.set(point, count);
    if (count === n) this.#kill(point, count);
  }

  /** How many times `point` was reached (armed points only). */
  count(point: string): number {
    return this.#counts.get(point) ?? 0;
  }
}
