import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearSchemaCache, decodeMessage, schemaCacheSize, type DecodeContext } from './decode.ts';
import { JsonNumberText, parseLosslessJson, stringifyLosslessJson } from './json.ts';
import { allFixtureNames, FIXTURES_SKIP, loadFixture } from './test-fixtures.ts';
import type { CdcField, ChangeEvent, DecodedMessage, DecodeFailure } from './types.ts';

function decodeFixture(name: string, context: DecodeContext = {}): DecodedMessage {
  const f = loadFixture(name);
  const result = decodeMessage(f.key, f.value, context);
  if (!result.ok) assert.fail(`${name}: ${result.error.message} ${JSON.stringify(result.error.context)}`);
  return result.value;
}

function change(name: string, context: DecodeContext = {}): ChangeEvent {
  const value = decodeFixture(name, context);
  assert.equal(value.kind, 'change', name);
  return value as ChangeEvent;
}

function failure(key: string | null, value: string | null, context: DecodeContext = {}): DecodeFailure {
  const result = decodeMessage(key, value, context);
  assert.equal(result.ok, false, `expected a failure for ${value}`);
  return (result as { ok: false; error: DecodeFailure }).error;
}

/** A SQL Server envelope with schemas, one column per [schema, value]. */
function sqlServerMessage(columns: Record<string, [Record<string, unknown>, unknown]>, op = 'c'): string {
  const fields = Object.entries(columns).map(([field, [schema]]) => ({ optional: true, ...schema, field }));
  const row = Object.fromEntries(Object.entries(columns).map(([field, [, value]]) => [field, value]));
  return stringifyLosslessJson({
    schema: {
      type: 'struct',
      name: 'server1.testDB.dbo.t.Envelope',
      fields: [
        { type: 'struct', fields, optional: true, field: 'before' },
        { type: 'struct', fields, optional: true, field: 'after' },
        { type: 'struct', fields: [], optional: false, field: 'source' },
        { type: 'string', optional: false, field: 'op' },
      ],
    },
    payload: {
      before: op === 'd' ? row : null,
      after: op === 'd' ? null : row,
      source: {
        version: '3.6.1.Final',
        connector: 'sqlserver',
        name: 'server1',
        ts_ms: 1,
        snapshot: 'false',
        db: 'testDB',
        sequence: null,
        schema: 'dbo',
        table: 't',
        change_lsn: '00000027:00000758:0003',
        commit_lsn: '00000027:00000758:0005',
        event_serial_no: 1,
      },
      transaction: null,
      op,
      ts_ms: 2,
    },
  });
}

test('decodes every fixture file to the kind its name says', { skip: FIXTURES_SKIP }, () => {
  const names = allFixtureNames();
  assert.ok(names.length >= 60, `found ${names.length} fixtures`);
  for (const name of names) {
    const f = loadFixture(name);
    const expected =
      !f.hasValue || f.value === null
        ? 'tombstone'
        : /transaction-(begin|end)/.test(name)
          ? 'transaction'
          : name.includes('heartbeat')
            ? 'heartbeat'
            : name.includes('schema-change-value')
              ? 'schema_change'
              : 'change';
    assert.equal(decodeFixture(name).kind, expected, name);
  }
});

test('real SQL Server 1.6 delete: MONEY bytes, Timestamp, key and source', { skip: FIXTURES_SKIP }, () => {
  const event = change('sqlserver/real-delete-money-v1.6-schema-payload.json');
  assert.equal(event.op, 'd');
  assert.deepEqual(event.key, { empno: 11 });
  assert.equal(event.after, null);
  assert.deepEqual(event.before, {
    empno: 11,
    fname: 'Yossi',
    lname: 'Mague',
    job: 'PFE',
    mgr: 1,
    hiredate: '2019-07-09T00:00:00.000Z',
    sal: '200000.0000',
    comm: '10.0000',
    dept: 3,
  });
  assert.deepEqual(event.source, {
    connector: 'sqlserver',
    name: 'redislabs',
    db: 'RedisConnect',
    schema: 'dbo',
    table: 'emp',
    tsMs: 1637859764960,
    snapshot: false,
    position: { sequence: null, change_lsn: '0000003a:00002f50:0002', commit_lsn: '0000003a:00002f50:0005', event_serial_no: 1 },
  });
  assert.equal(event.tsMs, 1637859769370);
  assert.equal(event.transactionId, null);
  assert.deepEqual(
    event.fields?.find((f) => f.name === 'sal'),
    { name: 'sal', type: { kind: 'decimal', precision: 19, scale: 4 }, optional: true },
  );
  assert.deepEqual(event.fields?.find((f) => f.name === 'hiredate')?.type, { kind: 'timestamp' });
});

