// Debezium repeats the same Connect schema in every message of a table (2-5 KB of a 3-6 KB
// message), so decoding work per message is mostly spent re-reading it. This module keeps schemas
// compiled (validated, row decoders built, CdcField list made) in a cache keyed by the schema's exact
// JSON text, and splits a message's text so that a cached schema is never parsed again.
//
// Wire format relied on: JsonConverter writes the envelope compactly as `{"schema":S,"payload":P}`
// (schema first). A message that starts with `{"schema":` and whose text up to the first
// `,"payload":` equals a cached schema text T has exactly T as its schema (T is one complete JSON
// value), so only P needs parsing. Anything else (other key order, whitespace, a schema containing
// `,"payload":` in a string) takes the general path: parse all, compile, and cache only when the
// schema's canonical text matches the message's text. Keying by the full text, not the schema
// name, means two different schemas with the same name never share a decoder.
import type { CdcField } from './types.ts';
import { type ConnectSchema, fieldSchema } from './connect-schema.ts';
import { fieldsOf } from './logical-types.ts';
import { type RowDecoder, compileRow } from './value-decoders.ts';

export interface CompiledSchema {
  schema: ConnectSchema;
  /** The schema's name, '' when it has none. */
  name: string;
  /** Decoders of the envelope's before/after rows; null when the schema has no struct for them. */
  before: RowDecoder | null;
  after: RowDecoder | null;
  /** The change event's `fields` (after's, else before's); frozen, shared by every message. */
  fields: readonly CdcField[] | null;
  /** The row struct schema (after's, else before's); frozen, shared by every message. */
  row: ConnectSchema | null;
  /** The schema itself decoded as a row (message keys), built on first use. */
  asRow(path: string): RowDecoder;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function structDecoder(envelope: ConnectSchema, part: 'before' | 'after'): RowDecoder | null {
  const schema = fieldSchema(envelope, part);
  return schema?.type === 'struct' ? compileRow(schema, part) : null;
}

/** Compiles a validated schema (see asConnectSchema). */
export function compileSchema(schema: ConnectSchema): CompiledSchema {
  const rowSchema = fieldSchema(schema, 'after') ?? fieldSchema(schema, 'before');
  const rows = new Map<string, RowDecoder>();
  return {
    schema,
    name: schema.name ?? '',
    before: structDecoder(schema, 'before'),
    after: structDecoder(schema, 'after'),
    fields: rowSchema?.type === 'struct' ? deepFreeze(fieldsOf(rowSchema)) : null,
    row: rowSchema?.type === 'struct' ? deepFreeze(rowSchema) : null,
    asRow(path) {
      let decoder = rows.get(path);
      if (decoder === undefined) rows.set(path, (decoder = compileRow(schema, path)));
      return decoder;
    },
  };
}

const PREFIX = '{"schema":';
const SEPARATOR = ',"payload":';

export interface EnvelopeText {
  /** The text between `{"schema":` and the first `,"payload":`. */
  schemaText: string;
  /** The text after `,"payload":`, without the closing brace. */
  payloadText: string;
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** The payload text of an envelope whose text after the payload key starts at `from`, or null. */
function payloadTextFrom(text: string, from: number): string | null {
  let end = text.length;
  while (end > from && isJsonSpace(text.charCodeAt(end - 1))) end--;
  if (end <= from || text.charCodeAt(end - 1) !== 125 /* } */) return null;
  return text.slice(from, end - 1);
}

/** The two parts of a compact `{"schema":S,"payload":P}` text, or null when it is not one. */
export function splitEnvelopeText(text: string): EnvelopeText | null {
  if (!text.startsWith(PREFIX)) return null;
  const separator = text.indexOf(SEPARATOR, PREFIX.length);
  if (separator < 0) return null;
  const payloadText = payloadTextFrom(text, separator + SEPARATOR.length);
  return payloadText === null ? null : { schemaText: text.slice(PREFIX.length, separator), payloadText };
}

export interface CacheHit {
  compiled: CompiledSchema;
  payloadText: string;
}

interface Entry {
  schemaText: string;
  /** The schema text's UTF-8 bytes, for messages still in their received bytes. */
  schemaBytes: Buffer;
  compiled: CompiledSchema;
}

const PREFIX_BYTES = Buffer.from(PREFIX, 'utf8');
const SEPARATOR_BYTES = Buffer.from(SEPARATOR, 'utf8');

/** The payload's text of an envelope whose bytes after the payload key start at `from`, or null. */
function payloadTextFromBytes(bytes: Buffer, from: number): string | null {
  let end = bytes.length;
  while (end > from && isJsonSpace(bytes[end - 1])) end--;
  if (end <= from || bytes[end - 1] !== 125 /* } */) return null;
  return bytes.toString('utf8', from, end - 1);
}

/** How many recently used schemas are tried by comparison before hashing the message's text. */
const RECENT = 4;

/** Compiled schemas by exact schema text; cleared when full (a topic set larger than this churns). */
export class SchemaCache {
  readonly #entries = new Map<string, Entry>();
  /** The same entries by their schema bytes read as latin1 (a byte-exact string key). */
  readonly #byBytes = new Map<string, Entry>();
  /** Most recently used first: a hit here costs a memory comparison, not a hash of the schema text. */
  #recent: Entry[] = [];
  readonly #capacity: number;

