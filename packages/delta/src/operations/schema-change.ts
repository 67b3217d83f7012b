// Schema evolution: a commit whose metaData carries a new schemaString (and a protocol upgrade when
// the new schema needs a feature the table lacks, e.g. timestampNtz), as Spark's ALTER TABLE ADD
// COLUMNS / CHANGE COLUMN write it. Data files are not rewritten: readers fill a column a file lacks
// with NULL (scan.ts), and read a widened column with a cast to the table type. Allowed: new
// nullable columns (anywhere: readers match columns by name), and widenings of existing columns (byte → short → integer → long,
// float → double, decimal(p,s) → decimal(p',s') with s' ≥ s and p'-s' ≥ p-s, date → timestamp_ntz).
// Anything else (a dropped, renamed or reordered existing column, a narrowing) is refused.
import { DeltaError } from '../errors.ts';
import type { Action, ProtocolAction } from '../actions/types.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { schemaUsesType, serializeSchema, toDuckDbType } from '../schema/duckdb-types.ts';
import type { DeltaSchema, DeltaType } from '../schema/types.ts';
import { txnActions, type OperationPlan, type TxnVersion } from './types.ts';
import { hasNotNull } from './create.ts';

export interface SchemaChangeOptions {
  txns?: TxnVersion[];
  /** commitInfo.operation, e.g. "ADD COLUMNS" or "CHANGE COLUMN" (default "ALTER SCHEMA"). */
  operation?: string;
  operationParameters?: Record<string, unknown>;
  /** Table properties set in the same metaData (merged into its configuration). */
  properties?: Record<string, string>;
}

const INT_RANK: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };
const FLOAT_RANK: Record<string, number> = { float: 1, double: 2 };

function decimal(type: DeltaType): { p: number; s: number } | null {
  const m = typeof type === 'string' ? /^decimal\((\d+),(\d+)\)$/.exec(type) : null;
  return m ? { p: Number(m[1]), s: Number(m[2]) } : null;
}

/** Whether every value of `from` is a value of `to` (the widenings named above, or equal). */
export function isWidening(from: DeltaType, to: DeltaType): boolean {
  if (JSON.stringify(from) === JSON.stringify(to)) return true;
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (from in INT_RANK && to in INT_RANK) return INT_RANK[to] >= INT_RANK[from];
  if (from in FLOAT_RANK && to in FLOAT_RANK) return FLOAT_RANK[to] >= FLOAT_RANK[from];
  const a = decimal(from);
  const b = decimal(to);
  if (a && b) return b.s >= a.s && b.p - b.s >= a.p - a.s;
  return from === 'date' && to === 'timestamp_ntz';
}

function checkEvolution(current: DeltaSchema, next: DeltaSchema, partitionColumns: string[]): void {
  const names = new Set<string>();
  for (const f of next.fields) {
    if (names.has(f.name.toLowerCase())) throw new DeltaError('DELTA_PROTOCOL', `Duplicate column '${f.name}' in schema`);
    names.add(f.name.toLowerCase());
    toDuckDbType(f.type); // throws on unsupported types
  }
  let last = -1;
  for (const f of current.fields) {
    const at = next.fields.findIndex((n) => n.name === f.name);
    if (at < 0)
      throw new DeltaError('DELTA_PROTOCOL', `A schema change may not drop or rename columns: '${f.name}' is missing`, { context: { column: f.name } });
    if (at < last)
      throw new DeltaError('DELTA_PROTOCOL', `A schema change may not reorder existing columns: '${f.name}' moved`, { context: { column: f.name } });
    last = at;
    const n = next.fields[at];
    if (!isWidening(f.type, n.type)) {
      throw new DeltaError(
        'DELTA_PROTOCOL',
        `Column '${f.name}' cannot change from ${JSON.stringify(f.type)} to ${JSON.stringify(n.type)}: only widenings are allowed`,
        { context: { column: f.name } },
      );
    }
    if (partitionColumns.includes(f.name) && JSON.stringify(f.type) !== JSON.stringify(n.type)) {
      throw new DeltaError('DELTA_PROTOCOL', `Partition column '${f.name}' cannot change type`, { context: { column: f.name } });
    }
    if (f.nullable && !n.nullable) throw new DeltaError('DELTA_PROTOCOL', `Column '${f.name}' cannot become NOT NULL`, { context: { column: f.name } });
  }
  const existing = new Set(current.fields.map((f) => f.name));
  for (const f of next.fields) {
    if (!existing.has(f.name) && !f.nullable)
      throw new DeltaError('DELTA_PROTOCOL', `Added column '${f.name}' must be nullable: existing rows have no value for it`, { context: { column: f.name } });
  }
}

/**
 * The protocol the new schema needs, or null when the current one covers it. As at creation
 * (create.ts): (3,7) naming the features in use, timestampNtz and changeDataFeed when enabled.
 */
function upgradedProtocol(protocol: ProtocolAction, schema: DeltaSchema, configuration: Record<string, string>): ProtocolAction | null {
  if (!schemaUsesType(schema, 'timestamp_ntz') || protocol.readerFeatures?.includes('timestampNtz')) return null;
  const writerFeatures = new Set([...(protocol.writerFeatures ?? []), 'timestampNtz']);
  if (configuration['delta.enableChangeDataFeed']?.toLowerCase() === 'true') writerFeatures.add('changeDataFeed');
  if (configuration['delta.appendOnly']?.toLowerCase() === 'true') writerFeatures.add('appendOnly');
  if (hasNotNull(schema)) writerFeatures.add('invariants'); // Spark refuses writer 7 with NOT NULL columns but no invariants feature
  return {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: [...new Set([...(protocol.readerFeatures ?? []), 'timestampNtz'])],
    writerFeatures: [...writerFeatures],
  };
}

export function planSchemaChange(snapshot: TableSnapshot, schema: DeltaSchema, options: SchemaChangeOptions = {}): OperationPlan {
  const metadata = snapshot.metadata;
  checkEvolution(snapshot.schema, schema, metadata.partitionColumns ?? []);
  const now = Date.now();
  const actions: Action[] = [];
  const protocol = upgradedProtocol(snapshot.protocol, schema, metadata.configuration ?? {});
  if (protocol) actions.push({ protocol });
  const configuration = { ...(metadata.configuration ?? {}), ...(options.properties ?? {}) };
  actions.push({ metaData: { ...metadata, schemaString: serializeSchema(schema), configuration } });
  actions.push(...txnActions(options.txns, now));
  return {
    written: [],
    result: { filesAdded: 0, filesRemoved: 0, rowsWritten: 0 },
    pending: {
      readVersion: snapshot.version,
      operation: options.operation ?? 'ALTER SCHEMA',
      operationParameters: options.operationParameters ?? {},
      actions,
      read: { readFiles: new Set(), readsData: false },
      isBlindAppend: false,
    },
  };
}
