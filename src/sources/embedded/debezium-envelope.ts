// Writes embedded changes as the messages Debezium's SQL Server connector puts on Kafka with the
// JsonConverter (schemas.enable=true): key {TicketID}, value {before, after, source, transaction, op,
// ts_ms, ts_us, ts_ns}. DECIMAL(10,2) travels as base64 two's-complement bytes with scale 2 and the
// DATETIME2(6) columns as io.debezium.time.MicroTimestamp, so the embedded default exercises exactly
// the decoding path real SQL Server messages take.
import type { TicketRow } from './tickets-schema.ts';

export const EMBEDDED_DATABASE = 'TicketsDb';
export const EMBEDDED_SCHEMA = 'dbo';
export const EMBEDDED_TABLE = 'Tickets';

export function embeddedTopic(source: string): string {
  return `${source}.${EMBEDDED_DATABASE}.${EMBEDDED_SCHEMA}.${EMBEDDED_TABLE}`;
}

const field = (name: string, type: string, optional: boolean, extra: Record<string, unknown> = {}) => ({ type, optional, field: name, ...extra });

function rowSchema(topic: string, fieldName: 'before' | 'after') {
  const micro = { name: 'io.debezium.time.MicroTimestamp', version: 1 };
  return {
    type: 'struct',
    optional: true,
    name: `${topic}.Value`,
    field: fieldName,
    fields: [
      field('TicketID', 'int64', false),
      field('Title', 'string', false),
      field('Description', 'string', true),
      field('Status', 'string', false),
      field('Priority', 'string', false),
      field('Category', 'string', false),
      field('CustomerID', 'int64', false),
      field('AssignedTo', 'string', true),
      field('EstimatedCost', 'bytes', false, {
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: '2', 'connect.decimal.precision': '10' },
      }),
      field('CreatedAt', 'int64', false, micro),
      field('UpdatedAt', 'int64', false, micro),
      field('ResolvedAt', 'int64', true, micro),
    ],
  };
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
    field('snapshot', 'string', true, { name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' }, default: 'false' }),
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

// The schema part of every message of a topic is the same text: serialise it once and splice each
// payload in, as the JsonConverter's output is `{"schema":...,"payload":...}`.
const schemaCache = new Map<string, { key: unknown; value: unknown; keyPrefix: string; valuePrefix: string }>();
function schemasFor(topic: string) {
  let cached = schemaCache.get(topic);
  if (!cached) {
    cached = {
      key: { type: 'struct', optional: false, name: `${topic}.Key`, fields: [field('TicketID', 'int64', false)] },
      value: {
        type: 'struct',
        optional: false,
        name: `${topic}.Envelope`,
        version: 2,
        fields: [rowSchema(topic, 'before'), rowSchema(topic, 'after'), sourceSchema, field('transaction', 'struct', true, { fields: [], name: 'event.block', version: 1 }), field('op', 'string', false), field('ts_ms', 'int64', true), field('ts_us', 'int64', true), field('ts_ns', 'int64', true)],
      },
      keyPrefix: '',
      valuePrefix: '',
    };
    cached.keyPrefix = `{"schema":${JSON.stringify(cached.key)},"payload":`;
    cached.valuePrefix = `{"schema":${JSON.stringify(cached.value)},"payload":`;
    schemaCache.set(topic, cached);
  }
  return cached;
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

function rowPayload(row: TicketRow | null) {
  if (!row) return null;
  return {
    TicketID: row.TicketID,
    Title: row.Title,
    Description: row.Description,
    Status: row.Status,
    Priority: row.Priority,
    Category: row.Category,
    CustomerID: row.CustomerID,
    AssignedTo: row.AssignedTo,
    EstimatedCost: decimalToBase64(row.EstimatedCost, 2),
    CreatedAt: isoToEpochMicros(row.CreatedAt),
    UpdatedAt: isoToEpochMicros(row.UpdatedAt),
    ResolvedAt: row.ResolvedAt === null ? null : isoToEpochMicros(row.ResolvedAt),
  };
}

export interface EnvelopeInput {
  source: string;
  op: 'c' | 'u' | 'd' | 'r';
  before: TicketRow | null;
  after: TicketRow | null;
  /** The feed position of this record: unique and increasing per source. */
  position: number;
  /** The change table LSN. */
  lsn: number;
  eventSerialNo: number;
  commitTsMs: number;
}

export function encodeKey(source: string, ticketId: number): Buffer {
  const topic = embeddedTopic(source);
  return Buffer.from(`${schemasFor(topic).keyPrefix}{"TicketID":${ticketId}}}`);
}

export function encodeValue(input: EnvelopeInput): Buffer {
  const topic = embeddedTopic(input.source);
  const nowMs = Date.now();
  const payload = {
    before: rowPayload(input.before),
    after: rowPayload(input.after),
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
      table: EMBEDDED_TABLE,
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
  return Buffer.from(`${schemasFor(topic).valuePrefix}${JSON.stringify(payload)}}`);
}
