import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderKey } from './order.ts';

const sqlserver = (commit: string, change: string | null, serial: number | null) =>
  orderKey('sqlserver', { commit_lsn: commit, change_lsn: change, event_serial_no: serial });

function assertSorted(keys: string[]): void {
  assert.deepEqual([...keys].sort(), keys);
  assert.equal(new Set(keys).size, keys.length, 'keys are distinct');
}

test('SQL Server: commit LSN, then change LSN (snapshot first), then serial', () => {
  assertSorted([
    sqlserver('00000025:00000d98:00a2', null, null), // snapshot read at the snapshot's LSN
    sqlserver('00000025:00000d98:00a2', '00000025:00000d98:0001', 1),
    sqlserver('00000025:00000d98:00a2', '00000025:00000d98:0001', 2),
    sqlserver('00000025:00000d98:00a2', '00000025:00000d98:00a0', 1),
    sqlserver('00000025:00000da0:0001', '00000025:00000d99:0001', 1),
    sqlserver('00000027:00000758:0005', '00000027:00000758:0003', 1),
    sqlserver('00000100:00000000:0000', '000000ff:00000000:0000', 1),
  ]);
});

test('SQL Server: LSN case and padding do not change the key', () => {
  assert.equal(sqlserver('27:758:5', '27:758:3', 1), sqlserver('00000027:00000758:0005', '00000027:00000758:0003', 1));
  assert.equal(sqlserver('0000003A:00002F50:0005', null, null), sqlserver('0000003a:00002f50:0005', null, null));
  assert.equal(
    orderKey('sqlserver', { commit_lsn: '00000027:00000758:0005', change_lsn: '00000027:00000758:0003', event_serial_no: '1' }),
    sqlserver('00000027:00000758:0005', '00000027:00000758:0003', 1),
  );
  assert.equal(sqlserver('00000027:00000758:0005', '00000027:00000758:0003', 1), '00000027:00000758:0005|100000027:00000758:0003|00000000000000000001');
});

test('PostgreSQL: sequence [lastCommitLsn, lsn] as numbers, not text; lsn alone otherwise', () => {
  const pg = (last: string | null, lsn: string) => orderKey('postgresql', { sequence: JSON.stringify([last, lsn]), lsn: Number(lsn) });
  assertSorted([pg(null, '5'), pg('9', '10'), pg('9', '100'), pg('24023119', '24023128'), pg('100000000000', '100000000001')]);
  assertSorted([orderKey('postgresql', { lsn: 9 }), orderKey('postgresql', { lsn: 24023128 }), orderKey('postgresql', { lsn: 18446744073709551615n })]);
});

test('MySQL/MariaDB: binlog file number, position, row', () => {
  const my = (file: string, pos: number, row: number) => orderKey('mysql', { file, pos, row });
  assertSorted([
    my('mysql-bin.000003', 154, 0),
    my('mysql-bin.000003', 484, 0),
    my('mysql-bin.000003', 484, 1),
    my('mysql-bin.000003', 805, 0),
    my('mysql-bin.000010', 4, 0),
    my('mysql-bin.1000000', 4, 0),
  ]);
  assert.equal(orderKey('mariadb', { file: 'mariadb-bin.000003', pos: 154, row: 0 }), my('x.000003', 154, 0));
});

test('embedded: lsn zero-padded to 20 digits', () => {
  assert.equal(orderKey('embedded', { lsn: 42 }), '00000000000000000042');
  assertSorted([9, 10, 99, 100, Number.MAX_SAFE_INTEGER].map((lsn) => orderKey('embedded', { lsn })));
});

test('refuses positions it cannot order', () => {
  assert.throws(() => orderKey('sqlserver', { commit_lsn: null }), /commit_lsn/);
  assert.throws(() => orderKey('sqlserver', { commit_lsn: 'zz', change_lsn: null }), /not a SQL Server LSN/);
  assert.throws(() => orderKey('mysql', { file: 'binlog', pos: 1 }), /numeric suffix/);
  assert.throws(() => orderKey('postgresql', { sequence: 'nope' }), /JSON array/);
  assert.throws(() => orderKey('oracle', { scn: '1' }), /no order key/);
  assert.throws(() => orderKey('embedded', { lsn: -1 }), /non-negative/);
});
