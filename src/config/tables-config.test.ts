import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isShoriError } from '../errors.ts';
import { globToRegExp, loadTablesConfig, parseTablesConfig, TablesConfig } from './tables-config.ts';

test('defaults: every table, Debezium keys, history on', () => {
  const c = TablesConfig.defaults();
  assert.deepEqual(c.choose('Tickets'), { included: true, appendOnly: false, history: true });
  assert.deepEqual(loadTablesConfig('').choose('anything'), { included: true, appendOnly: false, history: true });
});

test('include and exclude by glob, case-insensitively; per-table options by name in any case', () => {
  const c = parseTablesConfig(
    JSON.stringify({
      include: ['tick*', 'Customers', 'agent?'],
      exclude: ['*_audit'],
      history: true,
      tables: { AUDITLOG: { key: ['At', 'Actor'] }, events: { appendOnly: true }, Customers: { history: true } },
    }),
    'tables.json',
  );
  assert.equal(c.choose('Tickets').included, true);
  assert.equal(c.choose('tickets_audit').included, false);
  assert.equal(c.choose('customers').included, true);
  assert.equal(c.choose('Agents').included, true);
  assert.equal(c.choose('Agent').included, false);
  assert.equal(c.choose('Orders').included, false);
  assert.equal(c.choose('Tickets').history, true);
  assert.equal(c.choose('CUSTOMERS').history, true);
  assert.deepEqual(c.choose('auditlog').key, ['At', 'Actor']);
  assert.deepEqual(c.choose('Events'), { included: false, appendOnly: true, history: true });
});

test('history: false at the top level or per table; an append-only table keeps its history', () => {
  const off = parseTablesConfig(
    JSON.stringify({ history: false, tables: { Agents: { history: true }, Events: { appendOnly: true }, Readings: { key: ['Sensor'] } } }),
    'tables.json',
  );
  assert.deepEqual(off.choose('Tickets'), { included: true, appendOnly: false, history: false });
  assert.equal(off.choose('customers').history, false);
  assert.equal(off.choose('AGENTS').history, true, 'a table overrides the top level');
  assert.deepEqual(off.choose('Events'), { included: true, appendOnly: true, history: true }, 'append-only: history is all it has');
  assert.deepEqual(off.choose('Readings'), { included: true, appendOnly: false, history: false, key: ['Sensor'] });
  const one = parseTablesConfig(JSON.stringify({ tables: { Customers: { history: false }, Events: { appendOnly: true, history: true } } }), 'tables.json');
  assert.equal(one.choose('Customers').history, false);
  assert.equal(one.choose('Tickets').history, true);
  assert.equal(one.choose('Events').history, true);
});

test('glob special characters are literal', () => {
  assert.equal(globToRegExp('a.b').test('axb'), false);
  assert.equal(globToRegExp('a.b').test('A.B'), true);
  assert.equal(globToRegExp('t(1)*').test('t(1)x'), true);
});

test('bad files are refused with the file, the field and the rule', () => {
  const cases: Array<[string, RegExp]> = [
    ['{', /tables\.json.*not JSON/],
    [JSON.stringify({ include: 'x' }), /include: .*array/i],
    [JSON.stringify({ include: [''] }), /include\.0: must not be empty/],
    [JSON.stringify({ tables: { T: { key: [] } } }), /tables\.T\.key: must list at least one column/],
    [JSON.stringify({ tables: { T: { key: ['a'], appendOnly: true } } }), /tables\.T: key and appendOnly: true exclude each other/],
    [JSON.stringify({ tables: { T: { keys: ['a'] } } }), /tables\.T: .*keys/],
    [JSON.stringify({ tables: { T: { key: ['a', 'A'] } } }), /tables\.T\.key: must not list a column twice/],
    [JSON.stringify({ tables: { T: {}, t: { appendOnly: true } } }), /tables: names a table twice/],
    [JSON.stringify({ histroy: true }), /histroy/],
    [JSON.stringify({ history: 'yes' }), /history: .*boolean/i],
    [JSON.stringify({ tables: { Events: { appendOnly: true, history: false } } }), /tables\.Events: appendOnly: true and history: false exclude each other/],
    [JSON.stringify({ tables: { Customers: { history: 'no' } } }), /tables\.Customers\.history: .*boolean/i],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => parseTablesConfig(text, 'tables.json'),
      (error: unknown) => {
        assert.ok(isShoriError(error, 'SHORI_CONFIG_INVALID'));
        assert.match(error.message, expected);
        return true;
      },
    );
  }
});

test('a file that cannot be read is named', () => {
  assert.throws(() => loadTablesConfig('/nonexistent/tables.json'), /TABLES_CONFIG="\/nonexistent\/tables.json": cannot be read: ENOENT/);
  const dir = mkdtempSync(join(tmpdir(), 'tables-config-'));
  const path = join(dir, 'tables.json');
  writeFileSync(path, JSON.stringify({ include: ['tickets'] }));
  assert.equal(loadTablesConfig(path).choose('Customers').included, false);
});

test('the service refuses to start on a bad TABLES_CONFIG: exit code 2 and the reason', async () => {
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'tables-config-'));
  const path = join(dir, 'tables.json');
  writeFileSync(path, JSON.stringify({ tables: { Events: { appendOnly: true, history: false } } }));
  const main = new URL('../main.ts', import.meta.url).pathname;
  const run = spawnSync(process.execPath, [main], {
    env: { PATH: process.env.PATH, TABLES_CONFIG: path, DATA_DIR: dir, PORT: '0' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /TABLES_CONFIG=.*tables\.json.*tables\.Events: appendOnly: true and history: false exclude each other/);
});
