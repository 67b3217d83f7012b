// decodeMessage: one Kafka record (key/value bytes written by Debezium through JsonConverter, with or
// without the `{schema, payload}` envelope) → a DecodedMessage, or a DecodeFailure with where it
// went wrong. Never throws: a poison message must be reportable, not crash the worker.
//
// Which kind a value is, by the schema name when there is one, else by shape:
//   null value / null payload               → tombstone (with the decoded key)
//   has `op`                                → change (c/u/d/r/t), via `source` + before/after
//   `status` BEGIN|END + `id`               → transaction (TransactionMetadataValue)
//   `tableChanges`, or `ddl` + `databaseName` → schema_change (payload passed through)
//   only `ts_ms` / Heartbeat schema / topic `__debezium-heartbeat.*` → heartbeat
//   anything else (e.g. an envelope without `op`) → failure
//
// Speed: schemas are compiled once and cached by their exact text (compiled-schema.ts), so a
// message whose schema was seen before costs one parse of its payload; numbers are parsed exactly
// without a per-value reviver (parseExactJson in json.ts).
import type { ChangeEvent, ChangeOp, CdcField, CdcRow, DecodeResult, DecodedMessage } from './types.ts';
import { isShoriError } from '../../errors.ts';
import { type ConnectSchema, decodeError, isPlainObject, unwrapEnvelope } from './connect-schema.ts';
import { type CompiledSchema, SchemaCache, compileSchema, splitEnvelopeText } from './compiled-schema.ts';
import { parseExactJson, parseLosslessJson, stringifyLosslessJson } from './json.ts';
import { type ColumnHintLookup, decodeRow, decodeSchemaless } from './logical-types.ts';
import { decodeSourceInfo } from './source-info.ts';
import { orderKey } from './order.ts';

export { decodeJsonValue } from './json.ts';

export interface DecodeContext {
  topic?: string;
  partition?: number;
  offset?: number;
  /**
   * Scales of decimal columns for messages WITHOUT a schema, keyed `<table>.<column>` or
   * `<column>` (the qualified key wins). Lets "BGM=" (precise), 1.123 (double) and "1.123" (string)
   * all decode to the exact "1.123". Ignored when the message carries its schema.
   */
  decimalScales?: Record<string, number>;
  /**
   * Logical types of columns for messages WITHOUT a schema, keyed like decimalScales, e.g.
   * `{ "type_time.val_datetime2": "io.debezium.time.NanoTimestamp" }`: the value is then decoded as
   * if the schema had said so. Ignored when the message carries its schema.
   */
  logicalTypes?: Record<string, string>;
}

const OPS: ReadonlySet<string> = new Set(['c', 'u', 'd', 'r', 't']);
const HEARTBEAT_SCHEMA = 'io.debezium.connector.common.Heartbeat';
const TRANSACTION_SCHEMA = 'io.debezium.connector.common.TransactionMetadataValue';

/** Compiled schemas of every message decoded in this process, by exact schema text. */
const schemaCache = new SchemaCache();

/** Forgets every compiled schema (tests; a long-lived process needs no calls). */
export function clearSchemaCache(): void {
  schemaCache.clear();
}

/** How many compiled schemas are cached (tests, metrics). */
export function schemaCacheSize(): number {
  return schemaCache.size;
}

interface Part {
  schema: CompiledSchema | null;
  payload: unknown;
}

function parseWhole(text: string, part: 'key' | 'value'): unknown {
  try {
    return parseExactJson(text);
  } catch {
    try {
      parseLosslessJson(text); // the error message about the text as given
    } catch (error) {
      throw decodeError('', `${part} is not JSON: ${(error as Error).message}`);
    }
    throw decodeError('', `${part} is not JSON`);
  }
}

