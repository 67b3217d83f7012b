import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeKpis, GOLD_TABLES, parseGold, type GoldTableName } from './gold.ts';

const rows = {
  tickets_by_status: [
    { status: 'open', tickets: '12' },
    { status: 'closed', tickets: 30 },
    { status: null, tickets: 1 },
    { status: 'bad', tickets: 'x' },
  ],
  tickets_by_priority: [
    { priority: 'high', tickets: 5 },
    { priority: 'low', tickets: '38' },
  ],
  tickets_by_source: [
    { source: 'shorisql_2', tickets: '20', open_tickets: '4' },
    { source: 'shorisql_1', tickets: 23, open_tickets: 8 },
  ],
  open_backlog: [
    { source: 'shorisql_1', open_tickets: '8', open_estimated_cost: '1000.25' },
    { source: 'shorisql_2', open_tickets: 4, open_estimated_cost: null },
  ],
  tickets_per_minute: [
    { minute: '2026-11-24T08:02:00.000000Z', created: '3', resolved: 1 },
    { minute: '2026-11-24T08:01:00Z', created: 5, resolved: null },
    { minute: 'garbage', created: 1, resolved: 1 },
  ],
  mean_time_to_resolve: [
    { source: 'shorisql_1', resolved_tickets: '10', mean_resolve_sec: '100.0' },
    { source: 'shorisql_2', resolved_tickets: 30, mean_resolve_sec: 200 },
    { source: 'shorisql_3', resolved_tickets: 0, mean_resolve_sec: null },
  ],
};

test('parses every gold table with string or number values', () => {
  const v = parseGold(rows);
  assert.deepEqual(v.byStatus, [
    { label: 'closed', count: 30 },
    { label: 'open', count: 12 },
    { label: '(none)', count: 1 },
  ]);
  assert.deepEqual(
    v.byPriority.map((r) => r.label),
    ['low', 'high'],
  );
  assert.deepEqual(
    v.bySource.map((r) => [r.source, r.tickets, r.open]),
    [
      ['shorisql_1', 23, 8],
      ['shorisql_2', 20, 4],
    ],
  );
  assert.deepEqual(v.perMinute, [
    { minute: Date.UTC(2026, 10, 24, 8, 1), created: 5, resolved: 0 },
    { minute: Date.UTC(2026, 10, 24, 8, 2), created: 3, resolved: 1 },
  ]);
});

test('KPIs: total, open backlog and resolved-weighted mean time to resolve', () => {
  const k = computeKpis(parseGold(rows), new Set(GOLD_TABLES));
  assert.equal(k.totalTickets, 43);
  assert.equal(k.openBacklog, 12);
  assert.equal(k.openEstimatedCost, 1000.25);
  assert.equal(k.resolvedTickets, 40);
  assert.equal(k.mttrSec, (10 * 100 + 30 * 200) / 40);
});

test('KPIs are null (unknown) for tables not loaded, and zero for loaded empty tables', () => {
  const none = computeKpis(parseGold({}), new Set());
  assert.deepEqual(none, { totalTickets: null, openBacklog: null, openEstimatedCost: null, mttrSec: null, resolvedTickets: null });
  const empty = computeKpis(parseGold({}), new Set<GoldTableName>(['tickets_by_status', 'open_backlog', 'mean_time_to_resolve']));
  assert.equal(empty.totalTickets, 0);
  assert.equal(empty.openBacklog, 0);
  assert.equal(empty.mttrSec, null);
  const fallback = computeKpis(parseGold(rows), new Set<GoldTableName>(['tickets_by_source']));
  assert.equal(fallback.totalTickets, 43);
});
