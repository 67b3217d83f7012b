import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectSchema } from '../../../sources/debezium/connect-schema.ts';
import { CHAR_VARCHAR_METADATA, columnOf, columnsOf, deltaFieldOf, deltaTypeOf, keyColumnsOf } from './column-types.ts';

const f = (type: string, name?: string, parameters?: Record<string, string>): ConnectSchema => ({
  type,
  optional: true,
  field: 'c',
  ...(name ? { name } : {}),
  ...(parameters ? { parameters } : {}),
});

test('every logical type the decoder knows maps to a Delta type', () => {
  const cases: Array<[ConnectSchema, string]> = [
    [f('boolean'), 'boolean'],
    [f('int8'), 'byte'],
    [f('int16'), 'short'],
    [f('int32'), 'integer'],
    [f('int64'), 'long'],
    [f('float32'), 'float'],
    [f('float64'), 'double'],
    [f('string'), 'string'],
    [f('bytes'), 'binary'],
    [f('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '2', 'connect.decimal.precision': '10' }), 'decimal(10,2)'],
    [f('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '4' }), 'decimal(38,4)'],
    [f('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '2', 'connect.decimal.precision': '65' }), 'string'],
    [f('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '5', 'connect.decimal.precision': '3' }), 'decimal(5,5)'],
    [f('struct', 'io.debezium.data.VariableScaleDecimal'), 'string'],
    [f('int32', 'io.debezium.time.Date'), 'date'],
    [f('int32', 'org.apache.kafka.connect.data.Date'), 'date'],
    [f('string', 'io.debezium.time.IsoDate'), 'date'],
    [f('int64', 'io.debezium.time.Timestamp'), 'timestamp_ntz'],
    [f('int64', 'io.debezium.time.MicroTimestamp'), 'timestamp_ntz'],
    [f('int64', 'io.debezium.time.NanoTimestamp'), 'timestamp_ntz'],
    [f('int64', 'org.apache.kafka.connect.data.Timestamp'), 'timestamp_ntz'],
    [f('string', 'io.debezium.time.IsoTimestamp'), 'timestamp_ntz'],
    [f('string', 'io.debezium.time.ZonedTimestamp'), 'timestamp'],
    [f('int32', 'io.debezium.time.Time'), 'string'],
    [f('int64', 'io.debezium.time.MicroTime'), 'string'],
    [f('int64', 'io.debezium.time.NanoTime'), 'string'],
    [f('string', 'io.debezium.time.ZonedTime'), 'string'],
    [f('string', 'io.debezium.time.IsoTime'), 'string'],
    [f('int32', 'org.apache.kafka.connect.data.Time'), 'string'],
    [f('int32', 'io.debezium.time.Year'), 'integer'],
    [f('int64', 'io.debezium.time.MicroDuration'), 'long'],
    [f('string', 'io.debezium.time.Interval'), 'string'],
    [f('string', 'io.debezium.data.Uuid'), 'string'],
    [f('string', 'io.debezium.data.Json'), 'string'],
    [f('string', 'io.debezium.data.Xml'), 'string'],
    [f('string', 'io.debezium.data.Enum'), 'string'],
    [f('string', 'io.debezium.data.EnumSet'), 'string'],
    [f('bytes', 'io.debezium.data.Bits'), 'binary'],
    [f('struct', 'io.debezium.data.geometry.Geometry'), 'string'],
    [f('array'), 'string'],
    [f('map'), 'string'],
  ];
  for (const [schema, expected] of cases) assert.equal(deltaTypeOf(schema), expected, `${schema.name ?? schema.type}`);
});

test('zoned and local timestamps stay distinct', () => {
  assert.notEqual(deltaTypeOf(f('string', 'io.debezium.time.ZonedTimestamp')), deltaTypeOf(f('int64', 'io.debezium.time.MicroTimestamp')));
});

test('varchar and char lengths come from propagated source types', () => {
  const varchar = columnOf({
    ...f('string', undefined, { '__debezium.source.column.type': 'NVARCHAR', '__debezium.source.column.length': '200' }),
    field: 'Name',
  });
  assert.deepEqual(varchar, { name: 'Name', type: 'string', connect: 'string', char: { kind: 'varchar', length: 200 } });
  const bpchar = columnOf({ ...f('string', undefined, { '__debezium.source.column.type': 'BPCHAR', '__debezium.source.column.length': '3' }), field: 'Code' });
  assert.deepEqual(bpchar.char, { kind: 'char', length: 3 });
  const text = columnOf({ ...f('string', undefined, { '__debezium.source.column.type': 'TEXT', '__debezium.source.column.length': '65535' }), field: 'Body' });
  assert.equal(text.char, undefined);
  const max = columnOf({
    ...f('string', undefined, { '__debezium.source.column.type': 'NVARCHAR', '__debezium.source.column.length': '2147483647' }),
    field: 'Big',
  });
  assert.equal(max.char, undefined);
  assert.deepEqual(deltaFieldOf(varchar, false).metadata?.[CHAR_VARCHAR_METADATA], 'varchar(200)');
});

test('columns and key columns of a Debezium row and key schema', () => {
  const row: ConnectSchema = {
    type: 'struct',
    fields: [
      { type: 'int64', optional: false, field: 'TicketID' },
      { type: 'string', optional: true, field: 'Title' },
      { type: 'int64', optional: false, field: 'CreatedAt', name: 'io.debezium.time.MicroTimestamp' },
    ],
  };
  assert.deepEqual(
    columnsOf(row).map((c) => `${c.name}:${c.type}:${c.connect}`),
    ['TicketID:long:int64', 'Title:string:string', 'CreatedAt:timestamp_ntz:io.debezium.time.MicroTimestamp'],
  );
  assert.deepEqual(keyColumnsOf({ type: 'struct', fields: [{ type: 'int64', field: 'TicketID' }] }), ['TicketID']);
  assert.deepEqual(keyColumnsOf(null), []);
  const keyField = deltaFieldOf(columnsOf(row)[0], true);
  assert.equal(keyField.nullable, false);
  assert.equal(deltaFieldOf(columnsOf(row)[1], false).nullable, true);
});
