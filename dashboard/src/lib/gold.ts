// Gold tables to what the KPI cards and charts draw. The service returns rows as JSON objects whose
// DECIMAL/BIGINT values may be strings or numbers; everything is parsed defensively here so the
// components only ever see numbers (or null for "no value").
//
// Gold tables (layer gold):
//   tickets_by_status(status, tickets)          tickets_by_priority(priority, tickets)
//   tickets_by_source(source, tickets, open_tickets)
//   open_backlog(source, open_tickets, open_estimated_cost)
//   tickets_per_minute(minute, created, resolved)   minute = ISO timestamp
//   mean_time_to_resolve(source, resolved_tickets, mean_resolve_sec)
import { toEpochMs, toLabel, toNumber } from './numbers.ts';

export const GOLD_TABLES = [
  'tickets_by_status',
  'tickets_by_priority',
  'tickets_by_source',
  'open_backlog',
  'tickets_per_minute',
  'mean_time_to_resolve',
] as const;
export type GoldTableName = (typeof GOLD_TABLES)[number];
export type GoldRows = Partial<Record<GoldTableName, ReadonlyArray<Record<string, unknown>>>>;

export interface LabelCount {
  label: string;
  count: number;
}

export interface SourceCounts {
  source: string;
  tickets: number | null;
  open: number | null;
}

export interface BacklogRow {
  source: string;
  open: number | null;
  cost: number | null;
}

export interface MinuteRow {
  /** Epoch ms of the minute start. */
  minute: number;
  created: number;
  resolved: number;
}

export interface MttrRow {
  source: string;
  resolved: number | null;
  meanSec: number | null;
}

export interface GoldView {
  byStatus: LabelCount[];
  byPriority: LabelCount[];
  bySource: SourceCounts[];
  backlog: BacklogRow[];
  perMinute: MinuteRow[];
  mttr: MttrRow[];
}

export interface GoldKpis {
  totalTickets: number | null;
  openBacklog: number | null;
  openEstimatedCost: number | null;
  /** Mean time to resolve across sources, weighted by resolved tickets; seconds. */
  mttrSec: number | null;
  resolvedTickets: number | null;
}

function labelCounts(rows: ReadonlyArray<Record<string, unknown>> | undefined, labelKey: string): LabelCount[] {
  const totals = new Map<string, number>();
  for (const row of rows ?? []) {
    const n = toNumber(row.tickets);
    if (n === null) continue;
    const label = toLabel(row[labelKey]);
    totals.set(label, (totals.get(label) ?? 0) + n);
  }
  return [...totals].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

export function parseGold(rows: GoldRows): GoldView {
  const perMinute: MinuteRow[] = [];
  for (const row of rows.tickets_per_minute ?? []) {
    const minute = toEpochMs(row.minute);
    if (minute === null) continue;
    perMinute.push({ minute, created: toNumber(row.created) ?? 0, resolved: toNumber(row.resolved) ?? 0 });
  }
  perMinute.sort((a, b) => a.minute - b.minute);
  const bySource = (rows.tickets_by_source ?? []).map((r) => ({ source: toLabel(r.source), tickets: toNumber(r.tickets), open: toNumber(r.open_tickets) }));
  const backlog = (rows.open_backlog ?? []).map((r) => ({ source: toLabel(r.source), open: toNumber(r.open_tickets), cost: toNumber(r.open_estimated_cost) }));
  const mttr = (rows.mean_time_to_resolve ?? []).map((r) => ({
    source: toLabel(r.source),
    resolved: toNumber(r.resolved_tickets),
    meanSec: toNumber(r.mean_resolve_sec),
  }));
  const bySourceName = (a: { source: string }, b: { source: string }) => a.source.localeCompare(b.source);
  return {
    byStatus: labelCounts(rows.tickets_by_status, 'status'),
    byPriority: labelCounts(rows.tickets_by_priority, 'priority'),
    bySource: bySource.sort(bySourceName),
    backlog: backlog.sort(bySourceName),
    perMinute,
    mttr: mttr.sort(bySourceName),
  };
}

function sumOrNull(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

export function computeKpis(view: GoldView, loaded: ReadonlySet<GoldTableName>): GoldKpis {
  // Total tickets: by status covers every ticket once; tickets_by_source is the fallback.
  let totalTickets: number | null = null;
  if (loaded.has('tickets_by_status')) totalTickets = view.byStatus.reduce((a, r) => a + r.count, 0);
  else if (loaded.has('tickets_by_source')) totalTickets = sumOrNull(view.bySource.map((r) => r.tickets)) ?? 0;

  const openBacklog = loaded.has('open_backlog') ? (sumOrNull(view.backlog.map((r) => r.open)) ?? 0) : null;
  const openEstimatedCost = loaded.has('open_backlog') ? sumOrNull(view.backlog.map((r) => r.cost)) : null;

  let mttrSec: number | null = null;
  let resolvedTickets: number | null = null;
  if (loaded.has('mean_time_to_resolve')) {
    let weight = 0;
    let weighted = 0;
    for (const r of view.mttr) {
      if (r.resolved === null || r.meanSec === null || r.resolved <= 0) continue;
      weight += r.resolved;
      weighted += r.resolved * r.meanSec;
    }
    resolvedTickets = weight;
    mttrSec = weight > 0 ? weighted / weight : null;
  }
  return { totalTickets, openBacklog, openEstimatedCost, mttrSec, resolvedTickets };
}