test('decimal.handling.mode precise/double/string with schemas', { skip: FIXTURES_SKIP }, () => {
  const precise = change('sqlserver/v3-types-decimal-precise-schema-payload.json').after;
  assert.deepEqual(precise, {
    id: 0,
    val_decimal: '1.123',
    val_numeric: '2',
    val_float: 3.323,
    val_real: 4.323,
    val_smallmoney: '5.3230',
    val_money: '6.3230',
  });
  const fields = change('sqlserver/v3-types-decimal-precise-schema-payload.json').fields;
  assert.deepEqual(
    fields?.map((f) => f.type),
    [
      { kind: 'int', bits: 32 },
      { kind: 'decimal', precision: 6, scale: 3 },
      { kind: 'decimal', precision: 18, scale: 0 },
      { kind: 'float', bits: 64 },
      { kind: 'float', bits: 32 },
      { kind: 'decimal', precision: 10, scale: 4 },
      { kind: 'decimal', precision: 19, scale: 4 },
    ],
  );
  assert.deepEqual(change('sqlserver/v3-types-decimal-double-schema-payload.json').after, {
    id: 0,
    val_decimal: 1.123,
    val_numeric: 2,
    val_float: 3.323,
    val_real: 4.323,
    val_smallmoney: 5.323,
    val_money: 6.323,
  });
  assert.deepEqual(change('sqlserver/v3-types-decimal-string-schema-payload.json').after, {
    id: 0,
    val_decimal: '1.123',
    val_numeric: '2',
    val_float: 3.323,
    val_real: 4.323,
    val_smallmoney: '5.3230',
    val_money: '6.3230',
  });
});

const FP_SCALES = { val_decimal: 3, val_numeric: 0, val_smallmoney: 4, val_money: 4 };
const EXACT_FP = { id: 0, val_decimal: '1.123', val_numeric: '2', val_float: 3.323, val_real: 4.323, val_smallmoney: '5.3230', val_money: '6.3230' };

test('schemaless decimals: raw without a scale, exact with decimalScales in every handling mode', { skip: FIXTURES_SKIP }, () => {
  assert.equal(change('sqlserver/v3-types-decimal-precise-no-schema.json').after?.val_money, 'APb+');
  for (const mode of ['precise', 'double', 'string']) {
    const after = change(`sqlserver/v3-types-decimal-${mode}-no-schema.json`, { decimalScales: FP_SCALES }).after;
    assert.deepEqual(after, EXACT_FP, mode);
  }
  // a table-qualified scale wins over the bare column name
  const after = change('sqlserver/v3-types-decimal-string-no-schema.json', { decimalScales: { val_money: 2, 'type_fp.val_money': 5 } }).after;
  assert.equal(after?.val_money, '6.32300');
});

test('temporal types, adaptive precision mode', { skip: FIXTURES_SKIP }, () => {
  const event = change('sqlserver/v3-types-temporal-adaptive-schema-payload.json');
  assert.deepEqual(event.after, {
    id: 0,
    val_date: '2018-07-13',
    val_time_p2: '10:23:45.680',
    val_time: '10:23:45.678900',
    val_time_p7: '10:23:45.678901200',
    val_datetime2: '2018-07-13T11:23:45.340000000Z',
    val_datetimeoffset: '2018-07-13T01:23:45.456Z',
    val_datetime: '2018-07-13T13:23:45.780Z',
    val_smalldatetime: '2018-07-13T14:24:00.000Z',
    val_date_min: null,
    val_date_max: null,
    val_time_p7_edge: null,
    val_datetime2_edge: null,
    val_datetimeoffset_edge: null,
  });
  const types = Object.fromEntries(event.fields!.map((f) => [f.name, f.type.kind]));
  assert.equal(types.val_date, 'date');
  assert.equal(types.val_time_p7, 'time');
  assert.equal(types.val_datetimeoffset, 'timestamp');
});

test('temporal types, connect precision mode', { skip: FIXTURES_SKIP }, () => {
  const after = change('sqlserver/v3-types-temporal-connect-schema-payload.json').after;
  assert.equal(after?.val_date, '2018-07-13');
  assert.equal(after?.val_time_p2, '10:23:45.680');
  assert.equal(after?.val_time_p7, '10:23:45.678');
  assert.equal(after?.val_datetime2, '2018-07-13T11:23:45.340Z');
  assert.equal(after?.val_datetimeoffset, '2018-07-13T01:23:45.456Z');
});

