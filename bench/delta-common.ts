// Shared by the delta bench's parts (bench/delta.bench.ts): the result row, Silver-tickets rows, timing.
export interface Result {
  case: string;
  seconds: number;
  detail: string;
}

export function ticketsSql(first: number, count: number, status = 'Open'): string {
  return ticketsFrom(`range(${first}, ${first + count}) AS r(i)`, status);
}

/** Tickets rows for the ids in column i of `relation`. */
export function ticketsFrom(relation: string, status = 'Open'): string {
  return `SELECT CASE WHEN i % 2 = 0 THEN 'sqlserver' ELSE 'postgres' END AS source, i AS "TicketID",
      'ticket ' || i AS "Title", CASE WHEN i % 3 = 0 THEN NULL ELSE 'about ticket ' || i END AS "Description",
      '${status}' AS "Status", 'High' AS "Priority", 'Hardware' AS "Category", 1000 + i % 500 AS "CustomerID",
      CASE WHEN i % 2 = 0 THEN 'alice' ELSE NULL END AS "AssignedTo", CAST((i * 37 % 100000) / 100 AS DECIMAL(10,2)) AS "EstimatedCost",
      TIMESTAMPTZ '2026-11-24 08:00:00+00' + to_microseconds(i) AS "CreatedAt", TIMESTAMPTZ '2026-11-25 08:00:00+00' + to_microseconds(i) AS "UpdatedAt",
      NULL::TIMESTAMPTZ AS "ResolvedAt", lpad(i::VARCHAR, 16, '0') AS _seq, NULL::TIMESTAMPTZ AS _source_ts, now() AS _committed_at
    FROM ${relation}`;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

export const fmt = (n: number) => n.toLocaleString('en-US');
