// Turns DuckDB's COPY ... RETURN_STATS column statistics (strings keyed by the quoted column
// name: min, max, null_count, has_nan) into the Delta `stats` JSON string ("Per-file
// Statistics"): {"numRecords","minValues","maxValues","nullCount"}. Rule: never write a bound that
// could be wrong. Timestamps are cut to milliseconds (min rounded down, max rounded up); strings
// longer than 32 characters keep a prefix as the min and drop the max; NaN, huge integers,
// booleans and binaries get no bounds. Numbers keep DuckDB's exact digits in the JSON text.
import type { DeltaField } from '../schema/types.ts';
import { parseDecimal, quoteIdent } from '../schema/duckdb-types.ts';

export type ColumnStats = Record<string, string>;
const STRING_PREFIX = 32;
const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function buildStatsJson(numRecords: number, fields: DeltaField[], columnStats: Map<string, ColumnStats>): string {
  const mins: string[] = [];
  const maxs: string[] = [];
  const nulls: string[] = [];
  for (const field of fields) {
    if (typeof field.type !== 'string') continue;
    const stats = columnStats.get(quoteIdent(field.name)) ?? columnStats.get(field.name);
    if (!stats) continue;
    const key = JSON.stringify(field.name);
    if (stats.null_count !== undefined && INTEGER.test(stats.null_count)) nulls.push(`${key}:${stats.null_count}`);
    const hasValues = stats.null_count === undefined || Number(stats.null_count) < numRecords;
    if (!hasValues || stats.min === undefined || stats.max === undefined) continue;
    const bounds = boundsFor(field.type, stats);
    if (!bounds) continue;
    if (bounds.min !== undefined) mins.push(`${key}:${bounds.min}`);
    if (bounds.max !== undefined) maxs.push(`${key}:${bounds.max}`);
  }
  return `{"numRecords":${numRecords},"minValues":{${mins.join(',')}},"maxValues":{${maxs.join(',')}},"nullCount":{${nulls.join(',')}}}`;
}

/** JSON texts for min and max, or undefined when no safe bound exists. */
function boundsFor(type: string, stats: ColumnStats): { min?: string; max?: string } | undefined {
  const { min, max } = stats;
  switch (type) {
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      return INTEGER.test(min) && INTEGER.test(max) ? { min, max } : undefined;
    case 'float':
    case 'double':
      if (stats.has_nan === 'true') return undefined;
      return NUMBER.test(min) && NUMBER.test(max) ? { min: normalizeNumber(min), max: normalizeNumber(max) } : undefined;
    case 'string':
      return stringBounds(min, max);
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(min) && /^\d{4}-\d{2}-\d{2}$/.test(max) ? { min: JSON.stringify(min), max: JSON.stringify(max) } : undefined;
    case 'timestamp':
    case 'timestamp_ntz': {
      const lo = parseTimestampMicros(min, type === 'timestamp');
      const hi = parseTimestampMicros(max, type === 'timestamp');
      if (lo === undefined || hi === undefined) return undefined;
      const z = type === 'timestamp';
      const lower = formatMillis(floorDiv(lo, 1000n), z);
      const upper = formatMillis(-floorDiv(-hi, 1000n), z);
      return lower && upper ? { min: JSON.stringify(lower), max: JSON.stringify(upper) } : undefined;
    }
    default:
      if (parseDecimal(type)) return NUMBER.test(min) && NUMBER.test(max) ? { min: normalizeNumber(min), max: normalizeNumber(max) } : undefined;
      return undefined;
  }
}

function normalizeNumber(text: string): string {
  // JSON forbids "1." and ".5" and leading '+'.
  let t = text.replace(/^(-?)\./, '$10.').replace(/\.(?=$|[eE])/, '');
  if (/^-?0\d/.test(t)) t = t.replace(/^(-?)0+(?=\d)/, '$1');
  return t;
}

function stringBounds(min: string, max: string): { min?: string; max?: string } {
  const minChars = [...min];
  const maxChars = [...max];
  return {
    min: JSON.stringify(minChars.length > STRING_PREFIX ? minChars.slice(0, STRING_PREFIX).join('') : min),
    max: maxChars.length > STRING_PREFIX ? undefined : JSON.stringify(max),
  };
}

const TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?|Z)?$/;

/** Microseconds since the epoch (UTC) of a DuckDB timestamp text; undefined when unsure. */
export function parseTimestampMicros(text: string, withZone: boolean): bigint | undefined {
  const m = TS.exec(text.trim());
  if (!m) return undefined;
  const hasOffset = m[8] !== undefined || text.trim().endsWith('Z');
  if (withZone && !hasOffset) return undefined;
  if (!withZone && hasOffset) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (!Number.isFinite(ms)) return undefined;
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  let micros = BigInt(ms) * 1000n + fraction;
  if ((m[7] ?? '').length > 6 && /[1-9]/.test(m[7].slice(6))) return undefined; // sub-microsecond: not ours
  if (m[8]) {
    const offsetSeconds = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    micros -= BigInt((m[8] === '-' ? -1 : 1) * offsetSeconds) * 1_000_000n;
  }
  return micros;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function formatMillis(ms: bigint, zulu: boolean): string | undefined {
  if (ms < -62135596800000n || ms > 253402300799999n) return undefined; // outside years 1..9999
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return zulu ? iso : iso.slice(0, -1);
}
