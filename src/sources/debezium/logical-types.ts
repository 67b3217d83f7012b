// Column values: Connect schema types + Debezium/Kafka logical names → CdcValue, exactly (see the
// CdcValue docstring in types.ts). With a schema the logical name decides; without one, values pass
// through as JSON gives them, except columns the caller declares decimal (decimalScales), since a
// schemaless message cannot say that "BGM=" is 1.123.
import type { CdcField, CdcFieldType, CdcRow, CdcValue } from './types.ts';
import { type ConnectSchema, decodeError, isPlainObject } from './connect-schema.ts';
import { JsonNumberText } from './json.ts';
import { decodeDecimalBase64, formatUnscaled, isBase64, rescaleDecimal, unscaledFromBytes } from './decimal.ts';
import {
  type TimeUnit,
  formatEpochDays,
  formatEpochTimestamp,
  formatTimeOfDay,
  normaliseIsoDate,
  normaliseZonedTime,
  normaliseZonedTimestamp,
} from './temporal.ts';

export const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
export const VARIABLE_SCALE_DECIMAL = 'io.debezium.data.VariableScaleDecimal';

export const EPOCH_TIMESTAMPS: Record<string, TimeUnit> = {
  'io.debezium.time.Timestamp': 'ms',
  'io.debezium.time.MicroTimestamp': 'us',
  'io.debezium.time.NanoTimestamp': 'ns',
  'org.apache.kafka.connect.data.Timestamp': 'ms',
};
export const TIMES_OF_DAY: Record<string, TimeUnit> = {
  'io.debezium.time.Time': 'ms',
  'io.debezium.time.MicroTime': 'us',
  'io.debezium.time.NanoTime': 'ns',
  'org.apache.kafka.connect.data.Time': 'ms',
};
export const EPOCH_DATES = new Set(['io.debezium.time.Date', 'org.apache.kafka.connect.data.Date']);
export const STRING_TIMESTAMPS = new Set(['io.debezium.time.ZonedTimestamp', 'io.debezium.time.IsoTimestamp']);
export const STRING_TIMES = new Set(['io.debezium.time.ZonedTime', 'io.debezium.time.IsoTime']);
export const STRING_DATES = new Set(['io.debezium.time.IsoDate']);

export const INT_BITS: Record<string, 8 | 16 | 32 | 64> = { int8: 8, int16: 16, int32: 32, int64: 64 };
export const INT_LIMIT: Record<number, number> = { 8: 0x80, 16: 0x8000, 32: 0x80000000 };

/**
 * What the caller knows about a schemaless column: a decimal scale, or a logical type name
 * (e.g. "io.debezium.time.NanoTimestamp"). undefined = pass the JSON value through.
 */
export type ColumnHint = { scale: number } | { logical: string };
export type ColumnHintLookup = (column: string) => ColumnHint | undefined;

/** The Connect base type a logical name is carried in (for schemaless hints). */
function baseTypeOf(logical: string): string {
  if (logical in EPOCH_TIMESTAMPS || logical === 'io.debezium.time.MicroTime' || logical === 'io.debezium.time.NanoTime') return 'int64';
  if (logical in TIMES_OF_DAY || EPOCH_DATES.has(logical)) return 'int32';
  if (logical === VARIABLE_SCALE_DECIMAL) return 'struct';
  return 'string';
}

/** Sets an own property even for names like "__proto__" (a column may be called anything). */
export function setOwn(target: Record<string, CdcValue>, name: string, value: CdcValue): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumberText) return `number ${value.text}`;
  return typeof value === 'string' ? `string ${JSON.stringify(value.slice(0, 40))}` : `${typeof value} ${String(value)}`;
}

export function integerOf(value: unknown, path: string, what: string): number | bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw decodeError(path, `${what} expects an integer, got ${describe(value)}`);
}

export function stringOf(value: unknown, path: string, what: string): string {
  if (typeof value === 'string') return value;
  throw decodeError(path, `${what} expects a string, got ${describe(value)}`);
}

function bytesOf(value: unknown, path: string): Buffer {
  if (typeof value === 'string' && (value === '' || isBase64(value))) return Buffer.from(value, 'base64');
  throw decodeError(path, `bytes expect a base64 string, got ${describe(value)}`);
}

