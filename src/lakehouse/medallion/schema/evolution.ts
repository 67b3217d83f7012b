// Schema evolution of a Silver table, as a pure function of (the table's spec, a message's schema).
// Rules (never lose data, never coerce silently):
//   - a column the table lacks is added (nullable; older rows read NULL);
//   - a column the message lacks stays in the table (later rows of that source store NULL);
//   - a type is widened when a safe supertype exists and Delta can express it: byte → short →
//     integer → long, float → double, decimal(p,s) → decimal(p',s') with s' ≥ s and p'-s' ≥ p-s
//     (p' ≤ 38), date → timestamp_ntz, char/varchar(n) → a longer one or an unbounded string;
//   - a narrower type from one source (another still sends the wider one) changes nothing;
//   - anything else (int ↔ string, timestamp ↔ timestamp_ntz, a decimal past 38 digits, a changed
//     key, a column named like a control column) is a conflict: nothing is applied and the caller
//     quarantines the events of that schema and reports it.
// Names are matched case-insensitively (PostgreSQL folds unquoted names); the first spelling stays.
import type { DeltaPrimitiveType } from '@shori/delta';
import { MAX_DECIMAL_PRECISION, type CharType, type ColumnSpec } from './column-types.ts';
import { RESERVED_COLUMNS, type TableSpec } from './table-spec.ts';

export interface IncomingSchema {
  columns: ColumnSpec[];
  /** The Debezium key schema's columns ([] when the message has no key schema). */
  key: string[];
}

export type SchemaChange =
  | { kind: 'add_column'; column: ColumnSpec }
  | {
      kind: 'widen';
      column: string;
      from: ColumnSpec;
      to: ColumnSpec;
      /** The Delta type changes (existing data files must be rewritten or read with a cast). */
      typeChanged: boolean;
    };

export type ConflictCode = 'incompatible_type' | 'key_changed' | 'key_missing' | 'reserved_name' | 'duplicate_column';

export interface SchemaConflict {
  code: ConflictCode;
  column: string | null;
  message: string;
}

export interface Evolution {
  /** The spec after the changes (the same object when nothing changed or on conflict). */
  spec: TableSpec;
  changes: SchemaChange[];
  conflicts: SchemaConflict[];
  /** Columns the table has and the message lacks (kept; informational). */
  missing: string[];
}

const INT_RANK: Partial<Record<DeltaPrimitiveType, number>> = { byte: 1, short: 2, integer: 3, long: 4 };
const FLOAT_RANK: Partial<Record<DeltaPrimitiveType, number>> = { float: 1, double: 2 };

export function parseDecimal(type: string): { precision: number; scale: number } | null {
  const m = /^decimal\((\d+),(\d+)\)$/.exec(type);
  return m === null ? null : { precision: Number(m[1]), scale: Number(m[2]) };
}

function widerOfRanked(a: DeltaPrimitiveType, b: DeltaPrimitiveType, rank: Partial<Record<DeltaPrimitiveType, number>>): DeltaPrimitiveType | null {
  const ra = rank[a];
  const rb = rank[b];
  if (ra === undefined || rb === undefined) return null;
  return ra >= rb ? a : b;
}

/** The narrowest Delta type both values fit in without loss, or null when there is none. */
export function commonType(a: DeltaPrimitiveType, b: DeltaPrimitiveType): DeltaPrimitiveType | null {
  if (a === b) return a;
  const ints = widerOfRanked(a, b, INT_RANK);
  if (ints !== null) return ints;
  const floats = widerOfRanked(a, b, FLOAT_RANK);
  if (floats !== null) return floats;
  const da = parseDecimal(a);
  const db = parseDecimal(b);
  if (da !== null && db !== null) {
    const scale = Math.max(da.scale, db.scale);
    const integerDigits = Math.max(da.precision - da.scale, db.precision - db.scale);
    return integerDigits + scale > MAX_DECIMAL_PRECISION ? null : `decimal(${integerDigits + scale},${scale})`;
  }
  if ((a === 'date' && b === 'timestamp_ntz') || (a === 'timestamp_ntz' && b === 'date')) return 'timestamp_ntz';
  return null;
}

/** char/varchar annotations of two string columns: the longer; unbounded when either is. */
function commonChar(a: CharType | undefined, b: CharType | undefined): CharType | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.kind === b.kind) return { kind: a.kind, length: Math.max(a.length, b.length) };
  return { kind: 'varchar', length: Math.max(a.length, b.length) };
}

