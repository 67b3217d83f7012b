// Compiled decoders: a Connect schema turned once into closures that decode its values, so that the
// per-message work is the value conversion alone (no logical-name lookups, no schema walks, no
// per-column path strings). Semantics, error messages and paths are those of decodeWithSchema and
// decodeRow in logical-types.ts, which stay the reference: every case not special-cased here (bytes,
// floats, arrays, maps, nested structs, VariableScaleDecimal) is delegated to them.
import type { CdcRow, CdcValue } from './types.ts';
import { type ConnectSchema, decodeError } from './connect-schema.ts';
import {
  DECIMAL,
  EPOCH_DATES,
  EPOCH_TIMESTAMPS,
  INT_BITS,
  INT_LIMIT,
  STRING_DATES,
  STRING_TIMES,
  STRING_TIMESTAMPS,
  TIMES_OF_DAY,
  decodeDecimal,
  decodeSchemaless,
  decodeStringTemporal,
  decodeWithSchema,
  describe,
  integerOf,
  setOwn,
} from './logical-types.ts';
import { formatEpochDays, formatEpochTimestamp, formatTimeOfDay } from './temporal.ts';

/** Decodes one non-undefined JSON value (null included) of a known schema. */
export type ValueDecoder = (value: unknown) => CdcValue;
export type RowDecoder = (row: Record<string, unknown>) => CdcRow;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function compileLogical(schema: ConnectSchema, name: string, path: string): ValueDecoder | null {
  if (name === DECIMAL) {
    const raw = schema.parameters?.scale;
    const scale = raw === undefined ? NaN : Number(raw);
    if (!Number.isInteger(scale)) {
      return (value) => {
        if (value === null) return null;
        throw decodeError(path, 'decimal without a scale');
      };
    }
    return (value) => (value === null ? null : decodeDecimal(value, scale, path, 'exact'));
  }
  if (name in EPOCH_TIMESTAMPS) {
    const unit = EPOCH_TIMESTAMPS[name];
    return (value) => (value === null ? null : formatEpochTimestamp(integerOf(value, path, name), unit));
  }
  if (name in TIMES_OF_DAY) {
    const unit = TIMES_OF_DAY[name];
    return (value) => (value === null ? null : formatTimeOfDay(integerOf(value, path, name), unit));
  }
  if (EPOCH_DATES.has(name)) return (value) => (value === null ? null : formatEpochDays(integerOf(value, path, name)));
  if (STRING_TIMESTAMPS.has(name) || STRING_TIMES.has(name) || STRING_DATES.has(name)) {
    return (value) => (value === null ? null : decodeStringTemporal(value, name, path));
  }
  return null;
}

/** The decoder of one value of `schema`; `path` names it in errors ("after.Title"). */
export function compileValue(schema: ConnectSchema, path: string): ValueDecoder {
  if (schema.name !== undefined) {
    const logical = compileLogical(schema, schema.name, path);
    if (logical !== null) return logical;
  }
  switch (schema.type) {
    case 'string':
      return (value) => {
        if (typeof value === 'string' || value === null) return value;
        throw decodeError(path, `string expects a string, got ${describe(value)}`);
      };
    case 'boolean':
      return (value) => {
        if (typeof value === 'boolean' || value === null) return value;
        throw decodeError(path, `boolean expected, got ${describe(value)}`);
      };
    case 'int8':
    case 'int16':
    case 'int32': {
      const type = schema.type;
      const limit = INT_LIMIT[INT_BITS[type]];
      return (value) => {
        if (value === null) return null;
        const n = integerOf(value, path, type);
        if (typeof n !== 'number' || n < -limit || n >= limit) throw decodeError(path, `${n} is out of ${type} range`);
        return n;
      };
    }
    case 'int64':
      return (value) => {
        if (value === null) return null;
        const n = integerOf(value, path, 'int64');
        return typeof n === 'bigint' && n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
      };
    default:
      return (value) => decodeWithSchema(value, schema, path);
  }
}

interface FieldPlan {
  name: string;
  decode: ValueDecoder;
  /** A name Object.prototype also has ("constructor", "__proto__"): read and write as own only. */
  inherited: boolean;
}

/**
 * The decoder of a row (a struct's JSON object) against its struct schema, as decodeRow with a
 * schema: the schema's fields in schema order (absent ones left out), then any fields the schema
 * does not list, as JSON gives them.
 */
export function compileRow(schema: ConnectSchema, path: string): RowDecoder {
  const plans: FieldPlan[] = (schema.fields ?? []).map((f) => ({
    name: f.field!,
    decode: compileValue(f, `${path}.${f.field!}`),
    inherited: f.field! in Object.prototype,
  }));
  const listed = new Set(plans.map((p) => p.name));
  const distinct = listed.size === plans.length;
  return (row) => {
    const out: CdcRow = {};
    let present = 0;
    for (const plan of plans) {
      const name = plan.name;
      if (plan.inherited) {
        if (!Object.hasOwn(row, name)) continue;
        present++;
        setOwn(out, name, plan.decode(row[name]));
      } else {
        const value = row[name];
        if (value === undefined) continue; // JSON has no undefined: the column is absent
        present++;
        out[name] = plan.decode(value);
      }
    }
    let keys = 0;
    for (const _ in row) keys++;
    if (!distinct || keys !== present) {
      for (const column of Object.keys(row)) {
        if (!listed.has(column)) setOwn(out, column, decodeSchemaless(row[column]));
      }
    }
    return out;
  };
}
