// Delta log actions (PROTOCOL.md "Actions"). Field names are the protocol's JSON names; optional
// fields the protocol allows are optional here. Unknown actions and fields are ignored on read.
export interface ProtocolAction {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface MetadataAction {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

export interface DeletionVectorDescriptor {
  storageType: string;
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
}

export interface AddAction {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
}

export interface RemoveAction {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
}

export interface TxnAction {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

export interface CommitInfoAction {
  timestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  engineInfo?: string;
  inCommitTimestamp?: number;
  [key: string]: unknown;
}

export interface DomainMetadataAction {
  domain: string;
  configuration: string;
  removed: boolean;
}

export type Action =
  | { commitInfo: CommitInfoAction }
  | { protocol: ProtocolAction }
  | { metaData: MetadataAction }
  | { add: AddAction }
  | { remove: RemoveAction }
  | { txn: TxnAction }
  | { domainMetadata: DomainMetadataAction }
  | { cdc: Record<string, unknown> };

/** Identity of a file action for reconciliation: path plus deletion vector id when present. */
export function fileKey(file: { path: string; deletionVector?: DeletionVectorDescriptor | null }): string {
  const dv = file.deletionVector;
  const path = canonicalPath(file.path);
  if (!dv) return path;
  return `${path}\u0000${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? '' : `@${dv.offset}`}`;
}

/** `file:/p` and `file:///p` name the same file as the absolute path `/p` (paths stay URI-encoded). */
export function canonicalPath(path: string): string {
  if (path.startsWith('file:///')) return path.slice('file://'.length);
  if (path.startsWith('file:/') && !path.startsWith('file://')) return path.slice('file:'.length);
  return path;
}