  constructor(capacity = 512) {
    this.#capacity = capacity;
  }

  /** The cached schema of a compact envelope text and its payload's text, or null. */
  find(text: string): CacheHit | null {
    if (!text.startsWith(PREFIX)) return null;
    for (let i = 0; i < this.#recent.length; i++) {
      const entry = this.#recent[i];
      const after = PREFIX.length + entry.schemaText.length;
      // (slice + === compares memory; startsWith with an offset walks characters, 20x slower)
      if (text.startsWith(SEPARATOR, after) && text.slice(PREFIX.length, after) === entry.schemaText) {
        const payloadText = payloadTextFrom(text, after + SEPARATOR.length);
        if (payloadText === null) return null;
        if (i > 0) this.#touch(entry);
        return { compiled: entry.compiled, payloadText };
      }
    }
    const split = splitEnvelopeText(text);
    const entry = split === null ? undefined : this.#entries.get(split.schemaText);
    if (entry === undefined) return null;
    this.#touch(entry);
    return { compiled: entry.compiled, payloadText: split!.payloadText };
  }

  /**
   * Like find(), on a message's received bytes: the schema is compared as bytes (memcmp) and only
   * the payload is turned into a JS string, so a 4 KB message costs a decode of its ~1 KB payload.
   */
  findBytes(bytes: Buffer): CacheHit | null {
    if (bytes.length < PREFIX_BYTES.length || PREFIX_BYTES.compare(bytes, 0, PREFIX_BYTES.length) !== 0) return null;
    const start = PREFIX_BYTES.length;
    for (let i = 0; i < this.#recent.length; i++) {
      const entry = this.#recent[i];
      const after = start + entry.schemaBytes.length;
      if (after + SEPARATOR_BYTES.length > bytes.length) continue;
      if (entry.schemaBytes.compare(bytes, start, after) === 0 && SEPARATOR_BYTES.compare(bytes, after, after + SEPARATOR_BYTES.length) === 0) {
        const payloadText = payloadTextFromBytes(bytes, after + SEPARATOR_BYTES.length);
        if (payloadText === null) return null;
        if (i > 0) this.#touch(entry);
        return { compiled: entry.compiled, payloadText };
      }
    }
    const separator = bytes.indexOf(SEPARATOR_BYTES, start);
    if (separator < 0) return null;
    const entry = this.#byBytes.get(bytes.toString('latin1', start, separator));
    if (entry === undefined) return null;
    const payloadText = payloadTextFromBytes(bytes, separator + SEPARATOR_BYTES.length);
    if (payloadText === null) return null;
    this.#touch(entry);
    return { compiled: entry.compiled, payloadText };
  }

  get(schemaText: string): CompiledSchema | undefined {
    return this.#entries.get(schemaText)?.compiled;
  }

  set(schemaText: string, compiled: CompiledSchema): void {
    if (this.#entries.size >= this.#capacity) this.clear();
    // A fresh flat copy: a slice would keep the whole first message alive, and compares slower.
    const schemaBytes = Buffer.from(schemaText, 'utf8');
    const entry = { schemaText: schemaBytes.toString('utf8'), schemaBytes, compiled };
    this.#entries.set(entry.schemaText, entry);
    this.#byBytes.set(schemaBytes.toString('latin1'), entry);
    this.#touch(entry);
  }

  #touch(entry: Entry): void {
    this.#recent = [entry, ...this.#recent.filter((e) => e !== entry)].slice(0, RECENT);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#byBytes.clear();
    this.#recent = [];
  }
}