function numberText(value: unknown): string | null {
  if (value instanceof JsonNumberText) return value.text;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

function schemaScale(schema: ConnectSchema, path: string): number {
  const raw = schema.parameters?.scale;
  const scale = raw === undefined ? NaN : Number(raw);
  if (!Number.isInteger(scale)) throw decodeError(path, 'decimal without a scale');
  return scale;
}

/** A Decimal value with a known scale: base64 bytes, a JSON number, or a plain decimal string. */
export function decodeDecimal(value: unknown, scale: number, path: string, numbers: 'exact' | 'round'): string {
  try {
    if (typeof value === 'string') {
      // decimal.handling.mode=string writes "5.3230"; with scale > 0 that always has a point, and a
      // digits-only string at scale 0 is taken as plain (base64 of a positive value never is one).
      const plain = /^-?\d+(\.\d+)?$/.test(value) && (value.includes('.') || value.startsWith('-') || scale <= 0);
      return plain ? rescaleDecimal(value, scale, 'exact') : decodeDecimalBase64(value, scale);
    }
    const text = numberText(value);
    if (text !== null) return rescaleDecimal(text, scale, numbers);
  } catch (error) {
    throw decodeError(path, (error as Error).message);
  }
  throw decodeError(path, `decimal expects base64 bytes or a number, got ${describe(value)}`);
}

export function decodeStringTemporal(value: unknown, name: string, path: string): string {
  const text = stringOf(value, path, name);
  const normalised = STRING_TIMESTAMPS.has(name)
    ? normaliseZonedTimestamp(text, name === 'io.debezium.time.ZonedTimestamp')
    : STRING_TIMES.has(name)
      ? normaliseZonedTime(text)
      : normaliseIsoDate(text);
  if (normalised === null) throw decodeError(path, `${name} is not ISO-8601: ${JSON.stringify(text)}`);
  return normalised;
}

/** Decodes one value against its Connect schema. */
export function decodeWithSchema(value: unknown, schema: ConnectSchema, path: string): CdcValue {
  if (value === null || value === undefined) return null;
  const name = schema.name;
  if (name !== undefined) {
    if (name === DECIMAL) return decodeDecimal(value, schemaScale(schema, path), path, 'exact');
    if (name === VARIABLE_SCALE_DECIMAL && isPlainObject(value)) {
      const scale = Number(integerOf(value.scale, `${path}.scale`, 'VariableScaleDecimal scale'));
      const bytes = bytesOf(value.value, `${path}.value`);
      if (bytes.length === 0) throw decodeError(path, 'decimal bytes are empty');
      return formatUnscaled(unscaledFromBytes(bytes), scale);
    }
    if (name in EPOCH_TIMESTAMPS) return formatEpochTimestamp(integerOf(value, path, name), EPOCH_TIMESTAMPS[name]);
    if (name in TIMES_OF_DAY) return formatTimeOfDay(integerOf(value, path, name), TIMES_OF_DAY[name]);
    if (EPOCH_DATES.has(name)) return formatEpochDays(integerOf(value, path, name));
    if (STRING_TIMESTAMPS.has(name) || STRING_TIMES.has(name) || STRING_DATES.has(name)) {
      return decodeStringTemporal(value, name, path);
    }
    // io.debezium.data.{Uuid,Json,Xml,Enum,EnumSet}, geometry structs, Bits...: by their base type.
  }
  switch (schema.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw decodeError(path, `boolean expected, got ${describe(value)}`);
      return value;
    case 'int8':
    case 'int16':
    case 'int32': {
      const n = integerOf(value, path, schema.type);
      const limit = INT_LIMIT[INT_BITS[schema.type]];
      if (typeof n !== 'number' || n < -limit || n >= limit) throw decodeError(path, `${n} is out of ${schema.type} range`);
      return n;
    }
    case 'int64': {
      const n = integerOf(value, path, 'int64');
      return typeof n === 'bigint' && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float32':
    case 'float64':
      if (typeof value === 'number') return value;
      if (value instanceof JsonNumberText) return value.toNumber();
      if (typeof value === 'bigint') return Number(value);
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
      throw decodeError(path, `${schema.type} expects a number, got ${describe(value)}`);
    case 'string':
      return stringOf(value, path, 'string');
    case 'bytes':
      return bytesOf(value, path);
    case 'array':
      if (!Array.isArray(value)) throw decodeError(path, `array expected, got ${describe(value)}`);
      return value.map((item, i) => decodeWithSchema(item, schema.items!, `${path}[${i}]`));
    case 'map':
      return decodeMap(value, schema, path);
    case 'struct':
      if (!isPlainObject(value)) throw decodeError(path, `struct expected, got ${describe(value)}`);
      return decodeRow(value, schema, path, () => undefined);
    default:
      throw decodeError(path, `unknown schema type ${JSON.stringify(schema.type)}`);
  }
}

/** JsonConverter writes string-keyed maps as objects and other maps as arrays of [key, value]. */
function decodeMap(value: unknown, schema: ConnectSchema, path: string): CdcValue {
  if (isPlainObject(value)) {
    const out: Record<string, CdcValue> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, decodeWithSchema(v, schema.values!, `${path}.${k}`));
    return out;
  }
  if (Array.isArray(value)) {
    return value.map((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2) throw decodeError(`${path}[${i}]`, 'map entry is not a [key, value] pair');
      return [decodeWithSchema(entry[0], schema.keys!, `${path}[${i}][0]`), decodeWithSchema(entry[1], schema.values!, `${path}[${i}][1]`)];
    });
  }
  throw decodeError(path, `map expected, got ${describe(value)}`);
}