test('int/bit, strings, uniqueidentifier and xml', { skip: FIXTURES_SKIP }, () => {
  const ints = change('sqlserver/v3-types-int-bit-schema-payload.json');
  assert.deepEqual(ints.after, { id: 0, val_bit: true, val_tinyint: 22, val_smallint: 333, val_int: 4444, val_bigint: 55555 });
  assert.deepEqual(
    ints.fields?.map((f) => f.type),
    [
      { kind: 'int', bits: 32 },
      { kind: 'boolean' },
      { kind: 'int', bits: 16 },
      { kind: 'int', bits: 16 },
      { kind: 'int', bits: 32 },
      { kind: 'int', bits: 64 },
    ],
  );
  assert.deepEqual(change('sqlserver/v3-types-string-nvarchar-schema-payload.json').after, {
    id: 0,
    val_char: 'cc ',
    val_varchar: 'vcc',
    val_text: 'tc',
    val_nchar: 'cč ',
    val_nvarchar: 'vcč',
    val_ntext: 'tč',
  });
  const uuid = change('sqlserver/v3-types-uniqueidentifier-schema-payload.json');
  assert.deepEqual(uuid.after, { id: 0, val_uuid: '6F9619FF-8B86-D011-B42D-00C04FC964FF', val_uuid_default: null });
  const xml = change('sqlserver/v3-types-xml-schema-payload.json');
  assert.equal(xml.after?.val_xml, '<a>b</a>');
  assert.deepEqual(xml.fields?.[1], { name: 'val_xml', type: { kind: 'string' }, optional: true });
});

const TEMPORAL_TYPES = {
  val_date: 'io.debezium.time.Date',
  val_time_p2: 'io.debezium.time.Time',
  val_time: 'io.debezium.time.MicroTime',
  val_time_p7: 'io.debezium.time.NanoTime',
  val_datetime2: 'io.debezium.time.NanoTimestamp',
  val_datetimeoffset: 'io.debezium.time.ZonedTimestamp',
  val_datetime: 'io.debezium.time.Timestamp',
  val_smalldatetime: 'io.debezium.time.Timestamp',
};
const CONNECT_TYPES = {
  val_date: 'org.apache.kafka.connect.data.Date',
  val_time_p2: 'org.apache.kafka.connect.data.Time',
  val_time: 'org.apache.kafka.connect.data.Time',
  val_time_p7: 'org.apache.kafka.connect.data.Time',
  val_datetime2: 'org.apache.kafka.connect.data.Timestamp',
  val_datetimeoffset: 'io.debezium.time.ZonedTimestamp',
  val_datetime: 'org.apache.kafka.connect.data.Timestamp',
  val_smalldatetime: 'org.apache.kafka.connect.data.Timestamp',
};
const SCHEMALESS_HINTS: Record<string, DecodeContext> = {
  'v3-types-decimal-precise': { decimalScales: FP_SCALES },
  'v3-types-temporal-adaptive': { logicalTypes: TEMPORAL_TYPES },
  'v3-types-temporal-connect': { logicalTypes: CONNECT_TYPES },
};

