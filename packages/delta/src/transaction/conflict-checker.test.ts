import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileKey, type Action, type AddAction, type DeletionVectorDescriptor } from '../actions/types.ts';
import { checkConflict, type ReadIntent } from './conflict-checker.ts';

const add = (path: string, dataChange = true): Action => ({ add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange } satisfies AddAction });
const remove = (path: string): Action => ({ remove: { path, dataChange: true, deletionTimestamp: 0 } });
// Deletion-vector commits: a file is (path, vector); a DV delete removes (path, old) and adds (path, new).
const dv = (id: string): DeletionVectorDescriptor => ({ storageType: 'u', pathOrInlineDv: id.padStart(20, '0'), offset: 1, sizeInBytes: 34, cardinality: 1 });
const removeDv = (path: string, id?: string): Action => ({
  remove: { path, dataChange: true, deletionTimestamp: 0, ...(id ? { deletionVector: dv(id) } : {}) },
});
const addDv = (path: string, id: string): Action => ({
  add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, deletionVector: dv(id) },
});
const readDv = (path: string, id?: string, mayMatch = true): ReadIntent => ({
  readFiles: new Set([fileKey({ path, ...(id ? { deletionVector: dv(id) } : {}) })]),
  readsData: true,
  mayMatch: () => mayMatch,
});
const txn = (appId: string): Action => ({ txn: { appId, version: 1 } });
const blind: ReadIntent = { readFiles: new Set(), readsData: false };
const reader = (...files: string[]): ReadIntent => ({ readFiles: new Set(files), readsData: true });

const cases: Array<{ name: string; read: ReadIntent; mine: Action[]; winner: Action[]; expect: string | undefined }> = [
  { name: 'append vs append', read: blind, mine: [add('a')], winner: [add('b')], expect: undefined },
  { name: 'append vs delete', read: blind, mine: [add('a')], winner: [remove('x')], expect: undefined },
  {
    name: 'append vs metadata',
    read: blind,
    mine: [add('a')],
    winner: [{ metaData: { id: '1', format: { provider: 'parquet', options: {} }, schemaString: '{}', partitionColumns: [], configuration: {} } }],
    expect: 'MetadataChanged',
  },
  {
    name: 'append vs protocol',
    read: blind,
    mine: [add('a')],
    winner: [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }],
    expect: 'ProtocolChanged',
  },
  { name: 'same txn appId', read: blind, mine: [txn('t'), add('a')], winner: [txn('t'), add('b')], expect: 'ConcurrentTransaction' },
  { name: 'other txn appId', read: blind, mine: [txn('t'), add('a')], winner: [txn('u'), add('b')], expect: undefined },
  { name: 'delete vs delete same file', read: reader('x'), mine: [remove('x')], winner: [remove('x')], expect: 'ConcurrentDeleteDelete' },
  { name: 'read file removed', read: reader('x', 'y'), mine: [remove('x')], winner: [remove('y')], expect: 'ConcurrentDeleteRead' },
  { name: 'merge vs concurrent append', read: reader('x'), mine: [remove('x'), add('z')], winner: [add('b')], expect: 'ConcurrentAppend' },
  { name: 'merge vs compaction add (dataChange=false)', read: reader('x'), mine: [remove('x')], winner: [add('b', false)], expect: undefined },
  { name: 'merge vs append pruned by mayMatch', read: { ...reader('x'), mayMatch: () => false }, mine: [remove('x')], winner: [add('b')], expect: undefined },
  {
    name: 'DV delete vs DV delete on the same file (no vector yet)',
    read: readDv('x'),
    mine: [removeDv('x'), addDv('x', 'mine')],
    winner: [removeDv('x'), addDv('x', 'theirs')],
    expect: 'ConcurrentDeleteDelete',
  },
  {
    name: 'DV delete vs DV delete on the same file (replacing a vector)',
    read: readDv('x', 'v1'),
    mine: [removeDv('x', 'v1'), addDv('x', 'mine')],
    winner: [removeDv('x', 'v1'), addDv('x', 'theirs')],
    expect: 'ConcurrentDeleteDelete',
  },
  {
    name: 'DV merge read a file the winner gave a vector',
    read: readDv('x', undefined, false),
    mine: [add('new')],
    winner: [removeDv('x'), addDv('x', 'theirs')],
    expect: 'ConcurrentDeleteRead',
  },
  {
    name: 'DV delete vs copy-on-write rewrite of the file',
    read: readDv('x', 'v1'),
    mine: [removeDv('x', 'v1'), addDv('x', 'mine')],
    winner: [removeDv('x', 'v1'), add('y')],
    expect: 'ConcurrentDeleteDelete',
  },
  {
    name: 'DV delete on a file this operation did not read, stats disjoint',
    read: readDv('x', undefined, false),
    mine: [removeDv('x'), addDv('x', 'mine')],
    winner: [removeDv('y'), addDv('y', 'theirs')],
    expect: undefined,
  },
  { name: 'winner commitInfo only', read: reader('x'), mine: [remove('x')], winner: [{ commitInfo: { operation: 'X' } }], expect: undefined },
];

for (const c of cases) {
  test(`conflict checker: ${c.name}`, () => {
    const conflict = checkConflict(c.read, c.mine, c.winner);
    assert.equal(conflict?.kind, c.expect);
    if (conflict) assert.match(conflict.help, /^Help: /);
  });
}
