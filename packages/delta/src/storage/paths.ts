// Paths from the log: `add.path` is an RFC 2396 URI reference, relative to the table root or
// absolute. Relative paths are decoded exactly once (the Hive escaping of directory names stays);
// absolute `file://` URIs are allowed by the protocol and map to local files. Anything that
// escapes the root (`..`, a bare absolute path) is refused.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaError } from '../errors.ts';
import type { Storage } from './storage.ts';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The table-relative path of a data file the log names by a relative path; undefined for absolute URIs. */
export function relativeDataFile(logPath: string): string | undefined {
  if (SCHEME.test(logPath)) return undefined;
  try {
    return decodeURIComponent(logPath);
  } catch {
    return undefined; // resolveDataFile reports it
  }
}

/** Make the data files the log names readable by the engine (a no-op where they already are). */
export async function prepareDataFiles(storage: Storage, logPaths: Iterable<string>): Promise<void> {
  if (!storage.prepareEngineRead) return;
  const paths: string[] = [];
  for (const p of logPaths) {
    const rel = relativeDataFile(p);
    if (rel !== undefined) paths.push(rel);
  }
  if (paths.length > 0) await storage.prepareEngineRead(paths);
}

export function resolveDataFile(storage: Storage, logPath: string): string {
  if (SCHEME.test(logPath)) {
    // Normalized, so it equals `engineUri` of the same file (VACUUM matches files that way).
    if (logPath.startsWith('file:')) return path.normalize(fileURLToPath(logPath));
    throw new DeltaError('DELTA_UNSUPPORTED', `Data file URI scheme is not supported: ${logPath}`, { context: { path: logPath } });
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(logPath);
  } catch (cause) {
    throw new DeltaError('DELTA_PROTOCOL', `Data file path is not valid URI encoding: ${logPath}`, { cause, context: { path: logPath } });
  }
  if (decoded.startsWith('/') || decoded.split('/').includes('..')) {
    throw new DeltaError('DELTA_PROTOCOL', `Data file path escapes the table root: ${logPath}`, { context: { path: logPath } });
  }
  return storage.engineUri(decoded);
}

/** Hive-style escaping of a partition directory value (as Spark's escapePathName). */
export function escapePartitionValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(ch)) {
      out += '%' + code.toString(16).toUpperCase().padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return out;
}

/** Encode a relative on-disk path for the log (RFC 2396: spaces, '%' and non-ASCII escaped). */
export function encodeLogPath(relative: string): string {
  return relative
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replaceAll('%3D', '='),
    )
    .join('/');
}
