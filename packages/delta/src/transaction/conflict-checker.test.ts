import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action, AddAction } from '../actions/types.ts';
import { checkConflict, type ReadIntent } from './conflict-checker.ts';

const add = (path: string, dataChange = true): Action => ({ add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange } satisfies AddAction });
const remove = (path: string): Action => ({ remove: { path, dataChange: true, deletionTimestamp: 0 } });
const txn = (appId: string): Action => ({ txn: { appId, version: 1 } });
const blind: ReadIntent = { readFiles: new Set(), readsData: false };
const reader = (...files: string[]): ReadIntent => ({ readFiles: new Set(files), readsData: true });

const cases: Array<{ name: string; read: ReadIntent; mine: Action[]; winner: Action[]; expect: string | undefined }> = [
  { name: 'append vs append', read: blind, mine: [add('a')], winner: [add('b')], expect: undefined },
  { name: 'append vs delete', read: blind, mine: [add('a')], winner: [remove('x')], expect: undefined },
  { name: 'append vs metadata', read: blind, mine: [add('a')], winner: [{ metaData: { id: '1', format: { provider: 'parquet', options: {} }, schemaString: '{}', partitionColumns: [], configuration: {} } }], expect: 'MetadataChanged' },
  { name: 'append vs protocol', read: blind, mine: [add('a')], winner: [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }], expect: 'ProtocolChanged' },
  { name: 'same txn appId', read: blind, mine: [txn('t'), add('a')], winner: [txn('t'), add('b')], expect: 'ConcurrentTransaction' },
  { name: 'other txn appId', read: blind, mine: [txn('t'), add('a')], winner: [txn('u'), add('b')], expect: undefined },
  { name: 'delete vs delete same file', read: reader('x'), mine: [remove('x')], winner: [remove('x')], expect: 'ConcurrentDeleteDelete' },
  { name: 'read file removed', read: reader('x', 'y'), mine: [remove('x')], winner: [remove('y')], expect: 'ConcurrentDeleteRead' },
  { name: 'merge vs concurrent append', read: reader('x'), mine: [remove('x'), add('z')], winner: [add('b')], expect: 'ConcurrentAppend' },
  { name: 'merge vs compaction add (dataChange=false)', read: reader('x'), mine: [remove('x')], winner: [add('b', false)], expect: undefined },
  { name: 'merge vs append pruned by mayMatch', read: { ...reader('x'), mayMatch: () => false }, mine: [remove('x')], winner: [add('b')], expect: undefined },
  { name: 'winner commitInfo only', read: reader('x'), mine: [remove('x')], winner: [{ commitInfo: { operation: 'X' } }], expect: undefined },
];

for (const c of cases) {
  test(`conflict checker: ${c.name}`, () => {
    const conflict = checkConflict(c.read, c.mine, c.winner);
    assert.equal(conflict?.kind, c.expect);
    if (conflict) assert.match(conflict.help, /^Help: /);
  });
}
