// A small Delta table browser: pick a table from /api/tables, page through its rows, and look at an
// older version (time travel) by number. The catalogue refreshes itself at most every 10 s as the
// lakehouse commits (new tables, new latest versions); the rows on screen change only on request.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TableInfo, TableRowsResponse } from '../../../src/contracts/api.ts';
import type { Api } from '../lib/api-client.ts';
import { formatInt } from '../lib/format.ts';
import { Panel } from './Panel.tsx';

const PAGE_SIZE = 20;
const CATALOGUE_REFRESH_MS = 10_000;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function TableBrowser({ api, refreshKey }: { api: Api; refreshKey: unknown }) {
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [key, setKey] = useState<string>('');
  const [version, setVersion] = useState<number | null>(null);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<TableRowsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const loadedAt = useRef(0);
  const loadTables = useCallback(async () => {
    loadedAt.current = Date.now();
    try {
      const res = await api.tables();
      setTables(res.tables);
      const first = res.tables.find((t) => t.layer === 'silver' && t.name === 'tickets') ?? res.tables[0];
      setKey((k) => k || (first ? `${first.layer}.${first.name}` : ''));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [api]);

  useEffect(() => {
    void loadTables();
  }, [loadTables]);

  const hasTables = tables.length > 0;
  useEffect(() => {
    if (!hasTables || Date.now() - loadedAt.current > CATALOGUE_REFRESH_MS) void loadTables();
  }, [refreshKey, hasTables, loadTables]);

  const table = tables.find((t) => `${t.layer}.${t.name}` === key) ?? null;

  const layer = table?.layer ?? null;
  const name = table?.name ?? null;

  useEffect(() => {
    if (layer === null || name === null) return;
    const ctrl = new AbortController();
    setLoading(true);
    api
      .rows(layer, name, { version, limit: PAGE_SIZE, offset }, ctrl.signal)
      .then((res) => {
        setPage(res);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [api, layer, name, version, offset]);

  const total = page?.total ?? 0;
  const columns = page?.columns ?? table?.columns ?? [];
  const maxVersion = table?.version ?? 0;

  return (
    <Panel
      title="Table browser"
      wide
      testId="panel-tables"
      actions={
        <button type="button" className="btn ghost" onClick={() => void loadTables()} title="Reload the table list (new versions)">
          Refresh
        </button>
      }
    >
      <div className="browser-controls">
        <label>
          Table{' '}
          <select
            value={key}
            data-testid="table-select"
            onChange={(e) => {
              setKey(e.target.value);
              setVersion(null);
              setOffset(0);
            }}
          >
            {tables.map((t) => (
              <option key={`${t.layer}.${t.name}`} value={`${t.layer}.${t.name}`}>
                {t.layer}.{t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version{' '}
          <input
            type="number"
            min={0}
            max={maxVersion}
            placeholder={`latest (${maxVersion})`}
            value={version ?? ''}
            data-testid="table-version"
            onChange={(e) => {
              const v = e.target.value === '' ? null : Math.max(0, Math.min(maxVersion, Math.floor(Number(e.target.value))));
              setVersion(v === null || Number.isNaN(v) ? null : v);
              setOffset(0);
            }}
          />
        </label>
        {version !== null ? (
          <button type="button" className="btn ghost small" onClick={() => setVersion(null)}>
            latest
          </button>
        ) : null}
        <span className="muted small-text" data-testid="table-position">
          {page
            ? `v${page.version} · ${total === 0 ? 'no rows' : `rows ${offset + 1}–${Math.min(offset + PAGE_SIZE, total)} of ${formatInt(total)}`}`
            : loading
              ? 'loading…'
              : ''}
        </span>
        <span className="pager">
          <button type="button" className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            ‹ Prev
          </button>
          <button type="button" className="btn" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)} data-testid="table-next">
            Next ›
          </button>
        </span>
      </div>
      {error ? <p className="error-text">{error}</p> : null}
      {tables.length === 0 && !error ? <p className="muted">No tables yet.</p> : null}
      <SilverTables
        tables={tables.filter((t) => t.layer === 'silver')}
        selected={key}
        onSelect={(k) => {
          setKey(k);
          setVersion(null);
          setOffset(0);
        }}
      />
      {page ? (
        <div className="table-wrap">
          <table className="rows" data-testid="table-rows">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.name} title={c.type}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {page.rows.map((row, i) => (
                <tr key={offset + i}>
                  {columns.map((c) => {
                    const text = cell(row[c.name]);
                    return (
                      <td
                        key={c.name}
                        className={row[c.name] === null || row[c.name] === undefined ? 'muted' : undefined}
                        title={text.length > 40 ? text : undefined}
                      >
                        {text}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Panel>
  );
}

/** Every Silver table (one per captured table, and its history) with its rows and schema version. */
function SilverTables({ tables, selected, onSelect }: { tables: TableInfo[]; selected: string; onSelect: (key: string) => void }) {
  if (tables.length === 0) return null;
  return (
    <ul className="silver-tables" data-testid="silver-tables">
      {tables.map((t) => {
        const k = `${t.layer}.${t.name}`;
        return (
          <li key={k}>
            <button
              type="button"
              className={`btn ghost small${k === selected ? ' active' : ''}`}
              onClick={() => onSelect(k)}
              title={`v${t.version}, ${t.columns.length} columns`}
            >
              {t.name}{' '}
              <span className="muted">
                {t.num_rows < 0 ? '?' : formatInt(t.num_rows)} rows · schema v{t.schema_version ?? 0}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
