// Encoder for deletion vectors ("Deletion Vector Format"), the inverse of roaring.ts / load.ts:
// - encodeRoaringBitmapArray: ascending row indexes -> int32 LE magic 1681511377, int64 LE count of
//   32-bit buckets, per non-empty bucket its int32 LE key and a 32-bit Roaring bitmap in the
//   portable serialisation (RoaringFormatSpec). Each 16-bit container is stored in its smallest
//   form: array (2 bytes a value, at most 4096 values), bitset (8 KiB) or runs (4 bytes a run);
//   with run containers the cookie is 12347 and a run-flag bitset follows, else 12346. Container
//   offsets are written whenever the spec has them (no runs, or at least 4 containers).
// - writeDeletionVectorFile: one `deletion_vector_<uuid>.bin` in the table root holding several
//   vectors: a version byte (1), then per vector its uint32 BE size, the bitmap and its uint32 BE
//   CRC-32; each descriptor (storage type `u`, the Z85 of the UUID, `offset` of its size field)
//   points at its own vector, as Spark writes them.
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { DeltaError } from '../errors.ts';
import type { DeletionVectorDescriptor } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import { DV_MAGIC } from './roaring.ts';
import { z85Encode } from './z85.ts';

const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;

interface Container {
  key: number;
  values: number[];
  kind: 'array' | 'bitset' | 'run';
  runs: Array<[number, number]>;
  bytes: number;
}

function container(key: number, values: number[]): Container {
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    runs.push([values[i], j - i]);
    i = j + 1;
  }
  const plain = values.length <= 4096 ? { kind: 'array' as const, bytes: 2 * values.length } : { kind: 'bitset' as const, bytes: 8192 };
  const runBytes = 2 + 4 * runs.length;
  return runBytes < plain.bytes ? { key, values, kind: 'run', runs, bytes: runBytes } : { key, values, runs, ...plain };
}

/** The portable serialisation of one 32-bit Roaring bitmap of the (ascending, < 2^32) `values`. */
function encodeRoaring32(values: number[]): Buffer {
  const containers: Container[] = [];
  for (let i = 0; i < values.length;) {
    const key = Math.floor(values[i] / 65536);
    const low: number[] = [];
    while (i < values.length && Math.floor(values[i] / 65536) === key) low.push(values[i++] % 65536);
    containers.push(container(key, low));
  }
  const size = containers.length;
  const hasRuns = containers.some((c) => c.kind === 'run');
  const withOffsets = !hasRuns || size >= NO_OFFSET_THRESHOLD;
  const header = hasRuns ? 4 + Math.ceil(size / 8) + 4 * size + (withOffsets ? 4 * size : 0) : 8 + 8 * size;
  const out = Buffer.alloc(header + containers.reduce((n, c) => n + c.bytes, 0));
  let pos = 0;
  if (hasRuns) {
    pos = out.writeUInt32LE((SERIAL_COOKIE | ((size - 1) << 16)) >>> 0, pos);
    containers.forEach((c, i) => {
      if (c.kind === 'run') out[pos + (i >> 3)] |= 1 << (i & 7);
    });
    pos += Math.ceil(size / 8);
  } else {
    pos = out.writeUInt32LE(SERIAL_COOKIE_NO_RUN, pos);
    pos = out.writeUInt32LE(size, pos);
  }
  for (const c of containers) {
    pos = out.writeUInt16LE(c.key, pos);
    pos = out.writeUInt16LE(c.values.length - 1, pos);
  }
  if (withOffsets) {
    let at = header;
    for (const c of containers) {
      pos = out.writeUInt32LE(at, pos);
      at += c.bytes;
    }
  }
  for (const c of containers) {
    if (c.kind === 'run') {
      pos = out.writeUInt16LE(c.runs.length, pos);
      for (const [start, extra] of c.runs) {
        pos = out.writeUInt16LE(start, pos);
        pos = out.writeUInt16LE(extra, pos);
      }
    } else if (c.kind === 'array') {
      for (const v of c.values) pos = out.writeUInt16LE(v, pos);
    } else {
      for (const v of c.values) out[pos + (v >> 3)] |= 1 << (v & 7);
      pos += 8192;
    }
  }
  return out;
}

/** RoaringBitmapArray bytes (magic included) of ascending, distinct, non-negative row indexes. */
export function encodeRoaringBitmapArray(rows: readonly number[]): Uint8Array {
  const buckets: Array<{ key: number; bytes: Buffer }> = [];
  for (let i = 0; i < rows.length;) {
    const key = Math.floor(rows[i] / 2 ** 32);
    const low: number[] = [];
    while (i < rows.length && Math.floor(rows[i] / 2 ** 32) === key) {
      const r = rows[i];
      if (!Number.isSafeInteger(r) || r < 0 || (low.length > 0 && r - key * 2 ** 32 <= low[low.length - 1])) {
        throw new DeltaError('DELTA_PROTOCOL', `Deletion vector rows must be ascending, distinct, non-negative integers (got ${r} at ${i})`, {
          context: { index: i },
        });
      }
      low.push(r - key * 2 ** 32);
      i++;
    }
    buckets.push({ key, bytes: encodeRoaring32(low) });
  }
  const head = Buffer.alloc(12);
  head.writeInt32LE(DV_MAGIC, 0);
  head.writeBigInt64LE(BigInt(buckets.length), 4);
  const parts: Buffer[] = [head];
  for (const b of buckets) {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(b.key);
    parts.push(key, b.bytes);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Ascending union of two ascending lists of distinct row indexes. */
export function unionRows(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      out.push(a[i++]);
      j++;
    }
  }
  return out;
}

export interface WrittenDeletionVectors {
  /** The `.bin` file, relative to the table root (deleted again if the commit fails). */
  path: string;
  size: number;
  /** One descriptor per input list, in order. */
  descriptors: DeletionVectorDescriptor[];
}

/** Writes the vectors (each a non-empty ascending list of row indexes) into one new DV file. */
export async function writeDeletionVectorFile(storage: Storage, vectors: ReadonlyArray<readonly number[]>): Promise<WrittenDeletionVectors> {
  const uuid = randomUUID();
  const parts: Buffer[] = [Buffer.from([1])];
  const descriptors: DeletionVectorDescriptor[] = [];
  let offset = 1;
  for (const rows of vectors) {
    if (rows.length === 0) throw new DeltaError('DELTA_PROTOCOL', 'An empty deletion vector is never written: the file is added without one');
    const bitmap = Buffer.from(encodeRoaringBitmapArray(rows));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(bitmap.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(bitmap) >>> 0);
    parts.push(size, bitmap, crc);
    descriptors.push({
      storageType: 'u',
      pathOrInlineDv: z85Encode(Buffer.from(uuid.replaceAll('-', ''), 'hex')),
      offset,
      sizeInBytes: bitmap.length,
      cardinality: rows.length,
    });
    offset += 8 + bitmap.length;
  }
  const bytes = Buffer.concat(parts);
  const path = `deletion_vector_${uuid}.bin`;
  await storage.put(path, bytes);
  return { path, size: bytes.length, descriptors };
}
