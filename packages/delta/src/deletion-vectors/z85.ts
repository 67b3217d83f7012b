// Z85 (ZeroMQ RFC 32) encoding and decoding, used by Delta deletion vectors: the UUID of an on-disk DV file
// (storage type `u`, 20 chars = 16 bytes) and inline bitmaps (storage type `i`) are Z85 text.
// Every 5 characters encode one big-endian 32-bit word (base 85, digits from ALPHABET).
import { DeltaError } from '../errors.ts';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DIGIT = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new DeltaError('DELTA_PROTOCOL', `Z85 text length ${text.length} is not a multiple of 5`, { context: { length: text.length } });
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let word = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DIGIT[code] : -1;
      if (digit < 0) throw new DeltaError('DELTA_PROTOCOL', `Invalid Z85 character at ${i + j}`, { context: { position: i + j } });
      word = word * 85 + digit;
    }
    if (word > 0xffffffff) throw new DeltaError('DELTA_PROTOCOL', `Z85 group at ${i} overflows 32 bits`, { context: { position: i } });
    out[o] = word >>> 24;
    out[o + 1] = (word >>> 16) & 0xff;
    out[o + 2] = (word >>> 8) & 0xff;
    out[o + 3] = word & 0xff;
  }
  return out;
}

/** Z85 text of `bytes` (length a multiple of 4). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0)
    throw new DeltaError('DELTA_PROTOCOL', `Z85 input length ${bytes.length} is not a multiple of 4`, { context: { length: bytes.length } });
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let word = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = ALPHABET[word % 85] + chunk;
      word = Math.floor(word / 85);
    }
    out += chunk;
  }
  return out;
}

/** Canonical 8-4-4-4-12 text of a 16-byte UUID. */
export function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
