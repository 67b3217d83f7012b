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

/** Integers of exactly 16 digits up to this are exact as doubles: JSON.parse reads them right. */
const MAX_SAFE_16 = String(Number.MAX_SAFE_INTEGER);
const NUMBER_TOKEN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MARK = 0;
const QUOTE = 34;
const BACKSLASH = 92;

function isNumberChar(c: number): boolean {
  // 0-9 . e E + -
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}

const isDigitOrDot = (c: number) => (c >= 48 && c <= 57) || c === 46;

/** Whether the number token text[start, end) has a run of 16+ digits/dots starting with a digit. */
function isLongToken(text: string, start: number, end: number): boolean {
  let run = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigitOrDot(c) && (run > 0 || c !== 46)) {
      if (++run >= 16) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

/** The index of the quote closing the string literal opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let q = text.indexOf('"', open + 1);
  while (q !== -1) {
    let backslashes = 0;
    for (let i = q - 1; text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

/**
 * The text with every long number token (16+ digits, outside strings) turned into a marked string
 * literal, and how many; null when the text is not plain enough to do so safely (then use the
 * reviver, which also reports the syntax error). One pass: string literals are skipped quote to
 * quote (indexOf), and only the characters between them are looked at one by one.
 */
function markLongNumbers(text: string): { text: string; marked: number } | null {
  let out = '';
  let copied = 0;
  let marked = 0;
  let checkedNul = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = closingQuote(text, i);
      if (close === -1) return null; // unterminated: the reviver path reports the syntax error
      i = close + 1;
      continue;
    }
    if (!isNumberChar(c)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isNumberChar(text.charCodeAt(i))) i++;
    if (i - start < 16 || !isLongToken(text, start, i)) continue;
    if (!checkedNul) {
      if (text.includes('\\u0000')) return null;
      checkedNul = true;
    }
    const token = text.slice(start, i);
    if (!NUMBER_TOKEN.test(token)) return null;
    // e.g. a MicroTimestamp (1790000000001000): exact as JSON.parse reads it, nothing to mark.
    if (isSafe16(token)) continue;
    out += text.slice(copied, start) + '"\\u0000' + token + '"';
    copied = i;
    marked++;
  }
  return marked === 0 ? { text, marked: 0 } : { text: out + text.slice(copied), marked };
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
