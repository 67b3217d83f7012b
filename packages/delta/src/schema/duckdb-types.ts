// Maps Delta types to DuckDB types and back. Writers cast every column to the table's DuckDB
// type before COPY so that the parquet physical types match the Delta schema: `timestamp` is
// TIMESTAMPTZ (UTC microseconds, isAdjustedToUTC=true), `timestamp_ntz` is TIMESTAMP.
import { DeltaError } from '../errors.ts';
import type { DeltaField, DeltaSchema, DeltaType } from './types.ts';

const PRIMITIVE_TO_DUCKDB: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
  timestamp_ntz: 'TIMESTAMP',
};

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function parseDecimal(type: string): { precision: number; scale: number } | undefined {
  const m = DECIMAL.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

export function toDuckDbType(type: DeltaType): string {
  if (typeof type === 'string') {
    const primitive = PRIMITIVE_TO_DUCKDB[type];
    if (primitive) return primitive;
    const dec = parseDecimal(type);
    if (dec) return `DECIMAL(${dec.precision},${dec.scale})`;
    throw new DeltaError('DELTA_UNSUPPORTED', `Delta type '${type}' is not supported`, { context: { type } });
  }
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${toDuckDbType(f.type)}`).join(', ')})`;
    case 'array':
      return `${toDuckDbType(type.elementType)}[]`;
    case 'map':
      return `MAP(${toDuckDbType(type.keyType)}, ${toDuckDbType(type.valueType)})`;
  }
}

/** SELECT list casting each table column of `alias` (or bare names) to its DuckDB type. */
export function castSelectList(fields: DeltaField[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return fields.map((f) => `CAST(${prefix}${quoteIdent(f.name)} AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ');
}

export function fieldByName(schema: DeltaSchema, name: string): DeltaField {
  const field = schema.fields.find((f) => f.name === name);
  if (!field) throw new DeltaError('DELTA_PROTOCOL', `Column '${name}' is not in the table schema`, { context: { column: name } });
  return field;
}

export function parseSchemaString(schemaString: string): DeltaSchema {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schemaString);
  } catch (cause) {
    throw new DeltaError('DELTA_PROTOCOL', 'metaData.schemaString is not valid JSON', { cause });
  }
  const s = parsed as DeltaSchema;
  if (!s || s.type !== 'struct' || !Array.isArray(s.fields)) {
    throw new DeltaError('DELTA_PROTOCOL', 'metaData.schemaString is not a struct type');
  }
  return s;
}

export function serializeSchema(schema: DeltaSchema): string {
  return JSON.stringify({
    type: 'struct',
    fields: schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable, metadata: f.metadata ?? {} })),
  });
}

export function schemaUsesType(schema: DeltaSchema, wanted: string): boolean {
  const visit = (t: DeltaType): boolean => {
    if (typeof t === 'string') return t === wanted;
    if (t.type === 'struct') return t.fields.some((f) => visit(f.type));
    if (t.type === 'array') return visit(t.elementType);
    return visit(t.keyType) || visit(t.valueType);
  };
  return schema.fields.some((f) => visit(f.type));
}
