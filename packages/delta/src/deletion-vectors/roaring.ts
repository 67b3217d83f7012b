// Decoder for the bitmap inside a Delta deletion vector ("Deletion Vector Format"): a
// RoaringBitmapArray in the portable layout:
//   int32 LE magic 1681511377 | int64 LE bitmap count | per bitmap: int32 LE key (high 32 bits of
//   the row index) then one 32-bit Roaring bitmap in the portable serialisation (RoaringFormatSpec):
//   cookie uint32 LE: 12346 (no run containers; then uint32 container count) or
//   12347 | (count-1) << 16 (then a bitset, 1 bit per container, marking run containers);
//   per container: uint16 key, uint16 cardinality-1; then uint32 offsets (when there are no run
//   containers, or count >= 4); then the containers: run (uint16 runs, then start/length-1 pairs),
//   array (cardinality uint16 values, when <= 4096) or bitset (1024 uint64 words).
// Only what deletion vectors need: decoding to the ascending list of deleted row indexes.
import { DeltaError } from '../errors.ts';

export const DV_MAGIC = 1681511377;
const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;

function bad(message: string): never {
  throw new DeltaError('DELTA_PROTOCOL', `Deletion vector bitmap is malformed: ${message}`);
}

/** Row indexes (ascending) stored in a RoaringBitmapArray, magic included. */
export function decodeRoaringBitmapArray(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12) bad('too short');
  const magic = view.getInt32(0, true);
  if (magic !== DV_MAGIC) bad(`unexpected magic ${magic}`);
  const count = Number(view.getBigInt64(4, true));
  let pos = 12;
  const rows: number[] = [];
  for (let b = 0; b < count; b++) {
    if (pos + 4 > bytes.byteLength) bad('truncated bitmap key');
    const high = view.getUint32(pos, true);
    pos += 4;
    pos = decodeRoaring32(view, pos, high * 2 ** 32, rows);
  }
  return rows;
}

function decodeRoaring32(view: DataView, start: number, base: number, out: number[]): number {
  let pos = start;
  const need = (n: number) => {
    if (pos + n > view.byteLength) bad('truncated container');
  };
  need(4);
  const cookie = view.getUint32(pos, true);
  pos += 4;
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    const flagBytes = Math.ceil(size / 8);
    need(flagBytes);
    runFlags = new Uint8Array(view.buffer, view.byteOffset + pos, flagBytes);
    pos += flagBytes;
  } else if (cookie === SERIAL_COOKIE_NO_RUN) {
    need(4);
    size = view.getUint32(pos, true);
    pos += 4;
  } else {
    bad(`unknown cookie ${cookie}`);
  }
  need(size * 4);
  const keys: number[] = [];
  const cards: number[] = [];
  for (let i = 0; i < size; i++) {
    keys.push(view.getUint16(pos, true));
    cards.push(view.getUint16(pos + 2, true) + 1);
    pos += 4;
  }
  if (!runFlags || size >= 4) pos += size * 4; // offsets: not needed when reading sequentially
  for (let i = 0; i < size; i++) {
    const high = base + keys[i] * 65536;
    const isRun = runFlags ? (runFlags[i >> 3] & (1 << (i & 7))) !== 0 : false;
    if (isRun) {
      need(2);
      const runs = view.getUint16(pos, true);
      pos += 2;
      need(runs * 4);
      for (let r = 0; r < runs; r++) {
        const from = view.getUint16(pos, true);
        const length = view.getUint16(pos + 2, true);
        pos += 4;
        for (let v = from; v <= from + length; v++) out.push(high + v);
      }
    } else if (cards[i] <= 4096) {
      need(cards[i] * 2);
      for (let k = 0; k < cards[i]; k++) out.push(high + view.getUint16(pos + k * 2, true));
      pos += cards[i] * 2;
    } else {
      need(8192);
      for (let w = 0; w < 2048; w++) {
        const word = view.getUint32(pos + w * 4, true);
        if (word === 0) continue;
        for (let bit = 0; bit < 32; bit++) if (word & (1 << bit)) out.push(high + w * 32 + bit);
      }
      pos += 8192;
    }
  }
  return pos;
}
