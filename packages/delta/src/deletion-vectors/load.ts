// Resolves a deletion vector descriptor ("Deletion Vectors" in PROTOCOL.md) to the ascending row
// indexes it deletes. Storage types:
//   `i` inline: pathOrInlineDv is the Z85 text of the bitmap (first sizeInBytes bytes count);
//   `u` relative: pathOrInlineDv = <random prefix><20-char Z85 UUID>; the file is
//       `<prefix>/deletion_vector_<uuid>.bin` under the table root (no prefix: in the root);
//   `p` absolute: pathOrInlineDv is the file's URI (read through `Storage.getUri`, which refuses
//       schemes it cannot read).
// An on-disk DV file is a version byte (1), then per DV at `offset`: uint32 BE size, the bitmap
// (size bytes), uint32 BE CRC-32 of the bitmap. The decoded count must equal `cardinality`.
import { crc32 } from 'node:zlib';
import { DeltaError } from '../errors.ts';
import type { DeletionVectorDescriptor } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import { decodeRoaringBitmapArray } from './roaring.ts';
import { uuidText, z85Decode } from './z85.ts';

export function dvRelativePath(dv: DeletionVectorDescriptor): string {
  const text = dv.pathOrInlineDv;
  if (text.length < 20) throw new DeltaError('DELTA_PROTOCOL', `Deletion vector id '${text}' is too short`, { context: { dv } });
  const prefix = text.slice(0, text.length - 20);
  const name = `deletion_vector_${uuidText(z85Decode(text.slice(-20)))}.bin`;
  return prefix ? `${prefix}/${name}` : name;
}

async function readDvFile(storage: Storage, dv: DeletionVectorDescriptor): Promise<{ bytes: Uint8Array; where: string }> {
  if (dv.storageType === 'u') {
    const rel = dvRelativePath(dv);
    const bytes = await storage.get(rel);
    if (!bytes) throw new DeltaError('DELTA_IO', `Deletion vector file ${rel} is missing`, { context: { path: rel } });
    return { bytes, where: rel };
  }
  const uri = dv.pathOrInlineDv;
  const bytes = await storage.getUri(uri);
  if (!bytes) throw new DeltaError('DELTA_IO', `Deletion vector file ${uri} is missing`, { context: { path: uri } });
  return { bytes, where: uri };
}

/** The bitmap bytes (magic included) a descriptor points at. */
export async function deletionVectorBitmap(storage: Storage, dv: DeletionVectorDescriptor): Promise<Uint8Array> {
  if (dv.storageType === 'i') return z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
  if (dv.storageType !== 'u' && dv.storageType !== 'p') {
    throw new DeltaError('DELTA_UNSUPPORTED', `Deletion vector storage type '${dv.storageType}' is not supported`, {
      context: { feature: 'deletionVectors', dv },
    });
  }
  const { bytes, where } = await readDvFile(storage, dv);
  const offset = dv.offset ?? 1;
  if (offset + 4 > bytes.byteLength)
    throw new DeltaError('DELTA_PROTOCOL', `Deletion vector offset ${offset} is past the end of ${where}`, { context: { where, offset } });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(offset, false);
  if (size !== dv.sizeInBytes || offset + 8 + size > bytes.byteLength) {
    throw new DeltaError('DELTA_PROTOCOL', `Deletion vector in ${where} at ${offset} has size ${size}, descriptor says ${dv.sizeInBytes}`, {
      context: { where, offset },
    });
  }
  const data = bytes.subarray(offset + 4, offset + 4 + size);
  const expected = view.getUint32(offset + 4 + size, false);
  if (crc32(data) >>> 0 !== expected)
    throw new DeltaError('DELTA_PROTOCOL', `Deletion vector in ${where} at ${offset} fails its CRC-32 check`, { context: { where, offset } });
  return data;
}

/** Ascending row indexes deleted by `dv`; checked against its cardinality. */
export async function loadDeletionVector(storage: Storage, dv: DeletionVectorDescriptor): Promise<number[]> {
  const rows = decodeRoaringBitmapArray(await deletionVectorBitmap(storage, dv));
  if (rows.length !== dv.cardinality) {
    throw new DeltaError('DELTA_PROTOCOL', `Deletion vector holds ${rows.length} rows, descriptor says ${dv.cardinality}`, { context: { dv } });
  }
  return rows;
}

/** A SQL condition over `column` that is true for rows NOT deleted (runs become BETWEEN ranges). */
export function keepRowsCondition(column: string, deleted: number[]): string {
  return deleted.length === 0 ? 'true' : `NOT ${rowsCondition(column, deleted)}`;
}

/**
 * Above this many IN-list values and BETWEEN ranges a row set is written as a bitmap instead: the
 * engine's cost of a long IN list is mostly parsing it (~30 µs a value: 1.8 s for 50,000), while
 * a bitmap is one base64 literal of (largest row / 6) characters, cheap to parse and test.
 */
export const BITMAP_THRESHOLD = 500;

/**
 * A SQL condition over `column` that is true exactly for the ascending row indexes `rows`: runs
 * as BETWEEN ranges and single rows in an IN list, or, for many terms, a test of the row's bit in
 * a BIT literal (bit i = row i, most significant bit of the first byte first).
 */
export function rowsCondition(column: string, rows: number[]): string {
  if (rows.length === 0) return 'false';
  const singles: number[] = [];
  const ranges: string[] = [];
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j + 1 < rows.length && rows[j + 1] === rows[j] + 1) j++;
    if (j - i >= 2) ranges.push(`${column} BETWEEN ${rows[i]} AND ${rows[j]}`);
    else for (let k = i; k <= j; k++) singles.push(rows[k]);
    i = j + 1;
  }
  const last = rows[rows.length - 1];
  if (singles.length + ranges.length > BITMAP_THRESHOLD && last < 2 ** 31 - 8) return bitmapCondition(column, rows);
  if (singles.length) ranges.push(`${column} IN (${singles.join(', ')})`);
  return `(${ranges.join(' OR ')})`;
}

function bitmapCondition(column: string, rows: number[]): string {
  const bits = Buffer.alloc((rows[rows.length - 1] >> 3) + 1);
  for (const r of rows) bits[r >> 3] |= 0x80 >> (r & 7);
  // CASE only evaluates get_bit for rows inside the bitmap (get_bit fails past its end).
  return `(CASE WHEN ${column} < ${bits.length * 8} THEN get_bit(from_base64('${bits.toString('base64')}')::BIT, ${column}::INTEGER) = 1 ELSE false END)`;
}
