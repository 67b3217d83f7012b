// The few object-store verbs Delta needs, on raw keys, so that one ObjectStorage (the Storage
// contract: table-relative paths, the engine's local cache) serves every store. A client knows
// nothing of tables; implementations map their SDK's errors onto these results:
// missing object → undefined / false, lost put-if-absent → false, anything else → DELTA_IO
// without the SDK error attached (its request carries signed headers; nothing secret leaves here).
import { DeltaError } from '../errors.ts';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Milliseconds since the epoch (the store's Last-Modified). */
  lastModified: number;
}

export interface ObjectStoreClient {
  /** URI of the store root, ending in '/': `s3://bucket/`, `az://container/`. */
  readonly uriPrefix: string;
  /** Short store name for messages: 's3', 'azure'. */
  readonly kind: string;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stream the object into `file`; false when there is no such object. */
  download(key: string, file: string): Promise<boolean>;
  put(key: string, data: Uint8Array | string): Promise<void>;
  /** Stream the local `file` into the object `key` (overwrites). */
  upload(key: string, file: string): Promise<void>;
  /** Create `key` only if it does not exist (`If-None-Match: *`): false when it did. */
  putIfAbsent(key: string, data: Uint8Array | string): Promise<boolean>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Objects whose key starts with `prefix`; `recursive: false` keeps only those without a further '/'. */
  list(prefix: string, recursive: boolean): Promise<ObjectInfo[]>;
  /** Names of the "folders" directly under `prefix` (ending in '/'): key segments followed by '/'. */
  listFolders(prefix: string): Promise<string[]>;
  /** Delete `key`; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
}

/** One line of an SDK error that is safe to show: its name/code, HTTP status and first message line. */
export function storeError(kind: string, op: string, key: string, error: unknown): DeltaError {
  const e = error as { name?: string; code?: string; statusCode?: number; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ?? e?.statusCode;
  const code = e?.code ?? e?.name ?? 'Error';
  const detail = String(e?.message ?? error)
    .split('\n')[0]
    .slice(0, 200);
  return new DeltaError('DELTA_IO', `${kind} ${op} of '${key}' failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${detail}`, {
    canRetry: status === undefined || status >= 500 || status === 429 || status === 408,
    context: { store: kind, op, key, status: status ?? null, code },
  });
}
