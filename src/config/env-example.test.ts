// .env.example documents every knob with its default: this pins that the two never drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configSchema } from './schema.ts';
import { loadConfig } from './index.ts';

const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const documented = new Map(
  example
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
);

test('.env.example lists every configuration knob, and nothing else', () => {
  assert.deepEqual([...documented.keys()].sort(), Object.keys(configSchema.shape).sort());
});

test('the values .env.example shows are the defaults', () => {
  const fromExample = loadConfig(Object.fromEntries(documented));
  assert.deepEqual(fromExample, loadConfig({}));
});