/** A key or value: its schema (compiled, cached) and payload, or the bare payload. */
function parsePart(input: Buffer | string, part: 'key' | 'value'): Part {
  if (typeof input !== 'string') {
    // Bytes as received: a cached schema is compared as bytes and only the payload is decoded.
    const hit = schemaCache.findBytes(input);
    if (hit !== null) {
      try {
        return { schema: hit.compiled, payload: parseExactJson(hit.payloadText) };
      } catch {
        // Not a well-formed envelope after all: the general path says what is wrong.
      }
    }
  }
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const hit = typeof input === 'string' ? schemaCache.find(text) : null;
  if (hit !== null) {
    try {
      return { schema: hit.compiled, payload: parseExactJson(hit.payloadText) };
    } catch {
      // Not a well-formed envelope after all: the general path says what is wrong.
    }
  }
  const message = parseWhole(text, part);
  const { schema, payload } = unwrapEnvelope(message, part);
  if (schema === null) return { schema: null, payload };
  const compiled = compileSchema(schema);
  const split = splitEnvelopeText(text);
  if (split !== null && stringifyLosslessJson(schema) === split.schemaText) schemaCache.set(split.schemaText, compiled);
  return { schema: compiled, payload };
}

function isEmpty(input: Buffer | string | null): input is null {
  return input === null || input === undefined || input.length === 0;
}

function hintLookup(context: DecodeContext, table: string | null): ColumnHintLookup {
  const scales = context.decimalScales ?? {};
  const logical = context.logicalTypes ?? {};
  for (const [column, scale] of Object.entries(scales)) {
    if (!Number.isInteger(scale)) throw decodeError('', `decimalScales[${JSON.stringify(column)}] is not an integer`);
  }
  const find = <T>(map: Record<string, T>, column: string): T | undefined =>
    (table !== null && Object.hasOwn(map, `${table}.${column}`) ? map[`${table}.${column}`] : undefined) ??
    (Object.hasOwn(map, column) ? map[column] : undefined);
  return (column) => {
    const scale = find(scales, column);
    if (scale !== undefined) return { scale };
    const name = find(logical, column);
    return name === undefined ? undefined : { logical: name };
  };
}

interface DecodedKey {
  row: CdcRow | null;
  schema: ConnectSchema | null;
}

function decodeKey(key: Buffer | string | null, lookup: ColumnHintLookup): DecodedKey {
  if (isEmpty(key)) return { row: null, schema: null };
  const { schema, payload } = parsePart(key, 'key');
  if (payload === null) return { row: null, schema: null };
  if (!isPlainObject(payload)) throw decodeError('key', 'key is not a struct');
  if (schema === null) return { row: decodeRow(payload, null, 'key', lookup), schema: null };
  return { row: schema.asRow('key')(payload), schema: schema.schema.type === 'struct' ? schema.schema : null };
}

function rowOf(payload: Record<string, unknown>, part: 'before' | 'after', envelope: CompiledSchema | null, lookup: ColumnHintLookup): CdcRow | null {
  const value = payload[part];
  if (value === null || value === undefined) return null;
  if (!isPlainObject(value)) throw decodeError(part, 'expects a struct');
  if (envelope === null) return decodeRow(value, null, part, lookup);
  const decoder = envelope[part];
  if (decoder === null) throw decodeError(part, 'the envelope schema has no struct for it');
  return decoder(value);
}

function decodeChange(payload: Record<string, unknown>, envelope: CompiledSchema | null, decodedKey: DecodedKey, lookup: ColumnHintLookup): ChangeEvent {
  const key = decodedKey.row;
  const op = payload.op;
  if (typeof op !== 'string' || !OPS.has(op)) throw decodeError('op', `unknown op ${JSON.stringify(op)}`);
  const source = decodeSourceInfo(payload.source);
  const before = rowOf(payload, 'before', envelope, lookup);
  const after = rowOf(payload, 'after', envelope, lookup);
  if ((op === 'c' || op === 'r' || op === 'u') && after === null) throw decodeError('after', `op ${op} without an after row`);
  if (op === 'd' && after !== null) throw decodeError('after', 'delete with an after row');
  if (op === 't' && (before !== null || after !== null)) throw decodeError('', 'truncate with a row');
  const tsMs = payload.ts_ms;
  if (tsMs !== undefined && tsMs !== null && !Number.isInteger(tsMs)) throw decodeError('ts_ms', 'expects an integer');
  const transaction = payload.transaction;
  if (transaction !== undefined && transaction !== null && !(isPlainObject(transaction) && typeof transaction.id === 'string')) {
    throw decodeError('transaction', 'expects a block with a string id');
  }
  return {
    kind: 'change',
    op: op as ChangeOp,
    key,
    before,
    after,
    source,
    tsMs: typeof tsMs === 'number' ? tsMs : null,
    seq: orderKey(source.connector, payload.source as Record<string, unknown>),
    // Shared by every message of the schema, and frozen: read it, do not change it.
    fields: (envelope?.fields ?? null) as CdcField[] | null,
    rowSchema: envelope?.row ?? null,
    keySchema: decodedKey.schema,
    transactionId: isPlainObject(transaction) ? (transaction.id as string) : null,
  };
}

