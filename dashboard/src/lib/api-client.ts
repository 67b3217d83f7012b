// The REST half of the wire contract (src/contracts/api.ts): URL building and typed fetches. The
// base URL is '' (same origin: the service serves this build) or VITE_API_BASE_URL for a dev server.
import type { HealthResponse, TableRowsResponse, TablesResponse } from '../../../src/contracts/api.ts';

export function apiUrl(base: string, path: string, query?: Record<string, string | number | undefined | null>): string {
  const trimmedBase = base.replace(/\/+$/, '');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return `${trimmedBase}${path}${qs ? `?${qs}` : ''}`;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    let detail = '';
    try {
      const body = (await res.json()) as { message?: unknown; error?: unknown };
      detail = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : '';
    } catch {
      // not JSON: the status says enough
    }
    throw new ApiError(res.status, `${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`);
  }
  return (await res.json()) as T;
}

export function createApi(base: string) {
  return {
    streamUrl: () => apiUrl(base, '/api/stream'),
    health: (signal?: AbortSignal) => getJson<HealthResponse>(apiUrl(base, '/api/health'), signal),
    tables: (signal?: AbortSignal) => getJson<TablesResponse>(apiUrl(base, '/api/tables'), signal),
    rows: (layer: string, name: string, opts: { version?: number | null; limit?: number; offset?: number }, signal?: AbortSignal) =>
      getJson<TableRowsResponse>(
        apiUrl(base, `/api/tables/${encodeURIComponent(layer)}/${encodeURIComponent(name)}`, { version: opts.version, limit: opts.limit, offset: opts.offset }),
        signal,
      ),
  };
}

export type Api = ReturnType<typeof createApi>;
