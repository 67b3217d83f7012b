import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { createHostAllowList, parseHost } from './host-allow-list.ts';

test('parses host headers, IPv6 included', () => {
  assert.deepEqual(parseHost('LocalHost:8000'), ['localhost', 8000]);
  assert.deepEqual(parseHost('[::1]:8000'), ['[::1]', 8000]);
  assert.deepEqual(parseHost('example.com'), ['example.com', null]);
  assert.equal(parseHost('a b'), null);
  assert.equal(parseHost('evil.com:8000@localhost'), null);
});

test('default: the bind name, localhost, 127.0.0.1 and [::1], on the listening port only', () => {
  const hosts = createHostAllowList([], '127.0.0.1');
  for (const h of ['localhost:8000', '127.0.0.1:8000', '[::1]:8000']) assert.equal(hosts.allows(h, 8000), true, h);
  for (const h of ['localhost:8001', 'localhost', 'evil.example:8000', 'rebind.evil.example:8000', undefined])
    assert.equal(hosts.allows(h, 8000), false, String(h));
  const wide = createHostAllowList([], '0.0.0.0');
  assert.equal(wide.allows(`${os.hostname()}:8000`, 8000), true);
  assert.equal(createHostAllowList([], '10.1.2.3').allows('10.1.2.3:9000', 9000), true);
});

test('ALLOWED_HOSTS: a bare name on any port, host:port exactly, * for anything', () => {
  const hosts = createHostAllowList(['shori.example.com', '10.0.0.5:8000'], '0.0.0.0');
  assert.equal(hosts.allows('shori.example.com', 8000), true);
  assert.equal(hosts.allows('shori.example.com:443', 8000), true);
  assert.equal(hosts.allows('10.0.0.5:8000', 8000), true);
  assert.equal(hosts.allows('10.0.0.5:8001', 8000), false);
  assert.equal(hosts.allows('localhost:8000', 8000), false, 'a listed set replaces the defaults');
  assert.equal(createHostAllowList(['*'], '127.0.0.1').allows('anything:1', 8000), true);
});