test('schema and schemaless variants of the same event decode to equal messages', { skip: FIXTURES_SKIP }, () => {
  const pairs = allFixtureNames()
    .filter((n) => n.endsWith('-schema-payload.json'))
    .map((n) => [n, n.replace('-schema-payload.json', '-no-schema.json')])
    .filter(([, bare]) => allFixtureNames().includes(bare));
  assert.ok(pairs.length >= 15, `found ${pairs.length} pairs`);
  for (const [withSchema, bare] of pairs) {
    const stem = bare.replace(/^.*\//, '').replace('-no-schema.json', '');
    const a = decodeFixture(withSchema);
    const b = decodeFixture(bare, SCHEMALESS_HINTS[stem] ?? {});
    if (a.kind === 'change' && b.kind === 'change') {
      assert.notEqual(a.fields, null, withSchema);
      assert.equal(b.fields, null, bare);
      assert.equal(a.rowSchema?.type, 'struct', withSchema);
      assert.equal(b.rowSchema, null, bare);
      assert.deepEqual({ ...a, fields: null, rowSchema: null, keySchema: null }, b, stem);
    } else {
      assert.deepEqual(a, b, stem);
    }
  }
});

test('primary key update = delete (old key) + tombstone (old key) + create (new key), in seq order', { skip: FIXTURES_SKIP }, () => {
  const del = change('sqlserver/v3-pk-update-1-delete-schema-payload.json');
  const tomb = decodeFixture('sqlserver/v3-pk-update-2-tombstone-schema-payload.json');
  const create = change('sqlserver/v3-pk-update-3-create-schema-payload.json');
  assert.equal(del.op, 'd');
  assert.deepEqual(del.key, { id: 1005 });
  assert.deepEqual(tomb, { kind: 'tombstone', key: { id: 1005 } });
  assert.equal(create.op, 'c');
  assert.deepEqual(create.key, { id: 1006 });
  assert.deepEqual(create.after?.id, 1006);
  assert.ok(del.seq < create.seq, `${del.seq} < ${create.seq}`);
  assert.equal(del.source.position.commit_lsn, create.source.position.commit_lsn);
});

test('snapshot read sorts before a change at the same commit LSN', { skip: FIXTURES_SKIP }, () => {
  const snapshot = change('sqlserver/v3-read-snapshot-schema-payload.json');
  assert.equal(snapshot.op, 'r');
  assert.equal(snapshot.before, null);
  assert.equal(snapshot.source.snapshot, true);
  assert.deepEqual(snapshot.after, { id: 1001, first_name: 'Sally', last_name: 'Thomas', email: 'sally.thomas@acme.com' });
  const raw = parseLosslessJson(loadFixture('sqlserver/v3-read-snapshot-schema-payload.json').value!) as { payload: Record<string, any> };
  raw.payload.op = 'u';
  raw.payload.before = raw.payload.after;
  raw.payload.source.snapshot = 'false';
  raw.payload.source.change_lsn = '00000025:00000d98:0001';
  raw.payload.source.event_serial_no = 2;
  const result = decodeMessage(null, stringifyLosslessJson(raw));
  assert.ok(result.ok && result.value.kind === 'change');
  const later = result.value as ChangeEvent;
  assert.equal(later.source.snapshot, false);
  assert.equal(later.source.position.commit_lsn, snapshot.source.position.commit_lsn);
  assert.ok(snapshot.seq < later.seq, `${snapshot.seq} < ${later.seq}`);
});

test('SQL Server create/update/delete of one row sort in source order; serial 1 < 2', { skip: FIXTURES_SKIP }, () => {
  const seqs = ['create', 'update', 'delete'].map((op) => change(`sqlserver/v3-${op}-schema-payload.json`).seq);
  assert.deepEqual([...seqs].sort(), seqs);
  const update = change('sqlserver/v3-update-schema-payload.json');
  assert.equal(update.source.position.event_serial_no, 2);
  assert.ok(update.seq.endsWith('|00000000000000000002'));
  // the docs print event_serial_no as a string: same key
  assert.equal(change('sqlserver/doc-update-schema-payload.json').seq, update.seq);
});

test('PostgreSQL: sequence and lsn order keys, key-only before, truncate', { skip: FIXTURES_SKIP }, () => {
  const create = change('postgresql/doc-create-schema-payload.json');
  assert.equal(create.seq, '00000000000024023119.00000000000024023128');
  assert.equal(create.source.schema, 'public');
  assert.equal(create.source.position.txId, 555);
  assert.equal(change('postgresql/doc-delete-schema-payload.json').seq, '00000000000046523128');
  assert.deepEqual(change('postgresql/doc-update-schema-payload.json').before, { id: 1 }); // REPLICA IDENTITY DEFAULT
  const truncate = change('postgresql/doc-truncate-no-schema.json');
  assert.equal(truncate.op, 't');
  assert.equal(truncate.before, null);
  assert.equal(truncate.after, null);
  assert.equal(truncate.key, null);
  assert.equal(truncate.source.table, 'customers');
  assert.equal(truncate.source.db, 'postgres');
  assert.equal(truncate.seq, '00000000000046523128');
});

test('MySQL: no schema in source, binlog order keys, boolean snapshot', { skip: FIXTURES_SKIP }, () => {
  const events = ['create', 'update', 'delete'].map((op) => change(`mysql/doc-${op}-schema-payload.json`));
  assert.deepEqual(
    events.map((e) => e.op),
    ['c', 'u', 'd'],
  );
  assert.deepEqual(
    events.map((e) => e.seq),
    ['0000000003/00000000000000000154/0000000000', '0000000003/00000000000000000484/0000000000', '0000000003/00000000000000000805/0000000000'],
  );
  assert.equal(events[0].source.schema, null);
  assert.equal(events[0].source.snapshot, false);
  assert.equal(events[2].source.position.file, 'mysql-bin.000003');
  assert.equal('query' in events[2].source.position, false);
  assert.deepEqual(events[1].after, { id: 1004, first_name: 'Anne Marie', last_name: 'Kretchmar', email: 'annek@noanswer.org' });
  assert.deepEqual(change('mysql/test-serde-create-no-schema.json').after, events[0].after);
  assert.deepEqual(decodeFixture('mysql/doc-tombstone-schema-payload.json'), { kind: 'tombstone', key: { id: 1004 } });
});

test('transactions, transaction blocks, heartbeats, schema changes', { skip: FIXTURES_SKIP }, () => {
  for (const connector of ['sqlserver', 'postgresql', 'mysql']) {
    const begin = decodeFixture(`${connector}/doc-transaction-begin-no-schema.json`);
    const end = decodeFixture(`${connector}/doc-transaction-end-no-schema.json`);
    assert.deepEqual({ ...begin, id: '' }, { kind: 'transaction', status: 'BEGIN', id: '', eventCount: null });
    assert.equal(end.kind === 'transaction' && end.status === 'END' && end.eventCount, 2);
  }
  assert.deepEqual(decodeFixture('sqlserver/v3-transaction-end-schema-payload.json'), {
    kind: 'transaction',
    status: 'END',
    id: '00000025:00000d08:0025',
    eventCount: 2,
  });
  assert.equal(change('sqlserver/v3-create-with-transaction-block-no-schema.json').transactionId, '00000025:00000d08:0025');
  assert.deepEqual(decodeFixture('sqlserver/v3-heartbeat-schema-payload.json'), { kind: 'heartbeat', tsMs: 1559730450205 });
  const schemaChange = decodeFixture('sqlserver/doc-schema-change-value-no-schema.json');
  assert.equal(schemaChange.kind, 'schema_change');
  assert.equal((schemaChange as { payload: any }).payload.tableChanges[0].type, 'CREATE');
  const onHeartbeatTopic = decodeMessage('{"serverName":"server1"}', '{}', { topic: '__debezium-heartbeat.server1' });
  assert.deepEqual(onHeartbeatTopic, { ok: true, value: { kind: 'heartbeat', tsMs: null } });
});

test('key-only fixtures decode their keys', { skip: FIXTURES_SKIP }, () => {
  assert.deepEqual(decodeFixture('sqlserver/doc-key-customers.json'), { kind: 'tombstone', key: { id: 1004 } });
  assert.deepEqual(decodeFixture('sqlserver/doc-schema-change-key.json'), { kind: 'tombstone', key: { databaseName: 'testDB' } });
  assert.deepEqual(decodeFixture('mysql/doc-key-customers.json'), { kind: 'tombstone', key: { id: 1001 } });
});

test('Buffer input decodes like string input; an empty value is a tombstone', { skip: FIXTURES_SKIP }, () => {
  const f = loadFixture('sqlserver/v3-types-temporal-adaptive-schema-payload.json');
  assert.deepEqual(decodeMessage(Buffer.from(f.key!), Buffer.from(f.value!)), decodeMessage(f.key, f.value));
  assert.deepEqual(decodeMessage('{"id":1}', Buffer.alloc(0)), { ok: true, value: { kind: 'tombstone', key: { id: 1 } } });
  assert.deepEqual(decodeMessage(null, null), { ok: true, value: { kind: 'tombstone', key: null } });
});

test('int64 beyond 2^53 stays exact; bytes, Json, Enum, arrays, structs, maps', () => {
  const result = decodeMessage(
    null,
    sqlServerMessage({
      big: [{ type: 'int64' }, 9223372036854775807n],
      negative_big: [{ type: 'int64' }, -9007199254740993n],
      small: [{ type: 'int64' }, 42],
      blob: [{ type: 'bytes' }, 'AQID'],
      doc: [{ type: 'string', name: 'io.debezium.data.Json' }, '{"a":1}'],
      color: [{ type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: 'red,green' } }, 'red'],
      id: [{ type: 'string', name: 'io.debezium.data.Uuid' }, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
      tags: [{ type: 'array', items: { type: 'int32', name: 'io.debezium.time.Date' } }, [0, -1]],
      point: [
        {
          type: 'struct',
          name: 'io.debezium.data.geometry.Point',
          fields: [
            { type: 'float64', optional: false, field: 'x' },
            { type: 'bytes', optional: false, field: 'wkb' },
          ],
        },
        { x: 1.5, wkb: 'AA==' },
      ],
      attrs: [{ type: 'map', keys: { type: 'string' }, values: { type: 'int32' } }, { a: 1 }],
      when: [{ type: 'int64', name: 'io.debezium.time.MicroTimestamp' }, -1],
      iso: [{ type: 'string', name: 'io.debezium.time.IsoTimestamp' }, '2019-07-09T02:28:57.123456Z'],
      amount: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } }, 12.3],
    }),
  );
  assert.ok(result.ok);
  const after = (result.value as ChangeEvent).after!;
  assert.equal(after.big, 9223372036854775807n);
  assert.equal(after.negative_big, -9007199254740993n);
  assert.equal(after.small, 42);
  assert.deepEqual(after.blob, Buffer.from([1, 2, 3]));
  assert.equal(after.doc, '{"a":1}');
  assert.equal(after.color, 'red');
  assert.equal(after.id, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.deepEqual(after.tags, ['1970-01-01', '1969-12-31']);
  assert.deepEqual(after.point, { x: 1.5, wkb: Buffer.from([0]) });
  assert.deepEqual(after.attrs, { a: 1 });
  assert.equal(after.when, '1969-12-31T23:59:59.999999Z');
  assert.equal(after.iso, '2019-07-09T02:28:57.123456Z');
  assert.equal(after.amount, '12.30'); // decimal.format=NUMERIC
});

