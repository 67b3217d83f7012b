// Kafka Connect schemas as JsonConverter writes them (schemas.enable=true) and the envelope that
// carries them. Wire format: a message is `{"schema": S, "payload": P}` where S is
// `{"type": "struct"|"array"|"map"|"int8".."int64"|"float32"|"float64"|"boolean"|"string"|"bytes",
//   "optional", "name"?, "version"?, "parameters"?: {string: string}, "default"?, "field"? (inside a
// struct), "fields"? (struct), "items"? (array), "keys"/"values"? (map)}`. With schemas.enable=false
// the message is the bare payload.
import { ShoriError } from '../../errors.ts';

export interface ConnectSchema {
  type: string;
  optional?: boolean;
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  field?: string;
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  keys?: ConnectSchema;
  values?: ConnectSchema;
  default?: unknown;
}

/** The error every decoding step throws; decode.ts turns it into a DecodeFailure. */
export function decodeError(path: string, message: string): ShoriError {
  return new ShoriError('SHORI_DECODE_FAILED', path === '' ? message : `field ${path}: ${message}`, { context: path === '' ? {} : { path } });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Checks the shape of a schema node (recursively) so later code can trust it. */
export function asConnectSchema(value: unknown, path: string): ConnectSchema {
  if (!isPlainObject(value) || typeof value.type !== 'string') throw decodeError(path, 'schema without a type');
  if (value.name !== undefined && typeof value.name !== 'string') throw decodeError(path, 'schema name is not a string');
  if (value.parameters !== undefined && value.parameters !== null && !isPlainObject(value.parameters)) {
    throw decodeError(path, 'schema parameters are not an object');
  }
  if (value.type === 'struct') {
    if (!Array.isArray(value.fields)) throw decodeError(path, 'struct schema without fields');
    value.fields.forEach((f, i) => {
      const child = asConnectSchema(f, `${path}.fields[${i}]`);
      if (typeof child.field !== 'string') throw decodeError(`${path}.fields[${i}]`, 'struct field without a name');
    });
  }
  if (value.type === 'array') asConnectSchema(value.items, `${path}.items`);
  if (value.type === 'map') {
    asConnectSchema(value.keys, `${path}.keys`);
    asConnectSchema(value.values, `${path}.values`);
  }
  return value as unknown as ConnectSchema;
}

export function fieldSchema(struct: ConnectSchema | null, name: string): ConnectSchema | null {
  return struct?.fields?.find((f) => f.field === name) ?? null;
}

export interface Unwrapped {
  schema: ConnectSchema | null;
  payload: unknown;
}

/** `{schema, payload}` (exactly those two keys) → both; anything else is a bare payload. */
export function unwrapEnvelope(message: unknown, path: string): Unwrapped {
  if (isPlainObject(message)) {
    const keys = Object.keys(message);
    if (keys.length === 2 && 'schema' in message && 'payload' in message) {
      const schema = message.schema === null ? null : asConnectSchema(message.schema, `${path}.schema`);
      return { schema, payload: message.payload };
    }
  }
  return { schema: null, payload: message };
}
