// Test helper: an inline (`i`) deletion vector descriptor for a few row indexes below 65536:
// a RoaringBitmapArray with one bucket holding one array container, Z85-encoded.
import { DV_MAGIC } from '../deletion-vectors/roaring.ts';
import type { DeletionVectorDescriptor } from '../actions/types.ts';
import { z85Encode } from '../deletion-vectors/z85.ts';

export { z85Encode };

export function inlineDv(rows: number[]): DeletionVectorDescriptor {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.at(-1)! >= 65536) throw new Error('inlineDv: 1..n rows below 65536');
  const b = Buffer.alloc(12 + 4 + 4 + 4 + 4 + 4 + 2 * sorted.length);
  let o = 0;
  o = b.writeInt32LE(DV_MAGIC, o);
  o = b.writeBigInt64LE(1n, o); // one 32-bit bucket
  o = b.writeUInt32LE(0, o); // bucket key
  o = b.writeUInt32LE(12346, o);
  o = b.writeUInt32LE(1, o); // cookie (no runs), one container
  o = b.writeUInt16LE(0, o);
  o = b.writeUInt16LE(sorted.length - 1, o); // key, cardinality - 1
  o = b.writeUInt32LE(0, o); // offset
  for (const r of sorted) o = b.writeUInt16LE(r, o);
  const padded = new Uint8Array(Math.ceil(b.length / 4) * 4);
  padded.set(b);
  return { storageType: 'i', pathOrInlineDv: z85Encode(padded), sizeInBytes: b.length, cardinality: sorted.length };
}
