// Fetches the Gold tables when asked: on mount, on reconnect and on each lakehouse_update that
// recomputed Gold. The catalogue (/api/tables) comes first: only Gold tables that exist are read, and
// only those whose version moved since the last read. Requests never overlap: a trigger during a
// fetch schedules exactly one more fetch after it. A table that does not exist yet (before the first
// Gold refresh) counts as "not loaded", so its KPI says "–" rather than a made-up zero.
import { useEffect, useRef, useState } from 'react';
import { ApiError, type Api } from '../lib/api-client.ts';
import { computeKpis, GOLD_TABLES, parseGold, type GoldKpis, type GoldRows, type GoldTableName, type GoldView } from '../lib/gold.ts';

export interface GoldState {
  view: GoldView;
  kpis: GoldKpis;
  loaded: ReadonlySet<GoldTableName>;
  versions: Partial<Record<GoldTableName, number>>;
  /** Epoch ms of the last completed fetch. */
  fetchedAt: number | null;
  error: string | null;
}

const PAGE = 1000;
const MAX_ROWS = 10_000;

async function fetchAllRows(api: Api, name: GoldTableName): Promise<{ rows: Array<Record<string, unknown>>; version: number }> {
  const first = await api.rows('gold', name, { limit: PAGE, offset: 0 });
  const rows = [...first.rows];
  while (rows.length < Math.min(first.total, MAX_ROWS)) {
    const page = await api.rows('gold', name, { version: first.version, limit: PAGE, offset: rows.length });
    if (page.rows.length === 0) break;
    rows.push(...page.rows);
  }
  return { rows, version: first.version };
}

const emptyState: GoldState = {
  view: parseGold({}),
  kpis: computeKpis(parseGold({}), new Set()),
  loaded: new Set(),
  versions: {},
  fetchedAt: null,
  error: null,
};

export function useGold(api: Api, trigger: unknown): GoldState {
  const [state, setState] = useState<GoldState>(emptyState);
  const running = useRef(false);
  const again = useRef(false);
  const cache = useRef<{ rows: Record<string, Array<Record<string, unknown>>>; versions: Partial<Record<GoldTableName, number>> }>({ rows: {}, versions: {} });

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      if (running.current) {
        again.current = true;
        return;
      }
      running.current = true;
      try {
        do {
          again.current = false;
          let catalogue: Map<string, number>;
          try {
            catalogue = new Map((await api.tables()).tables.filter((t) => t.layer === 'gold').map((t) => [t.name, t.version]));
          } catch (e) {
            if (cancelled) return;
            setState((s) => ({ ...s, error: `catalogue: ${e instanceof Error ? e.message : String(e)}` }));
            continue;
          }
          const present = GOLD_TABLES.filter((name) => catalogue.has(name));
          const prev = cache.current;
          const results = await Promise.allSettled(
            present.map((name) =>
              prev.versions[name] === catalogue.get(name) && prev.rows[name]
                ? Promise.resolve({ rows: prev.rows[name]!, version: prev.versions[name]! })
                : fetchAllRows(api, name),
            ),
          );
          if (cancelled) return;
          const rows: Record<string, Array<Record<string, unknown>>> = {};
          const loaded = new Set<GoldTableName>();
          const versions: Partial<Record<GoldTableName, number>> = {};
          const errors: string[] = [];
          results.forEach((r, i) => {
            const name = present[i];
            if (r.status === 'fulfilled') {
              rows[name] = r.value.rows;
              versions[name] = r.value.version;
              loaded.add(name);
            } else if (!(r.reason instanceof ApiError && r.reason.status === 404)) {
              errors.push(`${name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
            }
          });
          cache.current = { rows, versions };
          const view = parseGold(rows as GoldRows);
          setState({ view, kpis: computeKpis(view, loaded), loaded, versions, fetchedAt: Date.now(), error: errors.length ? errors.join('; ') : null });
        } while (again.current && !cancelled);
      } finally {
        running.current = false;
      }
    };
    void load();
    return () => {
      cancelled = true;
    };
  }, [api, trigger]);

  return state;
}
