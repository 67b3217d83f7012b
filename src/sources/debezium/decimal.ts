// Exact decimals for Kafka Connect's `org.apache.kafka.connect.data.Decimal`.
//
// Wire format (Decimal.fromLogical + JsonConverter, decimal.format=BASE64, the default): the unscaled
// value's `BigInteger.toByteArray()`, i.e. big-endian two's complement, minimal length with a sign
// bit, written as standard base64; the scale is the schema parameter `scale` (a string). So "dzWUAA=="
// with scale 4 is 2000000000 / 10^4 = "200000.0000", and "+50=" with scale 3 is -1123 → "-1.123".
// decimal.format=NUMERIC and decimal.handling.mode=double/string write the value as a JSON number or
// a plain decimal string instead; `rescaleDecimalText` brings those to the same exact form.
// Values are bigints throughout: doubles cannot hold DECIMAL(38,x).

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function isBase64(text: string): boolean {
  return text.length > 0 && BASE64.test(text);
}

/** Two's-complement big-endian bytes → bigint. */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new RangeError('decimal bytes are empty');
  let unsigned = 0n;
  for (const byte of bytes) unsigned = (unsigned << 8n) | BigInt(byte);
  const negative = (bytes[0] & 0x80) !== 0;
  return negative ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

/** bigint → minimal two's-complement big-endian bytes (BigInteger.toByteArray). */
export function unscaledToBytes(unscaled: bigint): Buffer {
  let length = 1;
  while (unscaled < -(1n << BigInt(length * 8 - 1)) || unscaled >= 1n << BigInt(length * 8 - 1)) length++;
  let rest = unscaled < 0n ? unscaled + (1n << BigInt(length * 8)) : unscaled;
  const out = Buffer.alloc(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** unscaled × 10^-scale as a plain decimal string with exactly `scale` fractional digits. */
export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) {
    if (unscaled !== 0n) digits += '0'.repeat(-scale);
    return (negative ? '-' : '') + digits;
  }
  digits = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Base64 Decimal bytes → exact decimal string. Throws RangeError when not base64. */
export function decodeDecimalBase64(text: string, scale: number): string {
  if (!isBase64(text)) throw new RangeError(`decimal bytes are not base64: ${JSON.stringify(text)}`);
  return formatUnscaled(unscaledFromBytes(Buffer.from(text, 'base64')), scale);
}

/** Exact decimal string (any scale) → the base64 JsonConverter would write at `scale`. */
export function encodeDecimalBase64(decimal: string, scale: number): string {
  return unscaledToBytes(unscaledAtScale(decimal, scale, 'exact')).toString('base64');
}

export function isDecimalText(text: string): boolean {
  const m = DECIMAL_TEXT.exec(text);
  return m !== null && (m[2].length > 0 || (m[3] ?? '').length > 0);
}

/**
 * The unscaled value of a decimal text at `scale`. 'exact' refuses to drop non-zero digits;
 * 'round' rounds half away from zero (BigDecimal HALF_UP) — for doubles, which are approximate anyway.
 */
export function unscaledAtScale(text: string, scale: number, mode: 'exact' | 'round'): bigint {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (m === null || (m[2].length === 0 && (m[3] ?? '').length === 0)) {
    throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  }
  const [, sign, intPart, fracPart = '', expPart] = m;
  let magnitude = BigInt(intPart + fracPart || '0');
  const shift = (expPart === undefined ? 0 : Number(expPart)) - fracPart.length + scale;
  if (shift >= 0) {
    magnitude *= 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    const remainder = magnitude % divisor;
    magnitude /= divisor;
    if (remainder !== 0n) {
      if (mode === 'exact') throw new RangeError(`${text} has more than ${scale} fractional digits`);
      if (remainder * 2n >= divisor) magnitude += 1n;
    }
  }
  return sign === '-' ? -magnitude : magnitude;
}

/** A decimal text or double → exact decimal string with `scale` fractional digits. */
export function rescaleDecimal(value: string | number, scale: number, mode: 'exact' | 'round'): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`decimal is ${value}`);
  return formatUnscaled(unscaledAtScale(String(value), scale, mode), scale);
}
