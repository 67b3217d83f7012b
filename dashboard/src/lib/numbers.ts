// Defensive number parsing for values that cross the wire. DECIMAL and BIGINT columns arrive as JSON
// strings (to keep precision) or as numbers, depending on the column and the size of the value; the
// dashboard only displays them, so a double is precise enough. Anything unparseable becomes null, so
// the UI shows "no value" instead of NaN.

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return null;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A string label for a grouping column (status, priority, source); null and '' become "(none)". */
export function toLabel(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  const s = typeof value === 'string' ? value : String(value);
  return s.trim() === '' ? '(none)' : s;
}

/** Milliseconds since the epoch for an ISO-8601 timestamp (or epoch ms/us number); null if unparseable. */
export function toEpochMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Microseconds since the epoch are > 1e14 for any date after 1973; milliseconds are not before 5138.
    return value > 1e14 ? Math.floor(value / 1000) : value;
  }
  if (typeof value !== 'string' || value.trim() === '') return null;
  const s = value.trim();
  // Date.parse accepts at most millisecond precision on every engine only without the extra digits.
  // Also accepts DuckDB's text form of a TIMESTAMPTZ, "2026-11-24 08:13:00+00" (space, hour-only zone).
  const normalised = s
    .replace(/(\.\d{3})\d+/, '$1')
    .replace(' ', 'T')
    .replace(/([+-]\d{2})$/, '$1:00');
  const hasZone = /[zZ]$|[+-]\d{2}:?\d{2}$/.test(normalised);
  const ms = Date.parse(hasZone ? normalised : `${normalised}Z`);
  return Number.isFinite(ms) ? ms : null;
}