const sameChar = (a: CharType | undefined, b: CharType | undefined) => a?.kind === b?.kind && a?.length === b?.length;

function mergeColumn(current: ColumnSpec, incoming: ColumnSpec): ColumnSpec | SchemaConflict {
  const type = commonType(current.type, incoming.type);
  if (type === null) {
    return {
      code: 'incompatible_type',
      column: current.name,
      message: `column ${current.name} is ${current.type} in Silver but ${incoming.type} (${incoming.connect}) at the source: no type holds both without loss`,
    };
  }
  const merged: ColumnSpec = { name: current.name, type, connect: type === current.type ? current.connect : incoming.connect };
  const char = type === 'string' ? commonChar(current.char, incoming.char) : undefined;
  if (char !== undefined) merged.char = char;
  return merged;
}

function keyConflict(spec: TableSpec, incoming: IncomingSchema, byName: Map<string, ColumnSpec>): SchemaConflict | null {
  const lower = (names: string[]) => names.map((n) => n.toLowerCase()).join(',');
  if (spec.keyMode === 'source' && lower(incoming.key) !== lower(spec.key)) {
    return {
      code: 'key_changed',
      column: null,
      message: `the key of ${spec.table} is (${spec.key.join(', ')}) in Silver but (${incoming.key.join(', ') || 'none'}) at the source`,
    };
  }
  if (spec.keyMode === 'configured') {
    const absent = spec.key.filter((k) => !byName.has(k.toLowerCase()));
    if (absent.length > 0) {
      return { code: 'key_missing', column: absent[0], message: `the configured key column ${absent.join(', ')} of ${spec.table} is not in the source row` };
    }
  }
  return null;
}

/** What applying a message's schema to a table would change (see the module comment). */
export function evolve(spec: TableSpec, incoming: IncomingSchema): Evolution {
  const conflicts: SchemaConflict[] = [];
  const changes: SchemaChange[] = [];
  const incomingByName = new Map<string, ColumnSpec>();
  for (const column of incoming.columns) {
    const lower = column.name.toLowerCase();
    if (incomingByName.has(lower)) {
      conflicts.push({
        code: 'duplicate_column',
        column: column.name,
        message: `columns ${incomingByName.get(lower)!.name} and ${column.name} of ${spec.table} differ only in case`,
      });
    }
    incomingByName.set(lower, column);
  }
  const key = keyConflict(spec, incoming, incomingByName);
  if (key !== null) conflicts.push(key);

  const next = spec.columns.slice();
  const index = new Map(spec.columns.map((c, i) => [c.name.toLowerCase(), i]));
  for (const column of incoming.columns) {
    const lower = column.name.toLowerCase();
    const at = index.get(lower);
    if (at === undefined) {
      if (RESERVED_COLUMNS.has(lower)) {
        conflicts.push({
          code: 'reserved_name',
          column: column.name,
          message: `column ${column.name} of ${spec.table} has the name of a Silver control column`,
        });
        continue;
      }
      index.set(lower, next.length);
      next.push(column);
      changes.push({ kind: 'add_column', column });
      continue;
    }
    const current = next[at];
    const merged = mergeColumn(current, column);
    if ('code' in merged) {
      conflicts.push(merged);
      continue;
    }
    if (merged.type !== current.type || !sameChar(merged.char, current.char)) {
      next[at] = merged;
      changes.push({ kind: 'widen', column: current.name, from: current, to: merged, typeChanged: merged.type !== current.type });
    }
  }
  const missing = spec.columns.filter((c) => !incomingByName.has(c.name.toLowerCase())).map((c) => c.name);
  if (conflicts.length > 0 || changes.length === 0) return { spec, changes: [], conflicts, missing };
  return { spec: { ...spec, columns: next, schemaVersion: spec.schemaVersion + 1 }, changes, conflicts, missing };
}

/** One line per change, for commitInfo and the log. */
export function describeChange(change: SchemaChange): string {
  if (change.kind === 'add_column') return `ADD COLUMN ${change.column.name} ${change.column.type}`;
  const show = (c: ColumnSpec) => (c.char ? `${c.type} ${c.char.kind}(${c.char.length})` : c.type);
  return `WIDEN COLUMN ${change.column} ${show(change.from)} TO ${show(change.to)}`;
}
