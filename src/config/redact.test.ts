import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrlPassword, redactCredentials, splitKeyValues } from './redact.ts';

// The passwords a user may type, raw (not percent-encoded): every one must vanish entirely.
const HARD = ['p@ss:w/rd%2F@x', 'a@b', ':::', '/@/', '%40%3A', 'w0rd@db.example:5432/evil', 'qu\'o"te;{}'];

test('URL passwords with any character are masked whole; user, host, port and path are kept', () => {
  for (const password of HARD) {
    const url = `postgres://shori:${password}@db.internal:5432/ticketsdb?sslmode=require`;
    const shown = redactCredentials(url);
    assert.equal(shown, 'postgres://shori:***@db.internal:5432/ticketsdb?sslmode=require', password);
    assert.equal(shown.includes(password), false, password);
  }
  assert.equal(maskUrlPassword('mysql://root:x@127.0.0.1:3306/db'), 'mysql://root:***@127.0.0.1:3306/db');
  // Nothing to mask: no user info, or a user without a password.
  assert.equal(redactCredentials('postgres://db:5432/x'), 'postgres://db:5432/x');
  assert.equal(redactCredentials('postgres://shori@db/x'), 'postgres://shori@db/x');
  assert.equal(redactCredentials('http://localhost:5173'), 'http://localhost:5173');
});

test('connection-string passwords are masked whole, quoted or not, whatever they contain', () => {
  assert.equal(redactCredentials('Server=h,1433;User Id=sa;Password=Hunter2!;Encrypt=false'), 'Server=h,1433;User Id=sa;Password=***;Encrypt=false');
  const quoted = 'Server=h,1433;PWD={a;b}}c=d};Database=x;';
  assert.equal(redactCredentials(quoted), 'Server=h,1433;PWD=***;Database=x;');
  const single = "Server=h;password='it''s;@:/%';User Id=sa";
  assert.equal(redactCredentials(single), 'Server=h;password=***;User Id=sa');
  assert.deepEqual(
    splitKeyValues("a=1;b='x;y'")?.map((p) => p.raw),
    ['1', "'x;y'"],
  );
  // Text that is not a connection string passes unchanged.
  assert.equal(redactCredentials('^(shorisql_\\d+)\\.tickets$'), '^(shorisql_\\d+)\\.tickets$');
  assert.equal(redactCredentials('a=b;c=d'), 'a=b;c=d');
});
