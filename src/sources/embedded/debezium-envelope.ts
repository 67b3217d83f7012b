// Writes embedded changes as the messages Debezium's SQL Server connector puts on Kafka with the
// JsonConverter (schemas.enable=true): key {<key columns>}, value {before, after, source, transaction,
// op, ts_ms, ts_us, ts_ns}, for any captured table and schema version. Declared types (table-defs.ts)
// travel as SQL Server's would: decimal(p,s) as base64 two's-complement bytes (Decimal, scale s,
// precision p), datetime2 as io.debezium.time.MicroTimestamp, datetimeoffset as ZonedTimestamp, date
// as io.debezium.time.Date, bit as boolean, varchar lengths as propagated source types. So the
// embedded default exercises exactly the decoding path real SQL Server messages take.
import { TICKETS, type EmbeddedColumn } from './table-defs.ts';
import type { CapturedSchema } from './capture.ts';
import type { TicketRow } from './tickets-schema.ts';

export const EMBEDDED_DATABASE = 'TicketsDb';
export const EMBEDDED_SCHEMA = 'dbo';
export const EMBEDDED_TABLE = 'Tickets';

export function embeddedTopic(source: string, table = EMBEDDED_TABLE): string {
  return `${source}.${EMBEDDED_DATABASE}.${EMBEDDED_SCHEMA}.${table}`;
}

type Json = string | number | boolean | null;
type StoredRow = Record<string, Json>;

const field = (name: string, type: string, optional: boolean, extra: Record<string, unknown> = {}) => ({ type, optional, field: name, ...extra });

interface ColumnCodec {
  schema: Record<string, unknown>;
  encode: (value: Json) => Json;
}

const days = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

function codecOf(column: EmbeddedColumn): ColumnCodec {
  const { name, type, nullable } = column;
  const same = (value: Json) => value;
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) {
    const scale = Number(decimal[2]);
    return {
      schema: field(name, 'bytes', nullable, {
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: String(scale), 'connect.decimal.precision': decimal[1] },
      }),
      encode: (v) => (v === null ? null : decimalToBase64(String(v), scale)),
    };
  }
  if (/^varbinary\((\d+|max)\)$/.test(type)) {
    // Stored as hex text (SQLite's json_object cannot hold a BLOB); Connect bytes travel as base64.
    return { schema: field(name, 'bytes', nullable), encode: (v) => (v === null ? null : Buffer.from(String(v), 'hex').toString('base64')) };
  }
  const chars = /^(n?varchar)\((\d+)\)$/.exec(type);
  if (chars) {
    const parameters = {
      '__debezium.source.column.type': chars[1].toUpperCase(),
      '__debezium.source.column.length': chars[2],
      '__debezium.source.column.name': name,
    };
    return { schema: field(name, 'string', nullable, { parameters }), encode: same };
  }
  switch (type) {
    case 'bigint':
      return { schema: field(name, 'int64', nullable), encode: same };
    case 'int':
      return { schema: field(name, 'int32', nullable), encode: same };
    case 'smallint':
      return { schema: field(name, 'int16', nullable), encode: same };
    case 'bit':
      return { schema: field(name, 'boolean', nullable), encode: (v) => (v === null ? null : Boolean(v)) };
    case 'datetime2':
      return {
        schema: field(name, 'int64', nullable, { name: 'io.debezium.time.MicroTimestamp', version: 1 }),
        encode: (v) => (v === null ? null : isoToEpochMicros(String(v))),
      };
    case 'datetimeoffset':
      return { schema: field(name, 'string', nullable, { name: 'io.debezium.time.ZonedTimestamp', version: 1 }), encode: same };
    case 'date':
      return { schema: field(name, 'int32', nullable, { name: 'io.debezium.time.Date', version: 1 }), encode: (v) => (v === null ? null : days(String(v))) };
    default:
      return { schema: field(name, 'string', nullable), encode: (v) => (v === null ? null : String(v)) };
  }
}

const sourceSchema = {
  type: 'struct',
  optional: false,
  name: 'io.shori.connector.embedded.Source',
  field: 'source',
  fields: [
    field('version', 'string', false),
    field('connector', 'string', false),
    field('name', 'string', false),
    field('ts_ms', 'int64', false),
    field('snapshot', 'string', true, {
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
      default: 'false',
    }),
    field('db', 'string', false),
    field('sequence', 'string', true),
    field('ts_us', 'int64', true),
    field('ts_ns', 'int64', true),
    field('schema', 'string', false),
    field('table', 'string', false),
    field('lsn', 'int64', false),
    field('change_lsn', 'int64', false),
    field('event_serial_no', 'int64', false),
  ],
};

/** A table schema's encoders: the schema texts are made once and each payload is spliced in. */
export interface EnvelopeCodec {
  readonly topic: string;
  readonly table: string;
  readonly key: string[];
  keyPrefix: string;
  valuePrefix: string;
  row(stored: StoredRow | null): Record<string, Json> | null;
}

const codecs = new Map<string, EnvelopeCodec>();

/**
 * Cached by the schema's content, not its id: ids are per source database, and one process may read
 * several (a source name reused in another DATA_DIR, tests) whose schema 2 of a table differ.
 * Callers keep the codec per schema id (capture-reader.ts), so the key is made once per schema.
 */
