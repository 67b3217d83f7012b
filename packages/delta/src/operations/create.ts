// Table creation: version 0 holds protocol + metaData (and commitInfo). The protocol is the
// smallest that covers the schema and properties: (1,2); (1,4) when delta.enableChangeDataFeed
// is set (writers must then write cdc files); (3,7) with table features when a timestamp_ntz
// column exists (timestampNtz) or delta.enableDeletionVectors is set (deletionVectors, which
// merge, update and delete then write), plus changeDataFeed / appendOnly when their property is on
// and invariants when a column is NOT NULL (Spark refuses a writer-7 table without it then). Two processes racing to create meet at put-if-absent of
// version 0; the loser simply opens the winner's table.
import { randomUUID } from 'node:crypto';
import { DeltaError } from '../errors.ts';
import type { Action, MetadataAction, ProtocolAction } from '../actions/types.ts';
import { schemaUsesType, serializeSchema, toDuckDbType } from '../schema/duckdb-types.ts';
import type { DeltaSchema, DeltaType } from '../schema/types.ts';

export interface CreateOptions {
  schema: DeltaSchema;
  partitionColumns?: string[];
  properties?: Record<string, string>;
  name?: string;
  description?: string;
}

/** Spark enforces NOT NULL struct fields as invariants, so at writer 7 it requires the `invariants` feature for them. */
export function hasNotNull(schema: DeltaSchema): boolean {
  const visit = (t: DeltaType): boolean => {
    if (typeof t === 'string') return false;
    if (t.type === 'struct') return t.fields.some((f) => !f.nullable || visit(f.type));
    if (t.type === 'array') return visit(t.elementType);
    return visit(t.keyType) || visit(t.valueType);
  };
  return visit(schema);
}

const isTrue = (properties: Record<string, string>, key: string) => properties[key]?.toLowerCase() === 'true';

/** The smallest protocol for the schema and properties (see the header). */
export function protocolFor(schema: DeltaSchema, properties: Record<string, string>): ProtocolAction {
  const cdf = isTrue(properties, 'delta.enableChangeDataFeed');
  const dv = isTrue(properties, 'delta.enableDeletionVectors');
  const ntz = schemaUsesType(schema, 'timestamp_ntz');
  if (!dv && !ntz) return { minReaderVersion: 1, minWriterVersion: cdf ? 4 : 2 };
  // Table features: reader+writer features are listed in both lists; a property a legacy version
  // would imply (appendOnly, the change feed) needs its writer feature at writer version 7.
  const readerFeatures = [...(dv ? ['deletionVectors'] : []), ...(ntz ? ['timestampNtz'] : [])];
  const writerFeatures = [
    ...readerFeatures,
    ...(cdf ? ['changeDataFeed'] : []),
    ...(isTrue(properties, 'delta.appendOnly') ? ['appendOnly'] : []),
    ...(hasNotNull(schema) ? ['invariants'] : []),
  ];
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures, writerFeatures };
}

export function createActions(options: CreateOptions, now = Date.now()): Action[] {
  const { schema } = options;
  if (schema?.type !== 'struct' || !Array.isArray(schema.fields) || schema.fields.length === 0) {
    throw new DeltaError('DELTA_PROTOCOL', 'createIfAbsent needs a struct schema with at least one field');
  }
  const names = new Set<string>();
  for (const f of schema.fields) {
    if (names.has(f.name.toLowerCase())) throw new DeltaError('DELTA_PROTOCOL', `Duplicate column '${f.name}' in schema`);
    names.add(f.name.toLowerCase());
    toDuckDbType(f.type); // throws on unsupported types
  }
  const partitionColumns = options.partitionColumns ?? [];
  for (const c of partitionColumns) {
    if (!schema.fields.some((f) => f.name === c)) throw new DeltaError('DELTA_PROTOCOL', `Partition column '${c}' is not in the schema`);
  }
  if (partitionColumns.length === schema.fields.length) throw new DeltaError('DELTA_PROTOCOL', 'At least one column must not be a partition column');
  const protocol = protocolFor(schema, options.properties ?? {});
  const metaData: MetadataAction = {
    id: randomUUID(),
    ...(options.name ? { name: options.name } : {}),
    ...(options.description ? { description: options.description } : {}),
    format: { provider: 'parquet', options: {} },
    schemaString: serializeSchema(schema),
    partitionColumns,
    configuration: options.properties ?? {},
    createdTime: now,
  };
  return [{ protocol }, { metaData }];
}
