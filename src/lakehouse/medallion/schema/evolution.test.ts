import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectSchema } from '../../../sources/debezium/connect-schema.ts';
import type { ColumnSpec } from './column-types.ts';
import { commonType, describeChange, evolve } from './evolution.ts';
import { historySchema, silverSchema, specFromSchemas, type TableSpec } from './table-spec.ts';

const key: ConnectSchema = { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'CustomerID' }] };
const row = (...fields: ConnectSchema[]): ConnectSchema => ({ type: 'struct', fields });
const int = (name: string, type = 'int32'): ConnectSchema => ({ type, optional: false, field: name });
const str = (name: string, length?: number): ConnectSchema => ({
  type: 'string',
  optional: true,
  field: name,
  ...(length ? { parameters: { '__debezium.source.column.type': 'VARCHAR', '__debezium.source.column.length': String(length) } } : {}),
});
const dec = (name: string, p: number, s: number): ConnectSchema => ({
  type: 'bytes',
  optional: true,
  field: name,
  name: 'org.apache.kafka.connect.data.Decimal',
  parameters: { scale: String(s), 'connect.decimal.precision': String(p) },
});
const ts = (name: string, logical: string): ConnectSchema => ({
  type: logical.includes('Zoned') ? 'string' : 'int64',
  optional: true,
  field: name,
  name: logical,
});

const base = (): TableSpec =>
  specFromSchemas('Customers', key, row(int('CustomerID'), str('Name', 100), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')), {
    history: true,
  });
const incoming = (...fields: ConnectSchema[]) => {
  const spec = specFromSchemas('Customers', key, row(...fields), { history: true });
  return { columns: spec.columns, key: ['CustomerID'] };
};

test('the spec of a new table: lower-case name, Debezium key, Delta schemas with control columns', () => {
  const spec = base();
  assert.equal(spec.table, 'customers');
  assert.deepEqual(spec.key, ['CustomerID']);
  assert.equal(spec.keyMode, 'source');
  const silver = silverSchema(spec);
  assert.deepEqual(
    silver.fields.map((x) => `${x.name}:${x.type}:${x.nullable}`),
    [
      'source:string:false',
      'CustomerID:integer:false',
      'Name:string:true',
      'CreditLimit:decimal(10,2):true',
      'CreatedAt:timestamp_ntz:true',
      '_seq:string:false',
      '_source_ts:timestamp:true',
      '_committed_at:timestamp:false',
    ],
  );
  assert.deepEqual(
    historySchema(spec)
      .fields.slice(-5)
      .map((x) => x.name),
    ['_source_ts', '__valid_from', '__valid_to', '__is_current', '_committed_at'],
  );
});