/** A value without a schema: JSON as is (bigints kept), nested objects and arrays recursively. */
export function decodeSchemaless(value: unknown): CdcValue {
  if (value === undefined) return null;
  if (value instanceof JsonNumberText) return value.toNumber();
  if (Array.isArray(value)) return value.map(decodeSchemaless);
  if (isPlainObject(value)) {
    const out: Record<string, CdcValue> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, decodeSchemaless(v));
    return out;
  }
  return value as CdcValue;
}

/**
 * A row (before/after/key struct). With a struct schema: its fields in schema order, then any
 * fields the schema does not list (schemaless). Without: each column as is, except declared decimal
 * columns, brought to the exact string at their scale.
 */
export function decodeRow(row: Record<string, unknown>, schema: ConnectSchema | null, path: string, hints: ColumnHintLookup): CdcRow {
  const out: CdcRow = {};
  for (const field of schema?.fields ?? []) {
    // Absent ≠ null: PostgreSQL's `before` under REPLICA IDENTITY DEFAULT holds only the key.
    const name = field.field!;
    if (Object.hasOwn(row, name)) setOwn(out, name, decodeWithSchema(row[name], field, `${path}.${name}`));
  }
  for (const [column, value] of Object.entries(row)) {
    if (Object.hasOwn(out, column)) continue;
    const hint = schema === null && value !== null ? hints(column) : undefined;
    const columnPath = `${path}.${column}`;
    if (hint === undefined) setOwn(out, column, decodeSchemaless(value));
    else if ('scale' in hint) setOwn(out, column, decodeDecimal(value, hint.scale, columnPath, 'round'));
    else setOwn(out, column, decodeWithSchema(value, { type: baseTypeOf(hint.logical), name: hint.logical }, columnPath));
  }
  return out;
}

/** The contract's column type for a Connect field schema. */
export function fieldTypeOf(schema: ConnectSchema): CdcFieldType {
  const name = schema.name;
  if (name === DECIMAL) {
    const precision = Number(schema.parameters?.['connect.decimal.precision']);
    return { kind: 'decimal', precision: Number.isInteger(precision) ? precision : null, scale: Number(schema.parameters?.scale ?? 0) };
  }
  if (name !== undefined) {
    if (name in EPOCH_TIMESTAMPS || STRING_TIMESTAMPS.has(name)) return { kind: 'timestamp' };
    if (name in TIMES_OF_DAY || STRING_TIMES.has(name)) return { kind: 'time' };
    if (EPOCH_DATES.has(name) || STRING_DATES.has(name)) return { kind: 'date' };
    if (name === VARIABLE_SCALE_DECIMAL) return { kind: 'other', name };
  }
  switch (schema.type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return { kind: 'int', bits: INT_BITS[schema.type] };
    case 'float32':
      return { kind: 'float', bits: 32 };
    case 'float64':
      return { kind: 'float', bits: 64 };
    case 'string':
      return { kind: 'string' };
    case 'bytes':
      return { kind: 'bytes' };
    default:
      return { kind: 'other', name: name ?? schema.type };
  }
}

export function fieldsOf(struct: ConnectSchema): CdcField[] {
  return (struct.fields ?? []).map((f) => ({ name: f.field!, type: fieldTypeOf(f), optional: f.optional === true }));
}