test('columns named like Object.prototype members are plain columns', () => {
  const columns = new Map<string, [Record<string, unknown>, unknown]>([
    ['constructor', [{ type: 'int32' }, 1]],
    ['toString', [{ type: 'string' }, 'x']],
  ]);
  const withSchema = decodeMessage(null, sqlServerMessage(Object.fromEntries(columns)));
  assert.ok(withSchema.ok);
  assert.deepEqual((withSchema.value as ChangeEvent).after, { constructor: 1, toString: 'x' });
  const bare = decodeMessage(
    null,
    '{"op":"c","after":{"__proto__":{"a":1},"valueOf":2},"source":{"connector":"embedded","name":"s","db":"d","table":"t","ts_ms":1,"lsn":5}}',
  );
  assert.ok(bare.ok);
  const after = (bare.value as ChangeEvent).after!;
  assert.deepEqual(Object.keys(after), ['__proto__', 'valueOf']);
  assert.equal(Object.getPrototypeOf(after), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(after, '__proto__')?.value, { a: 1 });
  assert.equal((bare.value as ChangeEvent).seq, '00000000000000000005');
});

test('malformed input gives failures with topic/partition/offset and the field path', { skip: FIXTURES_SKIP }, () => {
  const where = { topic: 'server1.testDB.dbo.t', partition: 3, offset: 77 };
  const badJson = failure('{"id":1}', '{"op":', where);
  assert.match(badJson.message, /value is not JSON/);
  assert.deepEqual(badJson.context, where);
  assert.match(failure('{"id":', null, where).message, /key is not JSON/);

  const noOp = failure(null, '{"before":null,"after":{"id":1},"source":{}}', where);
  assert.match(noOp.message, /without op/);
  assert.deepEqual(noOp.context, { ...where, path: 'op' });

  assert.match(failure(null, sqlServerMessage({ id: [{ type: 'int32' }, 1] }, 'x')).message, /unknown op "x"/);
  assert.match(failure(null, sqlServerMessage({ id: [{ type: 'int32' }, 1] }, 'm')).message, /unknown op "m"/);

  const notBase64 = failure(
    null,
    sqlServerMessage({ cost: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '4' } }, 'not*base64'] }),
    where,
  );
  assert.match(notBase64.message, /field after\.cost: .*not base64/);
  assert.deepEqual(notBase64.context, { ...where, path: 'after.cost' });

  const noScale = failure(null, sqlServerMessage({ cost: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal' }, 'AA=='] }, 'd'));
  assert.equal(noScale.message, 'field before.cost: decimal without a scale');
  assert.equal(noScale.context.path, 'before.cost');

  const wrongType = failure(null, sqlServerMessage({ n: [{ type: 'int32' }, 'seven'] }));
  assert.match(wrongType.message, /field after\.n: int32 expects an integer/);
  assert.match(failure(null, sqlServerMessage({ n: [{ type: 'int16' }, 40000] })).message, /out of int16 range/);
  assert.match(failure(null, sqlServerMessage({ b: [{ type: 'boolean' }, 1] })).message, /boolean expected/);
  assert.match(failure(null, sqlServerMessage({ z: [{ type: 'string', name: 'io.debezium.time.ZonedTimestamp' }, 'noon'] })).message, /not ISO-8601/);

  const schemaless = failure(null, loadFixture('sqlserver/v3-types-decimal-precise-no-schema.json').value!.replace('"BGM="', '"B?M="'), {
    decimalScales: FP_SCALES,
  });
  assert.equal(schemaless.context.path, 'after.val_decimal');

  const badSource = failure(null, '{"op":"c","after":{"id":1},"source":{"connector":"sqlserver","name":"s","db":"d","table":"t","ts_ms":"soon"}}');
  assert.equal(badSource.context.path, 'source.ts_ms');
  assert.match(failure(null, '{"op":"c","after":null,"source":{}}').message, /source|after/);
  assert.match(failure(null, '[1,2]').message, /not a JSON object/);
  assert.match(failure(null, '{"hello":"world"}').message, /unrecognised message/);
  assert.match(failure(null, '{"status":"MAYBE","id":"1"}', {}).message, /.+/);
  assert.match(failure(null, '{}', { decimalScales: { x: 1.5 } }).message, /decimalScales/);
});

test('never throws, whatever the bytes', () => {
  const inputs = [
    '',
    'null',
    '0',
    '"x"',
    '{}',
    '{"schema":{},"payload":{}}',
    '{"schema":{"type":"struct"},"payload":{}}',
    '{"op":"c"}',
    '{"op":"t","source":null}',
    '\u0000\uffff',
    '{"schema":null,"payload":null}',
  ];
  for (let i = 0; i < 200; i++) inputs.push(Buffer.from(Array.from({ length: i % 40 }, (_, j) => (i * 31 + j * 17) % 256)).toString('latin1'));
  for (const input of inputs) {
    for (const key of [null, input]) {
      const result = decodeMessage(key, input);
      assert.equal(typeof result.ok, 'boolean');
      if (!result.ok) assert.equal(typeof result.error.message, 'string');
    }
  }
});

// --- the cached-schema fast path -----------------------------------------------------------------

const EXACT_COLUMNS = {
  nanos: [{ type: 'int64', name: 'io.debezium.time.NanoTimestamp' }, 1531481025340123456n],
  micros: [{ type: 'int64', name: 'io.debezium.time.MicroTimestamp' }, 1531481025340123],
  max: [{ type: 'int64' }, 9223372036854775807n],
  min: [{ type: 'int64' }, -9223372036854775808n],
  safe: [{ type: 'int64' }, 9007199254740991],
  numeric: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } }, new JsonNumberText('12345678901234567.89')],
  short_numeric: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3' } }, new JsonNumberText('0.1')],
  money: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '4' } }, 'AIrHIwSJ6AAA'], // 2^63 - ... bytes
  nano_time: [{ type: 'int64', name: 'io.debezium.time.NanoTime' }, 86399999999999],
} satisfies Record<string, [Record<string, unknown>, unknown]>;

