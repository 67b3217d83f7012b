// Test helper: loads the shared Debezium fixtures (../shared/fixtures/debezium, sibling of the
// repo root) as raw key/value JSON text, without JSON.parse's int64 rounding, as Kafka would
// deliver them. A clone without ../shared skips the tests using them (FIXTURES_SKIP is the reason);
// under CI=true their absence fails.
import { readFileSync, readdirSync } from 'node:fs';
import { parseLosslessJson, stringifyLosslessJson } from './json.ts';
import { sharedCorpus } from '../../../test/helpers/shared-corpus.ts';

const corpus = sharedCorpus('fixtures/debezium');
export const FIXTURES_DIR = `${corpus.dir}/`;
/** node:test `skip` option for tests that read the shared fixtures: false when they are present. */
export const FIXTURES_SKIP: string | false = corpus.skip;

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
