// Canonical text of a row, identical to what delta-rs-oracle.py prints for the same values, so the
// two readers can be compared as multisets of strings. Walks the Delta type with the DuckDB value
// (the scan casts every column to the table type, so the value classes are known):
// integers -> decimal string; float/double -> shortest round-trip exponent form ("1.5e+2") or
// "NaN" / "Infinity" / "-Infinity" / "0" / "-0"; decimal -> fixed point at the type's scale;
// date -> YYYY-MM-DD; timestamp -> YYYY-MM-DDTHH:MM:SS.ffffffZ (timestamp_ntz: no Z); binary ->
// lowercase hex; struct -> object in schema order; array -> list; map -> [key, value] pairs
// sorted by their JSON text.
import { parseDecimal, type DeltaField, type DeltaType } from '@shori/delta';

type Canon = string | boolean | null | Canon[] | { [k: string]: Canon };

export function fmtFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return x.toExponential();
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

export function fmtMicros(micros: bigint, utc: boolean): string {
  const DAY = 86_400_000_000n;
  let days = micros / DAY;
  let rem = micros % DAY;
  if (rem < 0n) {
    rem += DAY;
    days -= 1n;
  }
  const date = fmtDays(Number(days));
  const us = Number(rem);
  const secs = Math.floor(us / 1e6);
  return `${date}T${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}.${pad(us % 1e6, 6)}${utc ? 'Z' : ''}`;
}

export function fmtDays(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

function fmtDecimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

// Structural access to @duckdb/node-api value classes.
interface AnyValue {
  [k: string]: unknown;
}

export function canon(value: unknown, type: DeltaType): Canon {
  if (value === null || value === undefined) return null;
  if (typeof type === 'string') {
    switch (type) {
      case 'integer':
      case 'long':
      case 'short':
      case 'byte':
        return String(value);
      case 'float':
      case 'double':
        return fmtFloat(Number(value));
      case 'boolean':
        return Boolean(value);
      case 'string':
        return String(value);
      case 'binary':
        return Buffer.from((value as { bytes: Uint8Array }).bytes).toString('hex');
      case 'date':
        return fmtDays((value as { days: number }).days);
      case 'timestamp':
        return fmtMicros(BigInt((value as { micros: bigint }).micros), true);
      case 'timestamp_ntz':
        return fmtMicros(BigInt((value as { micros: bigint }).micros), false);
      default: {
        const dec = parseDecimal(type);
        if (!dec) throw new Error(`no canonical form for ${type}`);
        return fmtDecimal(BigInt((value as AnyValue).value as bigint), dec.scale);
      }
    }
  }
  if (type.type === 'struct') {
    const entries = (value as { entries: Record<string, unknown> }).entries;
    const out: { [k: string]: Canon } = {};
    for (const f of type.fields) out[f.name] = canon(entries[f.name], f.type);
    return out;
  }
  if (type.type === 'array') return (value as { items: unknown[] }).items.map((v) => canon(v, type.elementType));
  const pairs = (value as { entries: Array<{ key: unknown; value: unknown }> }).entries.map(
    (e) => [canon(e.key, type.keyType), canon(e.value, type.valueType)] as Canon[],
  );
  return pairs.sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b)));
}

function cmp(a: string, b: string): number {
  // Python sorts str by code point; compare the same way (not UTF-16 units).
  const A = [...a];
  const B = [...b];
  for (let i = 0; i < Math.min(A.length, B.length); i++) {
    const d = A[i].codePointAt(0)! - B[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return A.length - B.length;
}

export function canonicalRow(values: unknown[], fields: DeltaField[]): string {
  return JSON.stringify(fields.map((f, i) => canon(values[i], f.type)));
}