export function envelopeCodec(source: string, schema: CapturedSchema): EnvelopeCodec {
  const cacheKey = `${source}\u0000${schema.table}\u0000${schema.id}\u0000${JSON.stringify([schema.key, schema.columns])}`;
  let codec = codecs.get(cacheKey);
  if (codec !== undefined) return codec;
  const topic = embeddedTopic(source, schema.table);
  const columns = schema.columns.map((c) => ({ name: c.name, ...codecOf(c) }));
  const rowSchema = (part: 'before' | 'after') => ({
    type: 'struct',
    optional: true,
    name: `${topic}.Value`,
    field: part,
    fields: columns.map((c) => c.schema),
  });
  const keyColumns = schema.key.map((k) => columns.find((c) => c.name === k)!);
  const keySchema = { type: 'struct', optional: false, name: `${topic}.Key`, fields: keyColumns.map((c) => ({ ...c.schema, optional: false })) };
  const valueSchema = {
    type: 'struct',
    optional: false,
    name: `${topic}.Envelope`,
    version: 2,
    fields: [
      rowSchema('before'),
      rowSchema('after'),
      sourceSchema,
      field('transaction', 'struct', true, { fields: [], name: 'event.block', version: 1 }),
      field('op', 'string', false),
      field('ts_ms', 'int64', true),
      field('ts_us', 'int64', true),
      field('ts_ns', 'int64', true),
    ],
  };
  codec = {
    topic,
    table: schema.table,
    key: schema.key,
    keyPrefix: `{"schema":${JSON.stringify(keySchema)},"payload":`,
    valuePrefix: `{"schema":${JSON.stringify(valueSchema)},"payload":`,
    row(stored) {
      if (stored === null) return null;
      const out: Record<string, Json> = {};
      for (const c of columns) out[c.name] = c.encode(stored[c.name] ?? null);
      return out;
    },
  };
  if (codecs.size > 1000) codecs.clear();
  codecs.set(cacheKey, codec);
  return codec;
}

/** "1234.50" (scale 2) → base64 of the big-endian two's-complement unscaled value, as Kafka's Decimal. */
export function decimalToBase64(text: string, scale: number): string {
  const negative = text.startsWith('-');
  const [intPart, fracPart = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = `${intPart}${fracPart.padEnd(scale, '0').slice(0, scale)}`;
  let unscaled = BigInt(digits === '' ? '0' : digits);
  if (negative) unscaled = -unscaled;
  // Minimal two's-complement length with a sign bit, as BigInteger.toByteArray().
  let hex = (unscaled < 0n ? (1n << 512n) + unscaled : unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (unscaled < 0n) {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0xff && (bytes[start + 1] & 0x80) !== 0) start++;
    bytes = bytes.subarray(start);
  } else if (bytes[0] & 0x80) {
    bytes = Buffer.concat([Buffer.from([0]), bytes]);
  }
  return bytes.toString('base64');
}

/** "2026-11-24T08:00:00.123456Z" → epoch microseconds. */
export function isoToEpochMicros(iso: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!match) throw new Error(`not an ISO-8601 UTC timestamp: ${iso}`);
  const seconds = Date.parse(`${match[1]}Z`);
  const micros = Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
  return seconds * 1000 + micros;
}

export interface TableEnvelopeInput {
  codec: EnvelopeCodec;
  source: string;
  op: 'c' | 'u' | 'd' | 'r' | 't';
  before: StoredRow | null;
  after: StoredRow | null;
  /** The feed position of this record: unique and increasing per stream. */
  position: number;
  /** The change table LSN. */
  lsn: number;
  eventSerialNo: number;
  commitTsMs: number;
}

export function encodeTableKey(codec: EnvelopeCodec, row: StoredRow): Buffer {
  const encoded = codec.row(row)!;
  const key: Record<string, Json> = {};
  for (const k of codec.key) key[k] = encoded[k];
  return Buffer.from(`${codec.keyPrefix}${JSON.stringify(key)}}`);
}

export function encodeTableValue(input: TableEnvelopeInput): Buffer {
  const { codec } = input;
  const nowMs = Date.now();
  const payload = {
    before: codec.row(input.before),
    after: codec.row(input.after),
    source: {
      version: '1',
      connector: 'embedded',
      name: input.source,
      ts_ms: input.commitTsMs,
      snapshot: 'false',
      db: EMBEDDED_DATABASE,
      sequence: null,
      ts_us: input.commitTsMs * 1000,
      ts_ns: input.commitTsMs * 1_000_000,
      schema: EMBEDDED_SCHEMA,
      table: codec.table,
      lsn: input.position,
      change_lsn: input.lsn,
      event_serial_no: input.eventSerialNo,
    },
    transaction: null,
    op: input.op,
    ts_ms: nowMs,
    ts_us: nowMs * 1000,
    ts_ns: nowMs * 1_000_000,
  };
  return Buffer.from(`${codec.valuePrefix}${JSON.stringify(payload)}}`);
}

// Tickets with its built-in schema: the shorthand tests and benchmarks use.
const ticketsCodecs = new Map<string, EnvelopeCodec>();
function ticketsCodec(source: string): EnvelopeCodec {
  let codec = ticketsCodecs.get(source);
  if (codec === undefined) {
    codec = envelopeCodec(source, { id: 0, table: TICKETS.name, key: TICKETS.key, columns: TICKETS.columns });
    ticketsCodecs.set(source, codec);
  }
  return codec;
}

export interface EnvelopeInput {
  source: string;
  op: 'c' | 'u' | 'd' | 'r';
  before: TicketRow | null;
  after: TicketRow | null;
  position: number;
  lsn: number;
  eventSerialNo: number;
  commitTsMs: number;
}

/** The key of a Tickets change (built-in schema). */
export function encodeKey(source: string, ticketId: number): Buffer {
  return encodeTableKey(ticketsCodec(source), { TicketID: ticketId });
}

/** The value of a Tickets change (built-in schema). */
export function encodeValue(input: EnvelopeInput): Buffer {
  const { before, after, ...rest } = input;
  return encodeTableValue({
    ...rest,
    codec: ticketsCodec(input.source),
    before: before as unknown as StoredRow | null,
    after: after as unknown as StoredRow | null,
  });
}
