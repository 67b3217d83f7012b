import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, publicKnobs } from './index.ts';
import { isShoriError } from '../errors.ts';

test('defaults: embedded feed, port 8000, ./data', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8000);
  assert.equal(config.DATA_DIR, './data');
  assert.deepEqual(config.KAFKA_BOOTSTRAP_SERVERS, []);
  assert.deepEqual(config.EMBEDDED_SOURCES, ['shorisql_1', 'shorisql_2']);
  assert.equal(config.SSE_EMIT_CDC_RAW, false);
});

test('values are parsed and typed', () => {
  const config = loadConfig({ PORT: '9001', SSE_EMIT_CDC_RAW: 'true', KAFKA_BOOTSTRAP_SERVERS: 'a:9092, b:9092', LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5' });
  assert.equal(config.PORT, 9001);
  assert.equal(config.SSE_EMIT_CDC_RAW, true);
  assert.deepEqual(config.KAFKA_BOOTSTRAP_SERVERS, ['a:9092', 'b:9092']);
  assert.equal(config.LAKEHOUSE_FLUSH_INTERVAL_SEC, 0.5);
});

test('VACUUM retention: 168 hours by default, at least 1', () => {
  assert.equal(loadConfig({}).LAKEHOUSE_VACUUM_RETENTION_HOURS, 168);
  assert.equal(loadConfig({ LAKEHOUSE_VACUUM_RETENTION_HOURS: '1.5' }).LAKEHOUSE_VACUUM_RETENTION_HOURS, 1.5);
  assert.throws(
    () => loadConfig({ LAKEHOUSE_VACUUM_RETENTION_HOURS: '0' }),
    (error: unknown) => isShoriError(error, 'SHORI_CONFIG_INVALID') && /LAKEHOUSE_VACUUM_RETENTION_HOURS="0": must be 1 or more/.test(error.message),
  );
});

test('a bad value names the variable, the value and what is allowed', () => {
  assert.throws(
    () => loadConfig({ LAKEHOUSE_MAX_BATCH_SIZE: '-3', SSE_EMIT_CDC_RAW: 'maybe' }),
    (error: unknown) =>
      isShoriError(error, 'SHORI_CONFIG_INVALID') &&
      /LAKEHOUSE_MAX_BATCH_SIZE="-3": must be greater than 0/.test(error.message) &&
      /SSE_EMIT_CDC_RAW="maybe": must be true or false/.test(error.message),
  );
});

test('secrets are never shown, not even when invalid', () => {
  const knobs = publicKnobs(loadConfig({ SQLSERVER_SA_PASSWORD: 'Sup3r$ecret' }));
  assert.equal('SQLSERVER_SA_PASSWORD' in knobs, false);
  assert.equal(JSON.stringify(knobs).includes('Sup3r$ecret'), false);
});

test('credentials inside connection URLs are masked in the shown knobs', () => {
  const knobs = publicKnobs(
    loadConfig({
      GENERATOR_POSTGRES_URLS: 'postgres://app:s3cr3t@db:5432/x',
      GENERATOR_SQLSERVER_URLS: 'Server=h,1433;User Id=sa;Password=Hunter2!;Encrypt=false',
    }),
  );
  assert.equal(knobs.GENERATOR_POSTGRES_URLS, 'postgres://app:***@db:5432/x');
  assert.equal(knobs.GENERATOR_SQLSERVER_URLS, 'Server=h,1433;User Id=sa;Password=***;Encrypt=false');
  assert.equal(JSON.stringify(knobs).includes('s3cr3t') || JSON.stringify(knobs).includes('Hunter2'), false);
});

test('a password with @ : / and % never shows; each list is shown with its own separator', () => {
  const password = 'p@ss:w/rd%40x';
  const knobs = publicKnobs(
    loadConfig({
      GENERATOR_POSTGRES_URLS: `postgres://app:${password}@db:5432/x,postgres://app:${password}@db2/y`,
      GENERATOR_SQLSERVER_URLS: `Server=a,1433;Password={${password}};Encrypt=false|Server=b,1433;Password=${password}`,
      ADMIN_TOKEN: `${password}-admin-token`,
      METRICS_TOKEN: `${password}-metrics-token`,
    }),
  );
  assert.equal(JSON.stringify(knobs).includes(password), false);
  assert.equal(JSON.stringify(knobs).includes('rd%40'), false);
  assert.equal(knobs.GENERATOR_POSTGRES_URLS, 'postgres://app:***@db:5432/x,postgres://app:***@db2/y');
  assert.equal(knobs.GENERATOR_SQLSERVER_URLS, 'Server=a,1433;Password=***;Encrypt=false|Server=b,1433;Password=***');
  assert.equal('ADMIN_TOKEN' in knobs || 'METRICS_TOKEN' in knobs, false);
});

test('exposure knobs: defaults, parsing and clear errors', () => {
  const d = loadConfig({});
  assert.deepEqual([d.SSE_MAX_CLIENTS, d.SSE_MAX_CLIENTS_PER_IP, d.TABLE_API_MAX_PAGE_SIZE, d.TABLE_API_MEMORY_LIMIT], [1000, 50, 1000, '512MB']);
  assert.deepEqual(d.ALLOWED_HOSTS, []);
  assert.equal(d.ADMIN_TOKEN, '');
  const c = loadConfig({ ALLOWED_HOSTS: 'shori.example.com, 10.0.0.5:8000', TABLE_API_MEMORY_LIMIT: '2GiB' });
  assert.deepEqual(c.ALLOWED_HOSTS, ['shori.example.com', '10.0.0.5:8000']);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback', CORS_ALLOW_ORIGINS: 'https://dash.example.com,http://[::1]:5173' }).TRUST_PROXY, [
    '10.0.0.0/8',
    'loopback',
  ]);
  assert.throws(
    () => loadConfig({ CORS_ALLOW_ORIGINS: 'https://dash.example.com/', ALLOWED_HOSTS: 'https://shori.example.com', TRUST_PROXY: 'my proxy' }),
    (error: unknown) =>
      isShoriError(error, 'SHORI_CONFIG_INVALID') &&
      /CORS_ALLOW_ORIGINS="https:\/\/dash.example.com\/": each entry must be \* or an origin/.test(error.message) &&
      /ALLOWED_HOSTS="https:\/\/shori.example.com": each entry must be \* or a host name/.test(error.message) &&
      /TRUST_PROXY="my proxy": each entry must be an IP address or CIDR/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ SSE_MAX_CLIENTS: '0', TABLE_API_MEMORY_LIMIT: 'lots', ADMIN_TOKEN: 'short' }),
    (error: unknown) =>
      isShoriError(error, 'SHORI_CONFIG_INVALID') &&
      /SSE_MAX_CLIENTS="0": must be greater than 0/.test(error.message) &&
      /TABLE_API_MEMORY_LIMIT="lots": must be a size like 512MB/.test(error.message) &&
      /ADMIN_TOKEN=<secret>: must be at least 16 characters/.test(error.message) &&
      !error.message.includes('short'),
  );
});
