// The fault switch's entry point for the service: `faultPoint(name)` for points in the worker and
// `storageFor(path)` for the medallion's tables (the real local storage, wrapped to report Delta
// write points when SHORI_FAULT arms one of that table's points). See fault-plan.ts.
import { basename, dirname } from 'node:path';
import { LocalStorage, type Storage } from '@shori/delta';
import { FaultSwitch, parseFaultSpec } from './fault-plan.ts';
import { FaultStorage } from './fault-storage.ts';

export { FaultSwitch, parseFaultSpec, type FaultTarget, type Kill } from './fault-plan.ts';
export { FaultStorage } from './fault-storage.ts';

let current: FaultSwitch | undefined;

/** The process's switch, read from SHORI_FAULT on first use (a malformed value throws). */
export function faultSwitch(): FaultSwitch {
  current ??= new FaultSwitch(parseFaultSpec(process.env.SHORI_FAULT));
  return current;
}

/** Marks a named point in the service's own code (e.g. `feed:before-commit`). */
export function faultPoint(name: string): void {
  const faults = faultSwitch();
  if (faults.armed) faults.reach(name);
}

/** `<layer>.<name>` of a table folder `.../<layer>/<name>` (e.g. `silver.tickets`). */
export function tableFaultName(path: string): string {
  return `${basename(dirname(path))}.${basename(path)}`;
}

/**
 * The storage of the table at `path`: plain local storage, or, when SHORI_FAULT arms a point of this
 * table (named `table`, by default from the path), that storage wrapped to reach those points.
 */
export function storageFor(path: string, table = tableFaultName(path)): Storage {
  return withFaults(new LocalStorage(path), table);
}

/** `storage` itself, or wrapped to reach the points SHORI_FAULT arms for `table` (any store). */
export function withFaults(storage: Storage, table: string): Storage {
  const faults = faultSwitch();
  return faults.armedFor(`${table}:`) ? new FaultStorage(storage, table, faults) : storage;
}
