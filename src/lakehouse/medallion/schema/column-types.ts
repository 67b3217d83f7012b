// Kafka Connect / Debezium column schemas → Delta column types. Debezium writes each table's key and
// row schema into every message, so a table's Delta schema is derived, never written by hand.
//
// The mapping (every logical type the decoder knows; see sources/debezium/logical-types.ts):
//   boolean → boolean; int8/int16/int32/int64 → byte/short/integer/long; float32/64 → float/double
//   string → string (varchar/char length kept as Spark's `__CHAR_VARCHAR_TYPE_STRING` field metadata
//     when the connector propagates source types: `__debezium.source.column.type/length`)
//   bytes, io.debezium.data.Bits → binary
//   org.apache.kafka.connect.data.Decimal(p, s) → decimal(p,s) (p unknown → 38; p or s beyond
//     Delta's 38 → string holding the exact value)
//   io.debezium.data.VariableScaleDecimal → string (the exact value; its scale varies per row)
//   io.debezium.time.Date, IsoDate, connect Date → date
//   io.debezium.time.Timestamp/MicroTimestamp/NanoTimestamp/IsoTimestamp, connect Timestamp →
//     timestamp_ntz (a local wall time: SQL Server datetime2, PostgreSQL timestamp, MariaDB
//     DATETIME; Delta keeps microseconds, so NanoTimestamp's 100 ns digit is truncated)
//   io.debezium.time.ZonedTimestamp → timestamp (an instant, UTC-adjusted)
//   io.debezium.time.Time/MicroTime/NanoTime/ZonedTime/IsoTime, connect Time → string "HH:MM:SS[.f]"
//     (Delta has no time-of-day type)
//   io.debezium.time.Year → integer; io.debezium.time.MicroDuration → long;
//   io.debezium.time.Interval, io.debezium.data.{Uuid,Json,Xml,Enum,EnumSet,Ltree} → string
//   struct/array/map (geometry, PostgreSQL arrays, ...) → string holding the JSON of the value
import type { ConnectSchema } from '../../../sources/debezium/connect-schema.ts';
import type { DeltaField, DeltaPrimitiveType } from '@shori/delta';

/** Delta's widest decimal. */
export const MAX_DECIMAL_PRECISION = 38;

/** Spark's field metadata key for char/varchar columns stored as string. */
export const CHAR_VARCHAR_METADATA = '__CHAR_VARCHAR_TYPE_STRING';
/** Our field metadata key: the Connect type the column was derived from. */
export const CONNECT_TYPE_METADATA = 'shori.connect.type';

export interface CharType {
  kind: 'char' | 'varchar';
  length: number;
}

/** One source column as Silver stores it. */
export interface ColumnSpec {
  name: string;
  type: DeltaPrimitiveType;
  /** The Connect logical name, or the base type when there is none (e.g. "int64"). */
  connect: string;
  /** char(n)/varchar(n) when the connector told us the source length. */
  char?: CharType;
}

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';

const LOGICAL_TYPES: Record<string, DeltaPrimitiveType> = {
  'io.debezium.data.VariableScaleDecimal': 'string',
  'io.debezium.time.Date': 'date',
  'io.debezium.time.IsoDate': 'date',
  'org.apache.kafka.connect.data.Date': 'date',
  'io.debezium.time.Timestamp': 'timestamp_ntz',
  'io.debezium.time.MicroTimestamp': 'timestamp_ntz',
  'io.debezium.time.NanoTimestamp': 'timestamp_ntz',
  'io.debezium.time.IsoTimestamp': 'timestamp_ntz',
  'org.apache.kafka.connect.data.Timestamp': 'timestamp_ntz',
  'io.debezium.time.ZonedTimestamp': 'timestamp',
  'io.debezium.time.Time': 'string',
  'io.debezium.time.MicroTime': 'string',
  'io.debezium.time.NanoTime': 'string',
  'io.debezium.time.ZonedTime': 'string',
  'io.debezium.time.IsoTime': 'string',
  'org.apache.kafka.connect.data.Time': 'string',
  'io.debezium.time.Year': 'integer',
  'io.debezium.time.MicroDuration': 'long',
  'io.debezium.time.Interval': 'string',
  'io.debezium.data.Uuid': 'string',
  'io.debezium.data.Json': 'string',
  'io.debezium.data.Xml': 'string',
  'io.debezium.data.Enum': 'string',
  'io.debezium.data.EnumSet': 'string',
  'io.debezium.data.Ltree': 'string',
  'io.debezium.data.Bits': 'binary',
};