test('cached schemas keep int64, NanoTimestamp and decimals exact (first, second and later messages)', () => {
  clearSchemaCache();
  const text = sqlServerMessage(EXACT_COLUMNS);
  assert.match(text, /^\{"schema":/); // the compact form the fast path recognises
  const expectedAfter = {
    nanos: '2018-07-13T11:23:45.340123456Z',
    micros: '2018-07-13T11:23:45.340123Z',
    max: 9223372036854775807n,
    min: -9223372036854775808n,
    safe: 9007199254740991,
    numeric: '12345678901234567.89',
    short_numeric: '0.100',
    money: 0x008ac7230489e80000n.toString().replace(/(\d{4})$/, '.$1'),
    nano_time: '23:59:59.999999999',
  };
  for (let i = 0; i < 3; i++) {
    const result = decodeMessage(null, Buffer.from(text));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.deepEqual((result.value as ChangeEvent).after, expectedAfter, `message ${i + 1}`);
  }
  assert.equal(schemaCacheSize(), 1, 'the schema is cached, so messages 2 and 3 took the fast path');
  // a later message with other values under the same (cached) schema
  const later = decodeMessage(
    null,
    sqlServerMessage({ ...EXACT_COLUMNS, nanos: [EXACT_COLUMNS.nanos[0], -1n], max: [EXACT_COLUMNS.max[0], 9007199254740993n] }),
  );
  assert.ok(later.ok);
  assert.equal((later.value as ChangeEvent).after?.nanos, '1969-12-31T23:59:59.999999999Z');
  assert.equal((later.value as ChangeEvent).after?.max, 9007199254740993n);
});

test('two schemas with the same name do not share a decoder', () => {
  clearSchemaCache();
  const asInt = sqlServerMessage({
    x: [{ type: 'int64' }, 1531481025340123],
    cost: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } }, 'AQ=='],
  });
  const asTime = sqlServerMessage({
    x: [{ type: 'int64', name: 'io.debezium.time.MicroTimestamp' }, 1531481025340123],
    cost: [{ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '4' } }, 'AQ=='],
  });
  assert.equal(JSON.parse(asInt).schema.name, JSON.parse(asTime).schema.name);
  assert.ok(decodeMessage(null, asInt).ok && decodeMessage(null, asTime).ok);
  assert.equal(schemaCacheSize(), 2);
  for (let i = 0; i < 3; i++) {
    const a = decodeMessage(null, asInt);
    const b = decodeMessage(null, asTime);
    assert.ok(a.ok && b.ok);
    assert.deepEqual((a.value as ChangeEvent).after, { x: 1531481025340123, cost: '0.01' });
    assert.deepEqual((b.value as ChangeEvent).after, { x: '2018-07-13T11:23:45.340123Z', cost: '0.0001' });
    assert.deepEqual(
      (a.value as ChangeEvent).fields?.map((f) => f.type.kind),
      ['int', 'decimal'],
    );
    assert.deepEqual(
      (b.value as ChangeEvent).fields?.map((f) => f.type.kind),
      ['timestamp', 'decimal'],
    );
  }
});

