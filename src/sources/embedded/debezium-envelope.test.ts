import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelopeCodec } from './debezium-envelope.ts';
import type { CapturedSchema } from './capture.ts';

const agents = (level: string): CapturedSchema => ({
  id: 2,
  table: 'Agents',
  key: ['AgentID'],
  columns: [
    { name: 'AgentID', type: 'nvarchar(20)', nullable: false },
    { name: 'Level', type: level, nullable: false },
  ],
});

test('codecs are cached by schema content: schema 2 of a table in two source databases of one process stays apart', () => {
  const int = envelopeCodec('src1', agents('int'));
  const big = envelopeCodec('src1', agents('bigint'));
  assert.notEqual(int, big);
  assert.match(int.valuePrefix, /"type":"int32"/);
  assert.match(big.valuePrefix, /"type":"int64","optional":false,"field":"Level"/);
  assert.equal(envelopeCodec('src1', agents('int')), int, 'the same content: the same codec');
});
