// Test helper: loads the shared Debezium fixtures (/work/shared/fixtures/debezium, sibling of the
// repo root) as raw key/value JSON text, without JSON.parse's int64 rounding, as Kafka would
// deliver them.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseLosslessJson, stringifyLosslessJson } from './json.ts';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../../shared/fixtures/debezium/', import.meta.url));

export interface Fixture {
  /** e.g. "sqlserver/v3-create-schema-payload.json" */
  name: string;
  /** The key JSON text, or null when the file shows none. */
  key: string | null;
  /** The value JSON text; null for a tombstone or when the file shows only a key. */
  value: string | null;
  hasValue: boolean;
}

export function loadFixture(name: string): Fixture {
  const message = parseLosslessJson(readFileSync(FIXTURES_DIR + name)) as Record<string, unknown>;
  const text = (part: unknown) => (part === undefined || part === null ? null : stringifyLosslessJson(part));
  return { name, key: text(message.key), value: text(message.value), hasValue: 'value' in message };
}

export function allFixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}