test('every fixture decodes the same with a cold and a warm schema cache', { skip: FIXTURES_SKIP }, () => {
  for (const name of allFixtureNames()) {
    const f = loadFixture(name);
    const stem = name.replace(/^.*\//, '').replace(/-(no-schema|schema-payload)\.json$/, '');
    const context = SCHEMALESS_HINTS[stem] ?? {};
    clearSchemaCache();
    const cold = decodeMessage(f.key, f.value, context);
    const warm = decodeMessage(f.key, f.value, context);
    const warmBuffers = decodeMessage(f.key === null ? null : Buffer.from(f.key), f.value === null ? null : Buffer.from(f.value), context);
    assert.deepEqual(warm, cold, name);
    assert.deepEqual(warmBuffers, cold, name);
  }
});

test('a cached schema with a broken or unusual payload takes the general path', () => {
  clearSchemaCache();
  const where = { topic: 't', partition: 0, offset: 9 };
  const good = sqlServerMessage({ id: [{ type: 'int32' }, 1] });
  assert.ok(decodeMessage(null, good).ok); // schema now cached
  const broken = failure(null, good.replace(/\}$/, ',}'), where);
  assert.match(broken.message, /value is not JSON/);
  assert.deepEqual(broken.context, where);
  const truncated = failure(null, good.slice(0, -5), where);
  assert.match(truncated.message, /value is not JSON/);
  // a third top-level key: not an envelope, so a bare payload without op
  const extra = good.replace(/\}$/, ',"extra":1}');
  clearSchemaCache();
  const cold = decodeMessage(null, extra);
  assert.ok(decodeMessage(null, good).ok);
  assert.deepEqual(decodeMessage(null, extra), cold);
  assert.equal(cold.ok, false);
  // whitespace after the closing brace is fine
  assert.deepEqual(decodeMessage(null, `${good} \n`), decodeMessage(null, good));
});

