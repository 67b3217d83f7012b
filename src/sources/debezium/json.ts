// Lossless JSON for Debezium messages. JSON.parse turns every number into a double, which silently
// corrupts int64 values (NanoTimestamp 1531481025340000000, ts_ns, PostgreSQL LSNs, BIGINT keys) and
// the digits of decimals written as numbers (decimal.handling.mode=double, decimal.format=NUMERIC).
// We read each number's source text (the reviver's `context.source`, Node >= 21):
// - integers within Number.MAX_SAFE_INTEGER → number; beyond → bigint;
// - numbers with a fraction or exponent → JsonNumberText (keeps the text; the value decoder decides
//   whether it is a float or an exact decimal).

/** A non-integer JSON number with its source text, as written by the producer. */
export class JsonNumberText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toNumber(): number {
    return Number(this.text);
  }
}

const INTEGER_TEXT = /^-?\d+$/;

function reviveNumber(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number') return value;
  const text = context?.source;
  if (text === undefined) return value;
  if (INTEGER_TEXT.test(text)) return Number.isSafeInteger(value) ? value : BigInt(text);
  return new JsonNumberText(text);
}

/** Parses JSON text/bytes keeping numbers exact (see module comment). Throws SyntaxError. */
export function parseLosslessJson(input: Buffer | string): unknown {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  return JSON.parse(text, reviveNumber);
}

/** Replaces JsonNumberText by plain numbers, recursively (bigints stay). */
export function plainJson(value: unknown): unknown {
  if (value instanceof JsonNumberText) return value.toNumber();
  if (Array.isArray(value)) return value.map(plainJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainJson(v);
    return out;
  }
  return value;
}

/**
 * Parses a JSON message body: integers beyond the safe range become bigint, everything else is as
 * JSON.parse gives it. Throws SyntaxError on bad JSON.
 */
export function decodeJsonValue(input: Buffer | string): unknown {
  return plainJson(parseLosslessJson(input));
}

/**
 * The inverse of parseLosslessJson: bigints as plain integers, JsonNumberText as written, so an
 * int64 survives a round trip (JSON.stringify throws on bigint).
 */
export function stringifyLosslessJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof JsonNumberText) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyLosslessJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyLosslessJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
