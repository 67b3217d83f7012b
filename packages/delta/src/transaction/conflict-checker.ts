// The pure conflict check run after losing a commit race: given what this transaction read, what
// it wants to commit and what one winning commit contains, decide whether committing on top of
// the winner is still correct. Mirrors delta-rs' conflict_checker: blind appends rebase freely;
// anything that read data conflicts with concurrent changes to that data. Conservative on
// purpose: a false conflict costs a retry, a missed one corrupts the table.
import { fileKey, type Action } from '../actions/types.ts';

export type ConflictKind =
  'ConcurrentAppend' | 'ConcurrentDeleteRead' | 'ConcurrentDeleteDelete' | 'MetadataChanged' | 'ProtocolChanged' | 'ConcurrentTransaction';

export interface ReadIntent {
  /** Paths (file keys) of the files this transaction read and may rewrite or remove. */
  readFiles: Set<string>;
  /**
   * True when the transaction's outcome depends on table data (merge, delete, overwrite): then a
   * concurrent add that may hold matching rows is a conflict. `mayMatch` narrows that down; it
   * defaults to "every data-changing add may match".
   */
  readsData: boolean;
  mayMatch?: (add: Extract<Action, { add: unknown }>['add']) => boolean;
}

export interface Conflict {
  kind: ConflictKind;
  message: string;
  help: string;
  retryable: boolean;
}

const HELP: Record<ConflictKind, string> = {
  ConcurrentAppend: 'Help: another writer added files this operation should have read; re-run the operation on the new snapshot.',
  ConcurrentDeleteRead: 'Help: another writer removed files this operation read; re-run the operation on the new snapshot.',
  ConcurrentDeleteDelete: 'Help: another writer removed the same files; re-run the operation on the new snapshot.',
  MetadataChanged: 'Help: the table schema or properties changed concurrently; reopen the table and check the schema before writing again.',
  ProtocolChanged: 'Help: the table protocol changed concurrently; reopen the table to check it is still supported.',
  ConcurrentTransaction:
    'Help: another writer committed the same application transaction id; reload the table and read snapshot.txnVersion(appId) before writing again.',
};

/** Returns the first conflict between our pending commit and one winning commit, or undefined. */
export function checkConflict(read: ReadIntent, mine: Action[], winner: Action[]): Conflict | undefined {
  const conflict = (kind: ConflictKind, message: string, retryable: boolean): Conflict => ({ kind, message, help: HELP[kind], retryable });
  const myRemoves = new Set<string>();
  const myTxns = new Set<string>();
  for (const a of mine) {
    if ('remove' in a) myRemoves.add(fileKey(a.remove));
    else if ('txn' in a) myTxns.add(a.txn.appId);
  }
  for (const a of winner) {
    if ('protocol' in a) return conflict('ProtocolChanged', 'The protocol changed in a concurrent commit', false);
    if ('metaData' in a) return conflict('MetadataChanged', 'The table metadata changed in a concurrent commit', false);
    if ('txn' in a && myTxns.has(a.txn.appId)) {
      return conflict('ConcurrentTransaction', `Transaction appId '${a.txn.appId}' was committed concurrently`, false);
    }
  }
  for (const a of winner) {
    if ('remove' in a) {
      const key = fileKey(a.remove);
      if (myRemoves.has(key)) return conflict('ConcurrentDeleteDelete', `File ${a.remove.path} was removed concurrently`, true);
      if (read.readFiles.has(key)) return conflict('ConcurrentDeleteRead', `File ${a.remove.path} that this operation read was removed concurrently`, true);
    }
  }
  if (read.readsData) {
    for (const a of winner) {
      if ('add' in a && a.add.dataChange && (read.mayMatch ? read.mayMatch(a.add) : true)) {
        return conflict('ConcurrentAppend', `File ${a.add.path} added concurrently may contain rows this operation read`, true);
      }
    }
  }
  return undefined;
}