test('fields are shared by the messages of one schema and frozen', () => {
  clearSchemaCache();
  const text = sqlServerMessage({ id: [{ type: 'int32' }, 1] });
  const a = decodeMessage(null, text);
  const b = decodeMessage(null, text);
  assert.ok(a.ok && b.ok);
  const fields = (a.value as ChangeEvent).fields!;
  assert.equal((b.value as ChangeEvent).fields, fields);
  assert.ok(Object.isFrozen(fields) && Object.isFrozen(fields[0]) && Object.isFrozen(fields[0].type));
  assert.throws(() => (fields as CdcField[]).push(fields[0]), TypeError);
});

test('a change carries its row and key Connect schemas (what Silver derives a table from)', () => {
  const key = JSON.stringify({ schema: { type: 'struct', name: 't.Key', fields: [{ type: 'int32', optional: false, field: 'id' }] }, payload: { id: 7 } });
  const row = {
    type: 'struct',
    optional: true,
    name: 't.Value',
    fields: [
      { type: 'int32', optional: false, field: 'id' },
      { type: 'string', optional: true, field: 'name' },
    ],
  };
  const value = JSON.stringify({
    schema: {
      type: 'struct',
      name: 't.Envelope',
      fields: [
        { ...row, field: 'before' },
        { ...row, field: 'after' },
        { type: 'struct', field: 'source', fields: [] },
        { type: 'string', field: 'op' },
      ],
    },
    payload: {
      before: null,
      after: { id: 7, name: 'x' },
      source: { connector: 'postgresql', name: 'pg', db: 'd', schema: 'public', table: 't', ts_ms: 1, lsn: 10 },
      op: 'c',
    },
  });
  const d = decodeMessage(key, value);
  assert.ok(d.ok && d.value.kind === 'change');
  assert.deepEqual(
    d.value.rowSchema?.fields?.map((f) => f.field),
    ['id', 'name'],
  );
  assert.deepEqual(
    d.value.keySchema?.fields?.map((f) => f.field),
    ['id'],
  );
  const bare = decodeMessage('{"id":7}', JSON.stringify(JSON.parse(value).payload));
  assert.ok(bare.ok && bare.value.kind === 'change');
  assert.equal(bare.value.rowSchema, null);
  assert.equal(bare.value.keySchema, null);
});

test('messages in their received bytes: a cached schema matches only byte for byte, and non-ASCII text survives', () => {
  clearSchemaCache();
  const bytes = (text: string, pad = '') => Buffer.from(`${pad}${text}`, 'utf8').subarray(Buffer.byteLength(pad));
  const text = sqlServerMessage({ id: [{ type: 'int32' }, 1], title: [{ type: 'string', doc: 'Straße 東京' }, 'café 🚀 "q" \\'] });
  const expected = decodeMessage(null, text);
  assert.ok(expected.ok);
  assert.equal((expected.value as ChangeEvent).after?.title, 'café 🚀 "q" \\');
  // Cached from a string, then found from bytes (a view inside a larger buffer, as Kafka gives them).
  for (let i = 0; i < 3; i++) assert.deepEqual(decodeMessage(null, bytes(text, 'xyz')), expected);
  assert.equal(schemaCacheSize(), 1);
  // Many schemas: beyond the few compared first, the rest are found by their bytes too.
  const others = Array.from({ length: 6 }, (_, n) => sqlServerMessage({ id: [{ type: 'int32' }, n], [`c${n}`]: [{ type: 'string' }, `v${n}`] }));
  for (const o of others) assert.ok(decodeMessage(null, Buffer.from(o)).ok);
  assert.deepEqual(decodeMessage(null, bytes(text)), expected);
  assert.equal(schemaCacheSize(), 7);
  // A schema differing in one byte (int32 -> int64 of id) is not mistaken for the cached one.
  const wider = text.replace('"type":"int32"', '"type":"int64"');
  assert.notEqual(wider, text);
  const widerResult = decodeMessage(null, bytes(wider));
  assert.ok(widerResult.ok);
  assert.deepEqual(widerResult, decodeMessage(null, wider));
  assert.equal(schemaCacheSize(), 8);
  // Broken payload bytes after a cached schema: the same failure as from text.
  assert.deepEqual(decodeMessage(null, bytes(text.replace(/\}$/, ',}'))), decodeMessage(null, text.replace(/\}$/, ',}')));
});
