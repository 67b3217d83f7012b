import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialRawFeed, rawFeedReducer, summarizeRaw, type RawFeedAction, type RawFeedState } from './raw-feed.ts';

const msg = (offset: number): RawFeedAction => ({
  type: 'message',
  ts: `2026-11-24T08:00:0${offset}Z`,
  data: { topic: 't', partition: 0, offset, payload: { op: 'c', source: { name: 'shorisql_1', table: 'Tickets' }, after: { TicketId: offset } } },
});

const run = (actions: RawFeedAction[], s: RawFeedState = initialRawFeed(3)) => actions.reduce(rawFeedReducer, s);

test('keeps the newest messages first, up to capacity', () => {
  const s = run([msg(1), msg(2), msg(3), msg(4)]);
  assert.deepEqual(
    s.items.map((i) => i.data.offset),
    [4, 3, 2],
  );
});

test('pausing freezes the list and counts what was not kept; resuming takes new messages again', () => {
  let s = run([msg(1), { type: 'pause' }, msg(2), msg(3)]);
  assert.deepEqual(
    s.items.map((i) => i.data.offset),
    [1],
  );
  assert.equal(s.missedWhilePaused, 2);
  s = run([{ type: 'resume' }, msg(4)], s);
  assert.deepEqual(
    s.items.map((i) => i.data.offset),
    [4, 1],
  );
});

test('a selection survives new messages until its item falls off the end', () => {
  let s = run([msg(1), msg(2)]);
  const seqOf1 = s.items[1].seq;
  s = run([{ type: 'select', seq: seqOf1 }, msg(3)], s);
  assert.equal(s.selectedSeq, seqOf1);
  s = run([msg(4)], s);
  assert.equal(s.selectedSeq, null);
});

test('summaries name the operation, table and key, in both envelope shapes', () => {
  const m = msg(7);
  assert.equal(m.type === 'message' && summarizeRaw(m.data), 'insert shorisql_1.Tickets #7');
  assert.equal(summarizeRaw({ topic: 't', partition: 0, offset: 1, payload: null }), 'tombstone');
  assert.equal(
    summarizeRaw({
      topic: 't',
      partition: 0,
      offset: 1,
      payload: { schema: {}, payload: { op: 'd', source: { name: 'shoripg', table: 'tickets' }, before: { ticket_id: 9 }, after: null } },
    }),
    'delete shoripg.tickets #9',
  );
});
