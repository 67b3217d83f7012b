// What this implementation can read and write. Reading: reader v1, v2 (column mapping), v3 with
// only the features below (deletion vectors, column mapping, V2 checkpoints, timestamp_ntz).
// Writing: writer <= 4, or writer 7 with only the listed writer features. appendOnly is honoured
// and the change data feed written. Deletion vectors: files that have one are read without the
// rows it deletes; merge, update and delete write them when `delta.enableDeletionVectors` is on
// (operations/mark-deleted.ts), else rewrite files, removing each with its vector. invariants, checkConstraints and generatedColumns (which
// Spark lists on every writer-7 table it upgrades from a legacy protocol) are supported as
// features: a table that lists them but defines no invariant, CHECK constraint or generated
// column is written normally; one that defines any is refused (we cannot evaluate Spark SQL
// expressions on write), as are identity columns. Anything else is refused by name.
import { DeltaError } from '../errors.ts';
import type { MetadataAction, ProtocolAction } from '../actions/types.ts';

const READER_FEATURES = new Set(['timestampNtz', 'vacuumProtocolCheck', 'deletionVectors', 'columnMapping', 'v2Checkpoint']);
const WRITER_FEATURES = new Set([
  'timestampNtz',
  'appendOnly',
  'vacuumProtocolCheck',
  'changeDataFeed',
  'invariants',
  'checkConstraints',
  'generatedColumns',
  'deletionVectors',
]);

export function assertReadable(protocol: ProtocolAction, metadata: MetadataAction, location: string): void {
  const reader = protocol.minReaderVersion;
  const mapping = metadata.configuration?.['delta.columnMapping.mode'];
  if (mapping && mapping !== 'none' && mapping !== 'name' && mapping !== 'id') unsupported(`columnMapping (mode ${mapping})`, location);
  if (reader === 1 || reader === 2) {
    if (protocol.readerFeatures && protocol.readerFeatures.length > 0) {
      throw new DeltaError('DELTA_PROTOCOL', `Delta table ${location} lists readerFeatures at minReaderVersion ${reader} (only allowed at 3)`, {
        context: { location },
      });
    }
    return;
  }
  if (reader === 3) {
    for (const feature of protocol.readerFeatures ?? []) {
      if (!READER_FEATURES.has(feature)) unsupported(feature, location);
    }
    return;
  }
  unsupported(`minReaderVersion ${reader}`, location);
}

export function assertWritable(protocol: ProtocolAction, metadata: MetadataAction, location: string): void {
  assertReadable(protocol, metadata, location);
  const mapping = metadata.configuration?.['delta.columnMapping.mode'];
  if (mapping && mapping !== 'none') unsupported(`columnMapping (mode ${mapping}) for writing`, location);
  const writer = protocol.minWriterVersion;
  if (writer === 7) {
    for (const feature of protocol.writerFeatures ?? []) {
      if (!WRITER_FEATURES.has(feature)) unsupported(`writer feature ${feature}`, location);
    }
  } else if (writer > 4) {
    unsupported(`minWriterVersion ${writer}`, location);
  }
  if (metadata.schemaString.includes('delta.invariants')) unsupported('column invariants (writer)', location);
  // Writer 3 and 4 are fine as long as their features are not in use (we cannot enforce them).
  if (Object.keys(metadata.configuration ?? {}).some((k) => k.startsWith('delta.constraints.'))) unsupported('CHECK constraints (writer)', location);
  if (metadata.schemaString.includes('delta.generationExpression')) unsupported('generated columns (writer)', location);
  if (metadata.schemaString.includes('delta.identity.')) unsupported('identity columns (writer)', location);
}

function unsupported(feature: string, location: string): never {
  throw new DeltaError('DELTA_UNSUPPORTED', `Delta table ${location} uses ${feature}, which @shori/delta does not support`, { context: { feature, location } });
}
