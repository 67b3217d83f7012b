import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameTopics, selectTopics } from './topic-selector.ts';

const existing = [
  'shorisql_1.TicketsDb.dbo.Tickets',
  'shoripg.public.Tickets',
  'shorimaria.ticketsdb.Tickets',
  'shorisql_1',
  '__consumer_offsets',
  'shori-connect-offsets',
];

test('a pattern selects matching topics, sorted, never internal ones', () => {
  const pattern = /^(shorisql_\d+|shoripg|shorimaria)\.(.+\.)?tickets$/i;
  assert.deepEqual(selectTopics(existing, pattern), ['shorimaria.ticketsdb.Tickets', 'shoripg.public.Tickets', 'shorisql_1.TicketsDb.dbo.Tickets']);
  assert.deepEqual(selectTopics(existing, /.*/), existing.filter((t) => !t.startsWith('__')).sort());
});

test('a global pattern gives the same answer every time (no lastIndex carried over)', () => {
  const pattern = /tickets$/gi;
  const first = selectTopics(existing, pattern);
  assert.deepEqual(selectTopics(existing, pattern), first);
  assert.equal(first.length, 3);
});

test('a list keeps only topics that exist, without duplicates', () => {
  assert.deepEqual(selectTopics(existing, ['shoripg.public.Tickets', 'not.there', 'shoripg.public.Tickets']), ['shoripg.public.Tickets']);
});

test('sameTopics compares sorted lists', () => {
  assert.equal(sameTopics(['a', 'b'], ['a', 'b']), true);
  assert.equal(sameTopics(['a', 'b'], ['a']), false);
  assert.equal(sameTopics(['a', 'b'], ['a', 'c']), false);
});
