import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IS_CONTROL } from '@platformatic/kafka';
import { recordsFromFetch, type FetchResponse } from './fetch-records.ts';

type Batch = NonNullable<FetchResponse['responses'][number]['partitions'][number]['records']>[number];

function batch(firstOffset: bigint, records: Array<{ delta: number; key: string | null; value: string | null }>, attributes = 0): Batch {
  return {
    firstOffset,
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes,
    lastOffsetDelta: records.length === 0 ? 0 : records[records.length - 1].delta,
    firstTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_000_000n,
    producerId: -1n,
    producerEpoch: -1,
    firstSequence: -1,
    records: records.map((r) => ({
      length: 0,
      attributes: 0,
      timestampDelta: BigInt(r.delta),
      offsetDelta: r.delta,
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: [],
    })),
  };
}

function response(partitions: Array<{ partition: number; batches: Batch[] }>): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topicId: 'id-1',
        partitions: partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: 0,
          highWatermark: 100n,
          lastStableOffset: 100n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: p.batches,
        })),
      },
    ],
  };
}

const names = new Map([['id-1', 'shoripg.public.Tickets']]);

test('records below the requested offset are dropped and positions/timestamps come from the batch', () => {
  const fetched = recordsFromFetch(
    response([
      {
        partition: 0,
        batches: [
          batch(10n, [
            { delta: 0, key: 'a', value: '1' },
            { delta: 1, key: 'b', value: '2' },
            { delta: 2, key: 'c', value: null },
          ]),
        ],
      },
    ]),
    names,
    new Map([['shoripg.public.Tickets:0', 11n]]),
  );
  assert.equal(fetched.length, 1);
  assert.equal(fetched[0].next, 13n);
  assert.deepEqual(
    fetched[0].records.map((r) => [r.stream, r.partition, r.position, r.key?.toString(), r.value?.toString() ?? null, r.timestamp]),
    [
      ['shoripg.public.Tickets', 0, 11, 'b', '2', 1_700_000_000_001],
      ['shoripg.public.Tickets', 0, 12, 'c', null, 1_700_000_000_002],
    ],
  );
});

test('a control batch yields no record but moves the next position past it', () => {
  const fetched = recordsFromFetch(
    response([{ partition: 2, batches: [batch(5n, [{ delta: 0, key: 'x', value: 'y' }]), batch(6n, [{ delta: 0, key: null, value: null }], IS_CONTROL)] }]),
    names,
    new Map([['shoripg.public.Tickets:2', 5n]]),
  );
  assert.equal(fetched[0].records.length, 1);
  assert.equal(fetched[0].next, 7n);
});

test('partitions that were not requested are ignored; an empty answer keeps the position', () => {
  const fetched = recordsFromFetch(
    response([
      { partition: 0, batches: [] },
      { partition: 1, batches: [batch(0n, [{ delta: 0, key: 'k', value: 'v' }])] },
    ]),
    names,
    new Map([['shoripg.public.Tickets:0', 42n]]),
  );
  assert.deepEqual(
    fetched.map((f) => [f.partition, f.next, f.records.length]),
    [[0, 42n, 0]],
  );
});
