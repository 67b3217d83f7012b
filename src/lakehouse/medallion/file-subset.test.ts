// History's duplicate check reads only the files whose statistics may hold the batch's positions,
// sources and keys; a file without statistics (or with a cut string max) is always read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddAction, Snapshot } from '@shori/delta';
import { filesInRange } from './file-subset.ts';

const file = (path: string, stats?: Record<string, unknown>): AddAction => ({
  path,
  partitionValues: {},
  size: 1,
  modificationTime: 0,
  dataChange: true,
  ...(stats ? { stats: JSON.stringify(stats) } : {}),
});
const snap = (files: AddAction[]) => ({ files }) as unknown as Snapshot;
const st = (seq: [string, string | undefined], source: [string, string], id: [number, number]) => ({
  numRecords: 1,
  minValues: { _seq: seq[0], source: source[0], TicketID: id[0] },
  maxValues: { ...(seq[1] === undefined ? {} : { _seq: seq[1] }), source: source[1], TicketID: id[1] },
});

test('files are kept when their statistics may hold the range, and only then', () => {
  const files = [
    file('below', st(['001', '004'], ['a', 'a'], [1, 10])),
    file('inside', st(['004', '008'], ['a', 'a'], [1, 10])),
    file('above', st(['009', '012'], ['a', 'a'], [1, 10])),
    file('no-max', st(['001', undefined], ['a', 'a'], [1, 10])),
    file('other-source', st(['005', '006'], ['b', 'b'], [1, 10])),
    file('other-keys', st(['005', '006'], ['a', 'a'], [50, 60])),
    file('no-stats'),
  ];
  const kept = (key?: { column: string; min: number; max: number }) => filesInRange(snap(files), '_seq', '005', '007', new Set(['a']), key).map((f) => f.path);
  assert.deepEqual(kept(), ['inside', 'no-max', 'other-keys', 'no-stats']);
  assert.deepEqual(kept({ column: 'TicketID', min: 3, max: 4 }), ['inside', 'no-max', 'no-stats']);
});
