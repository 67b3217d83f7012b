// The bookkeeping of every derived table: one Delta `txn` action, appId `shori:bronze-version`,
// whose version is the Bronze version the table has applied. It is written in the same commit as
// the table's data, so "applied" and "written" can never disagree, whatever the crash. No table
// reads another table's marker: each catches up from Bronze on its own.
import type { DeltaTable, TxnVersion } from '@shori/delta';

export const BRONZE_VERSION_APP_ID = 'shori:bronze-version';

/** The Bronze version a derived table has applied (-1: none yet), per its last loaded snapshot. */
export function appliedBronzeVersion(table: DeltaTable): number {
  return table.snapshot.txnVersion(BRONZE_VERSION_APP_ID) ?? -1;
}

/** The txn to commit along with data derived from Bronze up to `version` (null: none, a partial catch-up). */
export function appliedTxn(version: number | null): TxnVersion[] {
  return version === null ? [] : [{ appId: BRONZE_VERSION_APP_ID, version }];
}
