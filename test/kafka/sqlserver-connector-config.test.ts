// The SQL Server connector configuration we ship (infra/connectors/sqlserver-*.json) against the real
// Debezium SQL Server connector jar, through Kafka Connect's validate endpoint on the local stack.
//
// What this proves and what it does not:
// - Debezium validates every config-only field first (types, enums such as snapshot.mode and
//   decimal.handling.mode, required fields such as topic.prefix, database.names and the schema
//   history settings). Only when all of those pass does it try to connect to the database. So a
//   config whose sole error is "Unable to connect" on database.hostname passed every check that does
//   not need SQL Server. The negative control shows those checks are live (and skip the connection).
// - Not validated here: that SQL Server accepts the credentials, that TicketsDb exists with CDC on,
//   that table.include.list matches dbo.Tickets (Debezium checks that only at run time), and that
//   `${env:SQLSERVER_SA_PASSWORD}` resolves (the local worker has the env provider but not the variable).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { acquireStack, CONNECT_URL, requireStack, type StackLease } from './stack-fixture.ts';

const PLUGIN = 'io.debezium.connector.sqlserver.SqlServerConnector';

interface ValidateResponse {
  name: string;
  error_count: number;
  configs: Array<{ value: { name: string; errors: string[] } }>;
}

async function shippedConfig(file: string): Promise<Record<string, string>> {
  const raw = JSON.parse(await readFile(new URL(`../../infra/connectors/${file}`, import.meta.url), 'utf8')) as {
    name: string;
    config: Record<string, string>;
  };
  // The validate endpoint wants the connector name inside the config (POST /connectors carries it outside).
  return { name: raw.name, ...raw.config };
}

async function validate(config: Record<string, string>): Promise<ValidateResponse> {
  const response = await fetch(`${CONNECT_URL}/connector-plugins/${PLUGIN}/config/validate`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  assert.equal(response.status, 200, `validate answered ${response.status}: ${await response.clone().text()}`);
  return (await response.json()) as ValidateResponse;
}

function errorsByField(result: ValidateResponse): Map<string, string[]> {
  return new Map(result.configs.filter((c) => c.value.errors.length > 0).map((c) => [c.value.name, c.value.errors]));
}

let lease: StackLease | undefined;
before(async () => {
  lease = await acquireStack();
});
after(async () => {
  await lease?.release();
});

for (const file of ['sqlserver-1-tickets.json', 'sqlserver-2-tickets.json']) {
  test(`${file} passes every config-only check of the real SQL Server connector`, async (t) => {
    if (!requireStack(t, lease)) return;
    const config = await shippedConfig(file);
    assert.equal(config['connector.class'], PLUGIN);
    const result = await validate(config);
    assert.equal(result.name, PLUGIN);
    const errors = errorsByField(result);
    // The one error allowed is the connection attempt to the Docker host name, which only happens
    // after all config-only fields have passed.
    assert.deepEqual([...errors.keys()], ['database.hostname'], `unexpected errors: ${JSON.stringify(Object.fromEntries(errors))}`);
    assert.match(errors.get('database.hostname')![0], /^Unable to connect/);
    assert.equal(result.error_count, 1);
  });
}

test('a broken SQL Server config is rejected field by field, before any connection attempt', async (t) => {
  if (!requireStack(t, lease)) return;
  const config = await shippedConfig('sqlserver-1-tickets.json');
  delete config['topic.prefix'];
  config['decimal.handling.mode'] = 'exact';
  config['snapshot.mode'] = 'sometimes';
  const errors = errorsByField(await validate(config));
  assert.deepEqual([...errors.keys()].sort(), ['decimal.handling.mode', 'snapshot.mode', 'topic.prefix']);
  assert.equal(errors.has('database.hostname'), false);
});
