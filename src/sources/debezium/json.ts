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

// ---------------------------------------------------------------------------------------------------
// Fast exact parsing. The reviver above is called for every value and allocates each number's text,
// which makes it 2-3x slower than a plain JSON.parse. Most numbers do not need their text: an integer
// of up to 15 digits is exact as a double, and so is any decimal of up to 15 significant digits
// (String(Number(t)) gives back the same value). Only tokens with 16 or more digits (ts_ns,
// NanoTimestamp, int64 keys, long decimals) need it. parseExactJson finds those tokens outside string
// literals, turns each into a string literal marked with a leading U+0000 ("\u0000<digits>"), runs
// plain JSON.parse, then puts the exact values back (number / bigint / JsonNumberText, as the reviver
// would). A string of the input can start with U+0000 only through the escape `\u0000`: inputs that
// contain it take the reviver path, so a marked string is always ours.

/**
 * A run of 16+ digits/dots that starts with a digit and is not preceded by one: every number token
 * with 16+ digits has one (the lookbehind starts the match at the run's first digit only, so a long
 * run is scanned once, not once per digit).
 */
const LONG_DIGITS = /(?<![\d.])\d[\d.]{15,}/g;
/** Integers of exactly 16 digits up to this are exact as doubles: JSON.parse reads them right. */
const MAX_SAFE_16 = String(Number.MAX_SAFE_INTEGER);
const NUMBER_TOKEN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MARK = 0;

function isNumberChar(c: number): boolean {
  // 0-9 . e E + -
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}

/** Whether the quote at `at` is escaped (an odd run of backslashes before it). */
function escapedQuote(text: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === 92; i--) n++;
  return (n & 1) === 1;
}

/**
 * The text with every long number token (16+ digits, outside strings) turned into a marked string
 * literal, and how many; null when the text is not plain enough to do so safely (then use the
 * reviver, which also reports the syntax error).
 */
function markLongNumbers(text: string): { text: string; marked: number } | null {
  LONG_DIGITS.lastIndex = 0;
  let m = LONG_DIGITS.exec(text);
  if (m === null) return { text, marked: 0 };
  if (text.includes('\\u0000')) return null;
  let out = '';
  let copied = 0;
  let marked = 0;
  let scanned = 0; // quotes before `scanned` have been counted
  let inString = false;
  while (m !== null) {
    const at = m.index;
    for (let q = text.indexOf('"', scanned); q !== -1 && q < at; q = text.indexOf('"', scanned)) {
      if (!inString || !escapedQuote(text, q)) inString = !inString;
      scanned = q + 1;
    }
    if (scanned < at) scanned = at;
    if (inString) {
      LONG_DIGITS.lastIndex = at + m[0].length;
    } else {
      let start = at;
      while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
      let end = at + m[0].length;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const token = text.slice(start, end);
      if (start < copied || !NUMBER_TOKEN.test(token)) return null;
      if (isSafe16(token)) {
        // e.g. a MicroTimestamp (1790000000001000): exact as JSON.parse reads it, nothing to mark.
        scanned = end;
        LONG_DIGITS.lastIndex = end;
        m = LONG_DIGITS.exec(text);
        continue;
      }
      out += text.slice(copied, start) + '"\\u0000' + token + '"';
      copied = end;
      marked++;
      scanned = end;
      LONG_DIGITS.lastIndex = end;
    }
    m = LONG_DIGITS.exec(text);
  }
  return { text: out + text.slice(copied), marked };
}

/** A 16-digit integer token (optionally negative) within the safe range. */
function isSafe16(token: string): boolean {
  const digits = token.charCodeAt(0) === 45 ? token.slice(1) : token;
  return digits.length === 16 && digits.charCodeAt(0) !== 48 && /^\d+$/.test(digits) && digits <= MAX_SAFE_16;
}

function exactNumber(token: string): unknown {
  if (/^-?\d+$/.test(token)) {
    const n = Number(token);
    return Number.isSafeInteger(n) ? n : BigInt(token);
  }
  return new JsonNumberText(token);
}

function unmark(value: string): unknown {
  return exactNumber(value.slice(1));
}

/** Replaces marked strings by their exact numbers, in place; returns how many it replaced. */
function restoreMarked(node: unknown, left: number): number {
  let found = 0;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length && found < left; i++) {
      const v = node[i];
      if (typeof v === 'string') {
        if (v.charCodeAt(0) === MARK) ((node[i] = unmark(v)), found++);
      } else if (v !== null && typeof v === 'object') {
        found += restoreMarked(v, left - found);
      }
    }
    return found;
  }
  const record = node as Record<string, unknown>;
  for (const k in record) {
    if (found >= left) break;
    const v = record[k];
    if (typeof v === 'string') {
      if (v.charCodeAt(0) === MARK) {
        if (k === '__proto__') Object.defineProperty(record, k, { value: unmark(v), enumerable: true, writable: true, configurable: true });
        else record[k] = unmark(v);
        found++;
      }
    } else if (v !== null && typeof v === 'object') {
      found += restoreMarked(v, left - found);
    }
  }
  return found;
}

/**
 * Parses JSON text keeping every number exact, like parseLosslessJson, but at about the speed of
 * JSON.parse: integers beyond the safe range are bigints; non-integers with 16+ digits before any
 * exponent keep their text (JsonNumberText); shorter non-integers are plain numbers, whose value is
 * exactly the text's (so "5.0" reads as 5, where the reviver path kept the text). Throws SyntaxError
 * on bad JSON.
 */
export function parseExactJson(input: Buffer | string): unknown {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const marked = markLongNumbers(text);
  if (marked === null) return JSON.parse(text, reviveNumber);
  const value = JSON.parse(marked.text);
  if (marked.marked === 0) return value;
  if (typeof value === 'string') return unmark(value);
  if (value !== null && typeof value === 'object') restoreMarked(value, marked.marked);
  return value;
}