test('the same schema changes nothing', () => {
  const spec = base();
  const e = evolve(spec, incoming(int('CustomerID'), str('Name', 100), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')));
  assert.equal(e.spec, spec);
  assert.deepEqual(e.changes, []);
  assert.deepEqual(e.conflicts, []);
});

test('an added column becomes a new nullable field at the end; the version moves', () => {
  const e = evolve(
    base(),
    incoming(int('CustomerID'), str('Name', 100), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp'), str('Email', 200)),
  );
  assert.deepEqual(e.changes.map(describeChange), ['ADD COLUMN Email string']);
  assert.equal(e.spec.schemaVersion, 1);
  assert.equal(silverSchema(e.spec).fields.find((x) => x.name === 'Email')?.nullable, true);
  assert.deepEqual(
    e.spec.columns.map((c) => c.name),
    ['CustomerID', 'Name', 'CreditLimit', 'CreatedAt', 'Email'],
  );
});

test('a dropped column stays; it is only reported as missing', () => {
  const spec = base();
  const e = evolve(spec, incoming(int('CustomerID'), str('Name', 100), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')));
  assert.deepEqual(e.changes, []);
  assert.deepEqual(e.missing, ['CreditLimit']);
  assert.equal(e.spec.columns.length, 4);
});

test('widening: int to bigint, decimal precision, varchar length; typeChanged says when data files are affected', () => {
  const e = evolve(
    base(),
    incoming(int('CustomerID', 'int64'), str('Name', 250), dec('CreditLimit', 14, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')),
  );
  assert.deepEqual(e.changes.map(describeChange), [
    'WIDEN COLUMN CustomerID integer TO long',
    'WIDEN COLUMN Name string varchar(100) TO string varchar(250)',
    'WIDEN COLUMN CreditLimit decimal(10,2) TO decimal(14,2)',
  ]);
  assert.deepEqual(
    e.changes.map((c) => c.kind === 'widen' && c.typeChanged),
    [true, false, true],
  );
  assert.deepEqual(e.conflicts, []);
});

test('a narrower type from another source changes nothing', () => {
  const wide = evolve(
    base(),
    incoming(int('CustomerID', 'int64'), str('Name'), dec('CreditLimit', 14, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')),
  ).spec;
  const e = evolve(wide, incoming(int('CustomerID'), str('Name', 100), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.Timestamp')));
  assert.deepEqual(e.changes, []);
  assert.deepEqual(e.conflicts, []);
});

test('unsafe changes are conflicts and nothing is applied', () => {
  const spec = base();
  const cases: Array<[ConnectSchema[], string]> = [
    [[int('CustomerID'), int('Name'), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')], 'incompatible_type'],
    [[int('CustomerID'), str('Name', 100), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.ZonedTimestamp')], 'incompatible_type'],
    [[int('CustomerID'), str('Name', 100), dec('CreditLimit', 38, 32), ts('CreatedAt', 'io.debezium.time.MicroTimestamp')], 'incompatible_type'],
    [[int('CustomerID'), str('Name', 100), dec('CreditLimit', 10, 2), ts('CreatedAt', 'io.debezium.time.MicroTimestamp'), str('_SEQ')], 'reserved_name'],
    [[int('CustomerID'), str('Name', 100), str('name', 100)], 'duplicate_column'],
  ];
  for (const [fields, code] of cases) {
    const e = evolve(spec, incoming(...fields, str('Added')));
    assert.deepEqual(
      e.conflicts.map((c) => c.code),
      [code],
      code,
    );
    assert.equal(e.spec, spec, 'spec unchanged on conflict');
    assert.deepEqual(e.changes, []);
  }
  const rekeyed = evolve(spec, { columns: spec.columns, key: ['CustomerID', 'Name'] });
  assert.deepEqual(
    rekeyed.conflicts.map((c) => c.code),
    ['key_changed'],
  );
});

test('column names match case-insensitively and keep the first spelling', () => {
  const e = evolve(
    base(),
    incoming(int('customerid'), str('name', 100), dec('creditlimit', 10, 2), ts('createdat', 'io.debezium.time.MicroTimestamp'), str('email')),
  );
  assert.deepEqual(e.changes.map(describeChange), ['ADD COLUMN email string']);
  assert.deepEqual(e.conflicts, []);
});

test('configured keys and keyless tables', () => {
  const keyless = specFromSchemas('AuditLog', null, row(int('At', 'int64'), str('What')), { history: false });
  assert.equal(keyless.keyMode, 'none');
  assert.equal(keyless.history, true, 'a keyless table keeps its history: it is all it has');
  const configured = specFromSchemas('AuditLog', null, row(int('at', 'int64'), str('What')), { history: true, key: ['AT'] });
  assert.deepEqual([configured.keyMode, configured.key], ['configured', ['at']]);
  const lost = evolve(configured, { columns: [{ name: 'What', type: 'string', connect: 'string' } satisfies ColumnSpec], key: [] });
  assert.deepEqual(
    lost.conflicts.map((c) => c.code),
    ['key_missing'],
  );
  const appendOnly = specFromSchemas('Customers', key, row(int('CustomerID')), { history: true, appendOnly: true });
  assert.equal(appendOnly.keyMode, 'none');
});

test('commonType: the lattice', () => {
  assert.equal(commonType('byte', 'long'), 'long');
  assert.equal(commonType('float', 'double'), 'double');
  assert.equal(commonType('decimal(10,2)', 'decimal(8,4)'), 'decimal(12,4)');
  assert.equal(commonType('date', 'timestamp_ntz'), 'timestamp_ntz');
  assert.equal(commonType('integer', 'double'), null);
  assert.equal(commonType('timestamp', 'timestamp_ntz'), null);
  assert.equal(commonType('string', 'long'), null);
  assert.equal(commonType('decimal(38,0)', 'decimal(10,5)'), null);
});
