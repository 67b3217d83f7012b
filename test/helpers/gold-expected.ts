// The built-in Gold aggregates computed on the sources with plain TypeScript (independently of the
// pipeline and of DuckDB), compared with the Gold tables as canonical text rows.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryDelta, sourceDb } from './lake.ts';
import { queryOn } from './query-on.ts';

type SourceRow = Record<string, string | number | null>;

function sourceRows(dataDir: string, sources: string[]): SourceRow[] {
  const all: SourceRow[] = [];
  for (const source of sources) {
    const db = sourceDb(dataDir, source);
    try {
      for (const r of db.prepare('SELECT * FROM Tickets').all() as SourceRow[]) all.push({ ...r, source });
    } finally {
      db.close();
    }
  }
  return all;
}

const isOpen = (r: SourceRow) => r.Status === 'Open' || r.Status === 'InProgress';
const cents = (v: unknown) => BigInt(String(v).replace('.', ''));
const money = (c: bigint) => {
  const sign = c < 0n ? '-' : '';
  const a = c < 0n ? -c : c;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};

function tally(rows: SourceRow[], key: (r: SourceRow) => string | null): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = key(r);
    if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Expected canonical rows per Gold table (`a|b|c` text, sorted). */
export function expectedGold(dataDir: string, sources: string[]): Record<string, string[]> {
  const rows = sourceRows(dataDir, sources);
  const lines = (m: Map<string, number>) => [...m].map(([k, n]) => `${k}|${n}`).sort();
  const bySource = new Map<string, { tickets: number; open: number; openCents: bigint }>();
  for (const r of rows) {
    const s = bySource.get(String(r.source)) ?? { tickets: 0, open: 0, openCents: 0n };
    s.tickets++;
    if (isOpen(r)) (s.open++, (s.openCents += cents(r.EstimatedCost)));
    bySource.set(String(r.source), s);
  }
  const created = tally(rows, (r) => String(r.CreatedAt).slice(0, 16));
  const resolved = tally(rows, (r) => (r.ResolvedAt === null ? null : String(r.ResolvedAt).slice(0, 16)));
  const minutes = [...new Set([...created.keys(), ...resolved.keys()])].map((m) => `${m}|${created.get(m) ?? 0}|${resolved.get(m) ?? 0}`).sort();
  return {
    tickets_by_status: lines(tally(rows, (r) => String(r.Status))),
    tickets_by_priority: lines(tally(rows, (r) => String(r.Priority))),
    tickets_by_source: [...bySource].map(([k, v]) => `${k}|${v.tickets}|${v.open}`).sort(),
    open_backlog: [...bySource]
      .filter(([, v]) => v.open > 0)
      .map(([k, v]) => `${k}|${v.open}|${money(v.openCents)}`)
      .sort(),
    tickets_per_minute: minutes,
  };
}

const GOLD_SQL: Record<string, string> = {
  tickets_by_status: `SELECT status || '|' || tickets AS line`,
  tickets_by_priority: `SELECT priority || '|' || tickets AS line`,
  tickets_by_source: `SELECT source || '|' || tickets || '|' || open_tickets AS line`,
  open_backlog: `SELECT source || '|' || open_tickets || '|' || CAST(open_estimated_cost AS VARCHAR) AS line`,
  tickets_per_minute: `SELECT strftime(minute, '%Y-%m-%dT%H:%M') || '|' || created || '|' || resolved AS line`,
};

/** Readable differences between the Gold tables and the aggregates of the sources (empty: equal). */
export async function goldDifferences(dataDir: string, sources: string[], conn?: DuckDBConnection): Promise<string[]> {
  const expected = expectedGold(dataDir, sources);
  const out: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const dir = join(dataDir, 'datalake', 'gold', name);
    if (!existsSync(join(dir, '_delta_log'))) {
      out.push(`${name}: no table`);
      continue;
    }
    const query = (select: (scan: string) => string) => (conn ? queryOn(conn, dir, select) : queryDelta(dir, select));
    const got = (await query((scan) => `${GOLD_SQL[name]} FROM ${scan} AS t`)).map((r) => String(r.line)).sort();
    const wantSet = new Set(want);
    const gotSet = new Set(got);
    const missing = want.filter((l) => !gotSet.has(l));
    const extra = got.filter((l) => !wantSet.has(l));
    if (missing.length > 0 || extra.length > 0 || got.length !== want.length) {
      out.push(`${name}: ${missing.length} rows missing (${missing.slice(0, 3).join(', ')}), ${extra.length} unexpected (${extra.slice(0, 3).join(', ')})`);
    }
  }
  return out;
}