function classify(
  payload: Record<string, unknown>,
  schema: CompiledSchema | null,
  key: DecodedKey,
  lookup: ColumnHintLookup,
  topic: string | undefined,
): DecodedMessage {
  const name = schema?.name ?? '';
  if ('op' in payload) return decodeChange(payload, schema, key, lookup);
  if (name === TRANSACTION_SCHEMA || ((payload.status === 'BEGIN' || payload.status === 'END') && 'id' in payload)) {
    if (payload.status !== 'BEGIN' && payload.status !== 'END') throw decodeError('status', `unknown transaction status ${JSON.stringify(payload.status)}`);
    if (typeof payload.id !== 'string') throw decodeError('id', 'transaction id is not a string');
    const count = payload.event_count ?? null;
    if (count !== null && !Number.isInteger(count)) throw decodeError('event_count', 'expects an integer');
    return { kind: 'transaction', status: payload.status, id: payload.id, eventCount: count as number | null };
  }
  if (name.endsWith('SchemaChangeValue') || 'tableChanges' in payload || ('ddl' in payload && 'databaseName' in payload)) {
    return { kind: 'schema_change', payload: decodeSchemaless(payload) };
  }
  const keys = Object.keys(payload);
  if (name === HEARTBEAT_SCHEMA || topic?.startsWith('__debezium-heartbeat') === true || (keys.length === 1 && keys[0] === 'ts_ms')) {
    const tsMs = payload.ts_ms ?? null;
    if (tsMs !== null && !Number.isInteger(tsMs)) throw decodeError('ts_ms', 'expects an integer');
    return { kind: 'heartbeat', tsMs: tsMs as number | null };
  }
  if ('source' in payload || 'before' in payload || 'after' in payload) throw decodeError('op', 'change envelope without op');
  throw decodeError('', `unrecognised message (fields: ${keys.join(', ')})`);
}

export function decodeMessage(key: Buffer | string | null, value: Buffer | string | null, context: DecodeContext = {}): DecodeResult {
  const where: Record<string, unknown> = {};
  if (context.topic !== undefined) where.topic = context.topic;
  if (context.partition !== undefined) where.partition = context.partition;
  if (context.offset !== undefined) where.offset = context.offset;
  try {
    if (isEmpty(value)) return { ok: true, value: { kind: 'tombstone', key: decodeKey(key, hintLookup(context, null)).row } };
    const { schema, payload } = parsePart(value, 'value');
    const source = isPlainObject(payload) && isPlainObject(payload.source) ? payload.source : null;
    const lookup = hintLookup(context, typeof source?.table === 'string' ? source.table : null);
    const decodedKey = decodeKey(key, lookup);
    if (payload === null) return { ok: true, value: { kind: 'tombstone', key: decodedKey.row } };
    if (!isPlainObject(payload)) throw decodeError('', 'value is not a JSON object');
    return { ok: true, value: classify(payload, schema, decodedKey, lookup, context.topic) };
  } catch (error) {
    if (isShoriError(error, 'SHORI_DECODE_FAILED')) {
      return { ok: false, error: { message: error.message, context: { ...where, ...error.context } } };
    }
    // A bug of ours, not the message's: still a value, so the caller can report it.
    return { ok: false, error: { message: `decoder failed: ${(error as Error)?.message ?? String(error)}`, context: where } };
  }
}
