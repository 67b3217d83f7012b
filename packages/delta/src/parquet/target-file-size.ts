// `delta.targetFileSize`: how large a data file a writer aims for (Databricks' property name; the
// value is bytes, optionally with a unit: `134217728`, `128mb`, `1 GB`). Writers split their
// output into files of about this size, so a copy-on-write rewrite of a few rows rewrites a few
// files, never the whole table; OPTIMIZE packs small files up to it.
import { DeltaError } from '../errors.ts';

export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

const UNIT: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Bytes of a size string, or undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const scale = UNIT[m[2].toLowerCase()];
  if (scale === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * scale);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** The table's target data file size in bytes (`delta.targetFileSize`, default 128 MiB). */
export function targetFileSize(properties: Record<string, string> | undefined): number {
  const raw = properties?.['delta.targetFileSize'];
  if (raw === undefined) return DEFAULT_TARGET_FILE_SIZE;
  const bytes = parseByteSize(raw);
  if (bytes === undefined) {
    throw new DeltaError(
      'DELTA_PROTOCOL',
      `Table property delta.targetFileSize='${raw}' is not a size. Help: use bytes or a unit, e.g. '134217728' or '128mb'.`,
      { context: { property: 'delta.targetFileSize', value: raw } },
    );
  }
  return bytes;
}