const BASE_TYPES: Record<string, DeltaPrimitiveType> = {
  boolean: 'boolean',
  int8: 'byte',
  int16: 'short',
  int32: 'integer',
  int64: 'long',
  float32: 'float',
  float64: 'double',
  string: 'string',
  bytes: 'binary',
};

const CHAR_TYPES: Record<string, CharType['kind']> = {
  CHAR: 'char',
  NCHAR: 'char',
  BPCHAR: 'char',
  CHARACTER: 'char',
  VARCHAR: 'varchar',
  NVARCHAR: 'varchar',
  'CHARACTER VARYING': 'varchar',
  VARCHAR2: 'varchar',
};

function decimalType(schema: ConnectSchema): DeltaPrimitiveType {
  const scale = Number(schema.parameters?.scale);
  const raw = schema.parameters?.['connect.decimal.precision'];
  const precision = raw === undefined ? MAX_DECIMAL_PRECISION : Number(raw);
  if (!Number.isInteger(scale) || !Number.isInteger(precision) || scale < 0 || precision < 1) return 'string';
  // A precision below the scale (e.g. numeric(3,5)) still needs the scale's digits.
  const p = Math.max(precision, scale, 1);
  if (p > MAX_DECIMAL_PRECISION) return 'string';
  return `decimal(${p},${scale})`;
}

function charTypeOf(schema: ConnectSchema): CharType | undefined {
  const sourceType = schema.parameters?.['__debezium.source.column.type'];
  const length = Number(schema.parameters?.['__debezium.source.column.length']);
  if (sourceType === undefined || !Number.isInteger(length) || length <= 0) return undefined;
  const kind = CHAR_TYPES[sourceType.toUpperCase()];
  // SQL Server's nvarchar(max) and PostgreSQL's unbounded varchar report huge or no lengths.
  return kind === undefined || length >= 2_147_483_647 ? undefined : { kind, length };
}

/** The Delta type of one Connect field schema (see the table above). */
export function deltaTypeOf(schema: ConnectSchema): DeltaPrimitiveType {
  const name = schema.name;
  if (name === DECIMAL) return decimalType(schema);
  if (name !== undefined && name in LOGICAL_TYPES) return LOGICAL_TYPES[name];
  return BASE_TYPES[schema.type] ?? 'string';
}

/** A column from a struct field of a Debezium row schema. */
export function columnOf(field: ConnectSchema): ColumnSpec {
  const type = deltaTypeOf(field);
  const column: ColumnSpec = { name: field.field!, type, connect: field.name ?? field.type };
  const char = type === 'string' && field.type === 'string' ? charTypeOf(field) : undefined;
  if (char !== undefined) column.char = char;
  return column;
}

/** The columns of a row (before/after) struct schema, in schema order. */
export function columnsOf(rowSchema: ConnectSchema): ColumnSpec[] {
  return (rowSchema.fields ?? []).map(columnOf);
}

/** The key column names of a Debezium key struct schema; [] for a keyless table. */
export function keyColumnsOf(keySchema: ConnectSchema | null): string[] {
  if (keySchema === null || keySchema.type !== 'struct') return [];
  return (keySchema.fields ?? []).map((f) => f.field!);
}

/** The Delta field of a column (key columns are NOT NULL; others stay nullable: dropped ones get NULLs). */
export function deltaFieldOf(column: ColumnSpec, isKey: boolean): DeltaField {
  const metadata: Record<string, unknown> = { [CONNECT_TYPE_METADATA]: column.connect };
  if (column.char !== undefined) metadata[CHAR_VARCHAR_METADATA] = `${column.char.kind}(${column.char.length})`;
  return { name: column.name, type: column.type, nullable: !isKey, metadata };
}
